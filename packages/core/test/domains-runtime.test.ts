// The runtime's domain path on a machine without PKU: the addon is replaced by a model of it (keys
// counted, enter/leave tracked per domain, guarded reads refused outside the entered domain and its
// shares), so that the planner -> DomainManager -> executor wiring runs here, with domains in this
// process (`domainHosting: 'in-process'`: the model cannot cross into the supervised domain host's
// process; tiers-domain-host.test.ts covers the host's supervisor). Real PKU, both hostings: the QEMU
// run (scripts/qemu-pku/run.sh, runtime-guest.mjs).
import 'reflect-metadata';
import { afterEach, describe, expect, test, vi } from 'vitest';

const model = vi.hoisted(() => ({
  freeKeys: 5,
  entered: [] as string[],
  log: [] as string[],
  owners: new WeakMap<ArrayBuffer, string>(),
  shares: new Map<string, string[]>(),
  closed: [] as string[],
}));

vi.mock('@faastlane/native-mpk', async (importOriginal) => {
  const real = await importOriginal<typeof import('@faastlane/native-mpk')>();
  const current = (): string | undefined => model.entered.at(-1);
  const mayTouch = (owner: string): boolean => {
    const cur = current();
    return cur === undefined || cur === owner || (model.shares.get(cur) ?? []).includes(owner);
  };
  const bufferOf = (v: ArrayBuffer | ArrayBufferView): ArrayBuffer => (v instanceof ArrayBuffer ? v : (v.buffer as ArrayBuffer));
  const guard = (v: ArrayBuffer | ArrayBufferView, access: 'read' | 'write'): void => {
    const owner = model.owners.get(bufferOf(v));
    if (owner && !mayTouch(owner)) throw new real.ProtectionFaultError(`${access} of domain "${owner}" refused`, owner, current(), 3, access, '0x1000');
  };
  return {
    ...real,
    capabilities: () => ({ available: true, reason: 'ok', cpuPku: true, osPke: true, freeKeys: model.freeKeys, addonLoaded: true, platform: 'linux-x64' }),
    createDomain: (name: string, options: { shares?: { domain: { name: string } }[] } = {}) => {
      if (model.freeKeys === 0) throw new real.KeyExhaustedError(`no key for ${name}`, name);
      model.freeKeys--;
      model.shares.set(name, (options.shares ?? []).map((s) => s.domain.name));
      const alloc = (n: number): ArrayBuffer => {
        const b = new ArrayBuffer(n);
        model.owners.set(b, name);
        return b;
      };
      const domain = {
        name,
        alloc,
        allocBytes: (n: number) => new Uint8Array(alloc(n)),
        copyIn: (bytes: Uint8Array) => {
          const out = new Uint8Array(alloc(bytes.byteLength));
          out.set(bytes);
          return out;
        },
        contains: (v: ArrayBuffer | ArrayBufferView) => model.owners.get(bufferOf(v)) === name,
        enter: () => {
          if (current() !== undefined) throw new real.DomainUsageError('already in a domain');
          model.entered.push(name);
          model.log.push(`enter ${name}`);
          return { leave: () => { model.entered.pop(); model.log.push(`leave ${name}`); } };
        },
        close: () => { model.closed.push(name); model.freeKeys++; },
        // The addon's own run() (enter, leave, refuse a promise) over the modelled enter/leave.
        run: <T>(fn: () => T): T => real.ProtectionDomain.prototype.run.call(domain, fn) as T,
      };
      return domain;
    },
    ownerOf: (v: ArrayBuffer | ArrayBufferView) => {
      const domain = model.owners.get(bufferOf(v));
      return domain ? { domain, pkey: 3 } : null;
    },
    guardedRead: (v: ArrayBuffer | ArrayBufferView, offset = 0, length?: number) => {
      guard(v, 'read');
      const bytes = v instanceof ArrayBuffer ? new Uint8Array(v) : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      return bytes.slice(offset, length === undefined ? undefined : offset + length);
    },
  };
});

const { IsolationViolationError, Runtime, WorkflowValidationError } = await import('@faastlane/core');
const { Fn, task, workflow } = await import('@faastlane/dsl');
// @ts-expect-error plain JavaScript fixture without declarations
const { Consume, FetchSecret, Produce, seen, Sneaky } = await import('./fixtures/domains-functions.mjs');

class WithPeek { run(x: object): object { return { ...x, peek: true }; } }
Fn()(WithPeek);
class Plain { run(_x: unknown, ctx: { heap: { protected: boolean; name: string } }): string { return `${ctx.heap.name}:${ctx.heap.protected}`; } }
Fn()(Plain);

describe('the domain path of the runtime (addon modelled, no PKU needed)', () => {
  afterEach(() => {
    model.log.length = 0;
  });

  test('domains are created at plan time (one per function + the shared heap), entered around each call and closed with the runtime', async () => {
    model.freeKeys = 5;
    const rt = await Runtime.create({ workerThreads: 0, domainHosting: 'in-process' });
    expect(rt.machine.mpk).toMatchObject({ available: true, freeKeys: 5 });
    const wf = workflow('two').pipe(task(Produce), task(Consume));
    expect(rt.plan(wf).tasks().map((t) => t.placement)).toEqual(['domain', 'domain']);
    expect(model.freeKeys).toBe(2);
    const out = await rt.invoke(wf, 4);
    expect(model.log).toEqual(['enter fn:Produce', 'leave fn:Produce', 'enter fn:Consume', 'leave fn:Consume']);
    expect(out).toMatchObject({ total: 10, heap: 'fn:Consume', inShared: true });
    expect(out.data).toBe(seen.produced);
    await rt.close();
    expect(model.closed).toEqual(expect.arrayContaining(['fn:Produce', 'fn:Consume', 'faastlane:shared']));
    expect(model.freeKeys).toBe(5);
  });

  test('a guarded read of another domain fails the step with IsolationViolationError naming the step and the domain; not retried; the domain is left', async () => {
    model.freeKeys = 5;
    const rt = await Runtime.create({ workerThreads: 0, domainHosting: 'in-process' });
    const error = await rt.invoke(workflow('peek').pipe(task(Produce), task(WithPeek), task(Consume)), 2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IsolationViolationError);
    expect(error).toMatchObject({ stepPath: 'peek/Consume', domain: 'fn:Produce', code: 'ISOLATION_VIOLATION' });
    expect(model.entered).toEqual([]);
    expect(model.log.filter((l) => l === 'enter fn:Consume')).toHaveLength(1);
    await rt.close();
  });

  test('a run() that returns a promise inside a domain is refused with a typed error naming the step', async () => {
    model.freeKeys = 5;
    const rt = await Runtime.create({ workerThreads: 0, domainHosting: 'in-process' });
    const error = await rt.invoke(workflow('sneaky').pipe(task(Sneaky)), 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowValidationError);
    expect(error).toMatchObject({ stepPath: 'sneaky/Sneaky', message: expect.stringMatching(/returned a promise/) });
    expect(model.entered).toEqual([]);
    await rt.close();
  });

  test('keys counted at plan time: later plans see what earlier ones hold; the rest fall back with the reason', async () => {
    model.freeKeys = 3;
    const rt = await Runtime.create({ workerThreads: 0, domainHosting: 'in-process' });
    expect(rt.plan(workflow('a').pipe(task(Produce))).tasks()[0]?.placement).toBe('domain');
    const second = rt.plan(workflow('b').pipe(task(Produce), task(Consume), task(FetchSecret)));
    expect(second.tasks().map((t) => t.placement)).toEqual(['domain', 'domain', 'child-process']);
    expect(second.tasks()[2]?.reason).toMatch(/async/);
    const third = rt.plan(workflow('c').pipe(task(Consume), task(Sneaky)));
    expect(third.tasks().map((t) => t.placement)).toEqual(['domain', 'child-process']);
    expect(third.tasks()[1]?.reason).toMatch(/keys ran out \(0 free at plan time, taken by the shared heap and the domains of Produce, Consume\)/);
    await rt.close();
  });

  test('functions without isolation keep ordinary memory and are never entered', async () => {
    model.freeKeys = 5;
    const rt = await Runtime.create({ workerThreads: 0, domainHosting: 'in-process' });
    expect(await rt.invoke(workflow('plain').pipe(task(Plain)), null)).toBe('plain:false');
    expect(model.log).toEqual([]);
    await rt.close();
  });
});
