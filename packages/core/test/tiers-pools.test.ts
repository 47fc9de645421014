// What WorkerPool and ProcessPool share: the same suite runs on both. What differs (buffer
// transfer, shared memory, memory limits, killing from outside, outliving the parent) is in
// tiers-worker.test.ts and tiers-process.test.ts. The entry scripts run from dist: build first (`npx tsc -b`).
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { lookupFunction } from '../src/functions/registry.js';
import { RemoteError, type FnRef } from '../src/hosting/wire.js';
import type { HostPool, PoolOptions } from '../src/tiers/pool.js';
import { ProcessPool } from '../src/tiers/process-pool.js';
import { TierCrashError, type TierCall } from '../src/tiers/tier.js';
import { WorkerPool } from '../src/tiers/worker-pool.js';

const FIXTURE = new URL('./fixtures/tier-functions.mjs', import.meta.url).href;
const fn = (name: string): FnRef => ({ module: FIXTURE, name });

function call(name: string, input: unknown, options: { signal?: AbortSignal; transfer?: boolean } = {}): TierCall {
  return {
    fn: fn(name),
    input,
    ctx: { runId: 'run-1', workflow: 'tiers', stepPath: `tiers/${name}`, attempt: 1 },
    signal: options.signal ?? new AbortController().signal,
    transfer: options.transfer ?? false,
  };
}

const tiers = [
  { name: 'WorkerPool', kind: 'worker-thread', where: /^worker \d+$/, start: (o: PoolOptions): Promise<HostPool> => WorkerPool.start(o) },
  { name: 'ProcessPool', kind: 'child-process', where: /^pid \d+$/, start: (o: PoolOptions): Promise<HostPool> => ProcessPool.start(o) },
] as const;

describe.each(tiers)('$name', ({ kind, where, start }) => {
  let pool: HostPool;
  let startedAt: number;

  beforeAll(async () => {
    pool = await start({ size: 2, preload: [fn('WhereAmI')] });
    startedAt = Date.now();
  });
  afterAll(() => pool.close());

  /** Runs `body` on a pool of one, closed afterwards. */
  async function withSingle(body: (single: HostPool) => Promise<void>): Promise<void> {
    const single = await start({ size: 1 });
    try {
      await body(single);
    } finally {
      await single.close();
    }
  }

  test('is warm when start resolves: every member answered ready, with the preloaded module imported', async () => {
    expect(pool.kind).toBe(kind);
    expect(pool.capacity).toBe(2);
    expect(pool.members).toHaveLength(2);
    for (const member of pool.members) expect(member).toMatch(where);
    const { loadedAt } = (await pool.call(call('WhereAmI', null))) as { loadedAt: number };
    expect(loadedAt).toBeLessThanOrEqual(startedAt);
  });

  test('runs a function from a fixture module that only the pool imported', async () => {
    await expect(pool.call(call('Square', 7))).resolves.toBe(49);
    // This thread never imported the fixture: its functions are registered over there only.
    expect(lookupFunction(FIXTURE, 'Square')).toBeUndefined();
  });

  test('queues calls beyond capacity and runs them all, first in first out', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () => pool.call(call('Sleep', 20))));
    expect(new Set(results.map((r) => JSON.stringify(r))).size).toBeLessThanOrEqual(2);
    await withSingle(async (single) => {
      const order: number[] = [];
      const calls = [0, 1, 2, 3].map((i) => single.call(call('Sleep', 5)).then(() => order.push(i)));
      expect(single.queued).toBe(3);
      await Promise.all(calls);
      expect(order).toEqual([0, 1, 2, 3]);
    });
  });

  test('rejects with the function error rebuilt: name, message, code and stack', async () => {
    const before = pool.members;
    const error = (await pool.call(call('Throw', 'over quota')).catch((e: unknown) => e)) as RemoteError;
    expect(error).toBeInstanceOf(RemoteError);
    expect(error.name).toBe('QuotaExceeded');
    expect(error.message).toBe('over quota');
    expect(error.code).toBe('E_QUOTA');
    expect(error.stack).toContain('tier-functions.mjs');
    expect(pool.members).toEqual(before);
  });

  test('rejects an output that cannot be serialised, and keeps the member', async () => {
    const before = pool.members;
    await expect(pool.call(call('ReturnsFunction', null))).rejects.toMatchObject({ name: 'DataCloneError' });
    expect(pool.members).toEqual(before);
  });

  test('rejects an input that cannot be serialised, sending nothing', async () => {
    await expect(pool.call(call('Square', { f: () => 1 }))).rejects.toThrow(/could not be cloned/);
    await expect(pool.call(call('Square', 5))).resolves.toBe(25);
  });

  test('a fired signal rejects with its reason, stops a runaway loop, and the pool heals', async () => {
    await withSingle(async (single) => {
      const [before] = single.members;
      await expect(single.call(call('Spin', null, { signal: AbortSignal.timeout(100) }))).rejects.toMatchObject({ name: 'TimeoutError' });
      // A new member serves the next call.
      await expect(single.call(call('Square', 6))).resolves.toBe(36);
      expect(single.members).toHaveLength(1);
      expect(single.members[0]).not.toBe(before);
    });
  });

  test('a timeout on one member leaves the calls on the others running', async () => {
    const other = pool.call(call('Sleep', 150));
    await expect(pool.call(call('Spin', null, { signal: AbortSignal.timeout(50) }))).rejects.toMatchObject({ name: 'TimeoutError' });
    await expect(other).resolves.toBeDefined();
    await expect(pool.call(call('Square', 11))).resolves.toBe(121);
  });

  test('a queued call whose signal fires leaves the queue without touching the member', async () => {
    await withSingle(async (single) => {
      const before = single.members;
      const controller = new AbortController();
      const running = single.call(call('Sleep', 50));
      const queued = single.call(call('Square', 2, { signal: controller.signal }));
      controller.abort(new Error('cancelled'));
      await expect(queued).rejects.toThrow('cancelled');
      await expect(running).resolves.toBeDefined();
      expect(single.members).toEqual(before);
    });
  });

  test('an already-aborted signal rejects at once', async () => {
    const controller = new AbortController();
    controller.abort(new Error('too late'));
    await expect(pool.call(call('Square', 1, { signal: controller.signal }))).rejects.toThrow('too late');
  });

  test('process.exit(3) inside a function fails only that call; the others finish', async () => {
    const other = pool.call(call('Sleep', 100));
    const error = (await pool.call(call('Exit', 3)).catch((e: unknown) => e)) as TierCrashError;
    expect(error).toBeInstanceOf(TierCrashError);
    expect(error.tier).toBe(kind);
    expect(error.where).toMatch(where);
    expect(error.message).toContain('exited with code 3');
    await expect(other).resolves.toBeDefined();
    await expect(pool.call(call('Square', 8))).resolves.toBe(64);
    await vi.waitFor(() => expect(pool.members).toHaveLength(2));
  });

  test('an uncaught exception outside run ends the member: its call fails naming the error, the pool heals', async () => {
    const error = (await pool.call(call('ThrowLater', 'timer boom')).catch((e: unknown) => e)) as TierCrashError;
    expect(error).toBeInstanceOf(TierCrashError);
    expect(error.message).toContain('timer boom');
    await expect(pool.call(call('Square', 9))).resolves.toBe(81);
  });

  test('a crash fails the running call and queued calls continue on the healed pool', async () => {
    await withSingle(async (single) => {
      const crashing = single.call(call('Exit', 1));
      const queued = [single.call(call('Square', 2)), single.call(call('Square', 3))];
      await expect(crashing).rejects.toBeInstanceOf(TierCrashError);
      await expect(Promise.all(queued)).resolves.toEqual([4, 9]);
    });
  });

  test('close() rejects running, queued and later calls', async () => {
    const single = await start({ size: 1 });
    const settled = Promise.allSettled([single.call(call('Spin', null)), single.call(call('Square', 2))]);
    await single.close();
    const [running, queued] = await settled;
    expect(running).toMatchObject({ status: 'rejected', reason: expect.any(TierCrashError) });
    expect(queued).toMatchObject({ status: 'rejected', reason: expect.any(TierCrashError) });
    await expect(single.call(call('Square', 2))).rejects.toBeInstanceOf(TierCrashError);
    expect(single.members).toEqual([]);
  });

  test('start rejects when a preloaded function does not exist', async () => {
    await expect(start({ size: 2, preload: [fn('NoSuchFunction')] })).rejects.toThrow(/NoSuchFunction/);
  });

  test('start rejects a size that is not a positive integer', async () => {
    await expect(start({ size: 0 })).rejects.toThrow(RangeError);
  });
});
