import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainerTier } from '../src/containers/container-tier.js';
import { EmbeddedContainerProvider } from '../src/containers/embedded-provider.js';
import { ContainerUnavailableError } from '../src/errors.js';
import { RemoteError } from '../src/hosting/wire.js';
import { TierCrashError } from '../src/tiers/tier.js';
import { alive, tierCall } from './fixtures/containers/calls.js';

// Each tier runs real container processes (the compiled entry: run `npx tsc -b` first).
const pids = new Set<number>();
const tiers: ContainerTier[] = [];

async function embedded(count: number, encoding: 'v8' | 'json' = 'v8'): Promise<{ tier: ContainerTier; provider: EmbeddedContainerProvider }> {
  const provider = await EmbeddedContainerProvider.create({ count });
  const tier = new ContainerTier(provider, { encoding, cancelGraceMs: 300 });
  tiers.push(tier);
  return { tier, provider };
}

function rememberPids(provider: EmbeddedContainerProvider): void {
  for (const container of provider.endpoints()) pids.add(container.pid);
}

async function waitFor(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The pid of the container running the only call in flight on `tier`. */
async function busyPid(tier: ContainerTier, provider: EmbeddedContainerProvider): Promise<number> {
  await waitFor(() => tier.containers().some((c) => c.inFlight > 0));
  const url = tier.containers().find((c) => c.inFlight > 0)!.url;
  return provider.endpoints().find((c) => c.url === url)!.pid;
}

let three: { tier: ContainerTier; provider: EmbeddedContainerProvider };
let one: { tier: ContainerTier; provider: EmbeddedContainerProvider };

beforeAll(async () => {
  [three, one] = await Promise.all([embedded(3), embedded(1)]);
  rememberPids(three.provider);
  rememberPids(one.provider);
});

afterAll(async () => {
  await Promise.all(tiers.map((tier) => tier.close()));
});

/** Starts `fn(ms)` on the single container, gives it up once it runs, and answers that container's pid. */
async function giveUpOn(fn: string, ms: number): Promise<number> {
  const pid = one.provider.endpoints()[0]!.pid;
  const controller = new AbortController();
  const call = one.tier.call(tierCall(fn, ms, controller.signal));
  await busyPid(one.tier, one.provider);
  controller.abort(new Error('give up'));
  await expect(call).rejects.toThrow('give up');
  return pid;
}

describe('ContainerTier', () => {
  it('runs functions in other processes; capacity is the concurrency of its live containers', async () => {
    expect(three.tier.kind).toBe('container');
    expect(three.tier.capacity).toBe(3);
    expect(await three.tier.call(tierCall('Square', 12))).toBe(144);
    const pid = (await three.tier.call(tierCall('Pid', undefined))) as number;
    expect(pid).not.toBe(process.pid);
    expect(three.provider.endpoints().map((c) => c.pid)).toContain(pid);
  });

  it('spreads calls over its containers and queues those beyond capacity', async () => {
    const started = Date.now();
    const answered = (await Promise.all(Array.from({ length: 6 }, () => three.tier.call(tierCall('Slow', 150))))) as number[];
    expect(new Set(answered)).toEqual(new Set(three.provider.endpoints().map((c) => c.pid)));
    // Six calls of 150 ms on three containers of concurrency 1: two rounds, not one, not six.
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(three.tier.containers().every((c) => c.inFlight === 0 && c.served >= 1)).toBe(true);
  });

  it('rebuilds a function error with its name, message and code', async () => {
    const failure = three.tier.call(tierCall('Fail', 7));
    await expect(failure).rejects.toBeInstanceOf(RemoteError);
    await expect(failure).rejects.toMatchObject({ name: 'TooBigError', message: '7 is too big', code: 'E_TOO_BIG' });
  });

  it.each(['v8', 'json'] as const)('carries typed arrays in %s', async (encoding) => {
    const tier = encoding === 'v8' ? three.tier : new ContainerTier(three.provider, { encoding });
    const out = (await tier.call(tierCall('Stats', { data: new Float64Array([1, 2, 3.5]) }))) as { sum: number; doubled: Float64Array };
    expect(out.sum).toBe(6.5);
    expect(out.doubled).toEqual(new Float64Array([2, 4, 7]));
  });

  it('retries a call on another container when its container is killed mid-call', async () => {
    const call = three.tier.call(tierCall('Slow', 800));
    const victim = await busyPid(three.tier, three.provider);
    process.kill(victim, 'SIGKILL');
    const answeredBy = (await call) as number;
    expect(answeredBy).not.toBe(victim);
    // The dead container is replaced in the background.
    await waitFor(() => three.provider.endpoints().length === 3 && !three.provider.endpoints().some((c) => c.pid === victim));
    rememberPids(three.provider);
    expect(three.tier.capacity).toBe(3);
  });

  it('rejects with ContainerUnavailableError naming the step and container when no other container is left', async () => {
    const url = one.provider.endpoints()[0]!.url;
    const call = one.tier.call(tierCall('Slow', 5_000));
    process.kill(await busyPid(one.tier, one.provider), 'SIGKILL');
    const error = (await call.catch((e: unknown) => e)) as ContainerUnavailableError;
    expect(error).toBeInstanceOf(ContainerUnavailableError);
    expect(error).toMatchObject({ stepPath: 'containers/Slow', container: url, code: 'CONTAINER_UNAVAILABLE' });
    expect(error.message).toContain('containers/Slow');
    expect(error.cause).toBeInstanceOf(TierCrashError);
    // Replaced in the background: the tier serves again.
    await waitFor(() => one.tier.capacity === 1);
    rememberPids(one.provider);
    expect(await one.tier.call(tierCall('Square', 3))).toBe(9);
  });

  it('on abort rejects at once with the reason and aborts the function in the container', async () => {
    const before = ((await one.tier.call(tierCall('Aborts', undefined))) as { aborted: number }).aborted;
    const controller = new AbortController();
    const call = one.tier.call(tierCall('Slow', 10_000, controller.signal));
    await busyPid(one.tier, one.provider);
    const reason = new Error('stop now');
    const abortedAt = Date.now();
    controller.abort(reason);
    await expect(call).rejects.toBe(reason);
    expect(Date.now() - abortedAt).toBeLessThan(250);
    await waitFor(() => one.tier.containers()[0]!.inFlight === 0);
    const after = (await one.tier.call(tierCall('Aborts', undefined))) as { aborted: number; lastReason: string };
    expect(after.aborted).toBe(before + 1);
    expect(after.lastReason).toContain('cancelled');
    // The container lived through it.
    expect(one.provider.endpoints()).toHaveLength(1);
  });

  it('replaces a container whose function ignores the cancellation and holds its event loop', async () => {
    const runaway = await giveUpOn('Spin', 4_000);
    // Grace (300 ms), then a health check that times out (1 s): killed and replaced.
    // No calls go there meanwhile.
    await waitFor(() => one.tier.capacity === 0, 1_000);
    await waitFor(() => one.provider.endpoints().length === 1 && one.provider.endpoints()[0]!.pid !== runaway, 4_000);
    expect(alive(runaway)).toBe(false);
    rememberPids(one.provider);
    expect(await one.tier.call(tierCall('Square', 5))).toBe(25);
  });

  it('replaces a container whose function ignores the cancellation and keeps its call slot, its event loop free', async () => {
    const holder = await giveUpOn('Ignores', 8_000);
    // It answers /health, but its only slot is taken: new calls would queue behind the abandoned one.
    await waitFor(() => one.provider.endpoints().length === 1 && one.provider.endpoints()[0]!.pid !== holder, 4_000);
    rememberPids(one.provider);
    const sentAt = Date.now();
    expect(await one.tier.call(tierCall('Square', 6))).toBe(36);
    expect(Date.now() - sentAt).toBeLessThan(2_000);
  });

  it('keeps a container whose other call slot holds a call the tier still waits for', async () => {
    const provider = await EmbeddedContainerProvider.create({ count: 1, concurrency: 2 });
    const tier = new ContainerTier(provider, { cancelGraceMs: 300 });
    try {
      const pid = provider.endpoints()[0]!.pid;
      const kept = tier.call(tierCall('Slow', 2_500));
      const controller = new AbortController();
      const abandoned = tier.call(tierCall('Ignores', 8_000, controller.signal));
      await waitFor(() => tier.containers()[0]?.inFlight === 2);
      controller.abort(new Error('give up'));
      await expect(abandoned).rejects.toThrow('give up');
      // Checked after the grace: one slot is lost to the abandoned call, the other is the tier's own.
      await expect(kept).resolves.toBe(pid);
      expect(provider.endpoints().map((c) => c.pid)).toEqual([pid]);
    } finally {
      await tier.close();
    }
  });

  it('rejects a call whose signal already fired, and a queued call when its signal fires', async () => {
    const done = new AbortController();
    done.abort(new Error('too late'));
    await expect(one.tier.call(tierCall('Square', 1, done.signal))).rejects.toThrow('too late');
    const busy = one.tier.call(tierCall('Slow', 300));
    const controller = new AbortController();
    const queued = one.tier.call(tierCall('Square', 2, controller.signal));
    controller.abort(new Error('left the queue'));
    await expect(queued).rejects.toThrow('left the queue');
    expect(typeof (await busy)).toBe('number');
  });

  it('starts more containers on demand', async () => {
    const { tier, provider } = await embedded(1);
    await tier.ensureContainers(2);
    rememberPids(provider);
    expect(tier.capacity).toBe(2);
    const answered = (await Promise.all([tier.call(tierCall('Slow', 100)), tier.call(tierCall('Slow', 100))])) as number[];
    expect(new Set(answered).size).toBe(2);
    await tier.close();
    await expect(tier.call(tierCall('Square', 1))).rejects.toBeInstanceOf(ContainerUnavailableError);
  });

  it('close() stops every container process', async () => {
    await Promise.all(tiers.map((tier) => tier.close()));
    rememberPids(three.provider);
    expect(pids.size).toBeGreaterThanOrEqual(7);
    expect([...pids].filter(alive)).toEqual([]);
  });
});

describe('embedded containers that keep dying', () => {
  it('are replaced past the restart limit once its window allows, not left short for good', async () => {
    // A window long enough that the second death falls in it even when the first replacement boots slowly.
    const provider = await EmbeddedContainerProvider.create({ count: 1, restartLimit: { count: 1, windowMs: 4_000 } });
    try {
      const first = provider.endpoints()[0]!.pid;
      process.kill(first, 'SIGKILL');
      // Within the limit: replaced at once.
      await waitFor(() => provider.endpoints().length === 1 && provider.endpoints()[0]!.pid !== first);
      const second = provider.endpoints()[0]!.pid;
      const killedAt = Date.now();
      process.kill(second, 'SIGKILL');
      // Past it: no container for a while (calls fail fast meanwhile: nothing counts as starting)...
      await waitFor(() => provider.endpoints().length === 0);
      expect(provider.starting).toBe(0);
      // ...then one comes back when the window allows.
      await waitFor(() => provider.endpoints().length === 1, 8_000);
      expect(provider.endpoints()[0]!.pid).not.toBe(second);
      expect(Date.now() - killedAt).toBeGreaterThan(300);
    } finally {
      await provider.close();
    }
  });
});

describe('embedded containers outlive no parent', () => {
  it.each(['SIGKILL', 'exit'] as const)('die with their parent (%s)', async (how) => {
    const { spawn } = await import('node:child_process');
    const parent = spawn(process.execPath, [new URL('./fixtures/containers/parent.mjs', import.meta.url).pathname, how], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const pid = await new Promise<number>((resolve, reject) => {
        parent.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
        parent.once('exit', () => reject(new Error('the parent exited before it started its container')));
      });
      if (how === 'SIGKILL') {
        expect(alive(pid)).toBe(true);
        parent.kill('SIGKILL');
      }
      await waitFor(() => !alive(pid), 3_000);
    } finally {
      parent.kill('SIGKILL');
    }
  });
});
