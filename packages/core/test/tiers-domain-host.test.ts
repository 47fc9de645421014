// The supervisor side of the domain host (DomainHostPool): a host that dies of a protection-key fault
// reports it on its fault pipe first, and the call fails with a TierCrashError that carries the fault,
// which the executor reports as IsolationViolationError for the step. Without PKU no real protection
// fault can happen here, so the fixture writes the addon's report line itself before its SIGSEGV;
// the real fault (and the addon's own report) is exercised under PKU by scripts/qemu-pku/run.sh.
// The entry script runs from dist: build first (`npx tsc -b`).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FAULT_REPORT_PREFIX } from '@faastlane/native-mpk';
import { IsolationViolationError } from '../src/errors.js';
import { asIsolationViolation } from '../src/domains/manager.js';
import { DomainHostPool } from '../src/tiers/domain-host-pool.js';
import { TierCrashError, type TierCall } from '../src/tiers/tier.js';

const FIXTURE = new URL('./fixtures/tier-functions.mjs', import.meta.url).href;

function call(name: string, input: unknown): TierCall {
  return {
    fn: { module: FIXTURE, name },
    input,
    ctx: { runId: 'run-1', workflow: 'wf', stepPath: `wf/${name}`, attempt: 1 },
    signal: new AbortController().signal,
    transfer: false,
  };
}

describe('DomainHostPool', () => {
  let pool: DomainHostPool;

  beforeAll(async () => {
    pool = await DomainHostPool.start({ size: 1 });
  });
  afterAll(() => pool.close());

  test('runs functions like a process pool (its own process, input copied)', async () => {
    expect(pool.kind).toBe('domain-host');
    const out = (await pool.call(call('WhereAmI', null))) as { pid: number };
    expect(out.pid).not.toBe(process.pid);
  });

  test('a death after a fault report fails the call with that protection fault, and the step with IsolationViolationError', async () => {
    const before = pool.members;
    const report = `${FAULT_REPORT_PREFIX} pkey=5 address=0x7f12abcd0000 domain=fn:Victim`;
    const error = await pool.call(call('Segfault', report)).then(
      () => expect.fail('the host survived a SIGSEGV'),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TierCrashError);
    expect((error as TierCrashError).protectionFault).toEqual({ pkey: 5, domain: 'fn:Victim', address: '0x7f12abcd0000' });
    expect((error as TierCrashError).message).toMatch(/domain-host pid \d+ died: was killed by SIGSEGV after a protection-key fault on key 5 at 0x7f12abcd0000/);

    const violation = asIsolationViolation(error, 'wf/Segfault');
    expect(violation).toBeInstanceOf(IsolationViolationError);
    expect(violation).toMatchObject({ stepPath: 'wf/Segfault', domain: 'fn:Victim' });
    expect(violation?.message).toMatch(/Step wf\/Segfault violated the isolation of domain fn:Victim: an unguarded access to its memory \(protection key 5, address 0x7f12abcd0000\) faulted/);

    // The host was replaced and takes calls again.
    const out = (await pool.call(call('WhereAmI', null))) as { pid: number };
    expect(`pid ${out.pid}`).not.toBe(before[0]);
  });

  test('a plain crash (no report) stays a crash, not an isolation violation', async () => {
    const error = await pool.call(call('Segfault', null)).then(
      () => expect.fail('the host survived a SIGSEGV'),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TierCrashError);
    expect((error as TierCrashError).protectionFault).toBeUndefined();
    expect(asIsolationViolation(error, 'wf/Segfault')).toBeUndefined();
  });

  test("a host's refusal of a guarded access (rebuilt from the wire) is the step's IsolationViolationError", async () => {
    const { RemoteError } = await import('../src/hosting/wire.js');
    const remote = new RemoteError({
      name: 'IsolationViolationError',
      code: 'ISOLATION_VIOLATION',
      domain: 'fn:Produce',
      message: 'Step wf/Steal violated the isolation of domain fn:Produce: read of domain "fn:Produce" refused',
    });
    const violation = asIsolationViolation(remote, 'wf/Steal');
    expect(violation).toMatchObject({ stepPath: 'wf/Steal', domain: 'fn:Produce' });
    expect(violation?.message).toBe('Step wf/Steal violated the isolation of domain fn:Produce: read of domain "fn:Produce" refused');
  });

  test("the addon's own refusal from the host, and its protection-fault subclass, are the step's IsolationViolationError", async () => {
    const { RemoteError } = await import('../src/hosting/wire.js');
    for (const [name, code] of [['DomainAccessError', 'ERR_MPK_ACCESS_DENIED'], ['ProtectionFaultError', 'ERR_MPK_PROTECTION_FAULT']]) {
      const remote = new RemoteError({ name, code, domain: 'fn:Produce', message: 'read of domain "fn:Produce" refused' });
      const violation = asIsolationViolation(remote, 'wf/Steal');
      expect(violation).toMatchObject({ stepPath: 'wf/Steal', domain: 'fn:Produce' });
      expect(violation?.message).toBe('Step wf/Steal violated the isolation of domain fn:Produce: read of domain "fn:Produce" refused');
    }
  });
});
