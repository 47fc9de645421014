// What is particular to the worker-thread tier: buffers moved rather than copied, shared memory,
// memory limits. The behaviour it shares with the process tier is in tiers-pools.test.ts.
// The entry script runs from dist: build first (`npx tsc -b`).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { threadId } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { TierCrashError, type TierCall } from '../src/tiers/tier.js';
import { WorkerPool } from '../src/tiers/worker-pool.js';
import { POOL_START_FAILED } from '../src/tiers/pool.js';

const FIXTURE = new URL('./fixtures/tier-functions.mjs', import.meta.url).href;
const LOAD_STAMP = new URL('./fixtures/load-stamp.mjs', import.meta.url).href;
const FLAGS_PARENT = fileURLToPath(new URL('./fixtures/worker-pool-flags-parent.mjs', import.meta.url));
const MB = 1024 * 1024;

function call(name: string, input: unknown, transfer = false): TierCall {
  const ctx = { runId: 'run-1', workflow: 'tiers', stepPath: `tiers/${name}`, attempt: 1 };
  return { fn: { module: FIXTURE, name }, input, ctx, signal: new AbortController().signal, transfer };
}

describe('WorkerPool', () => {
  let pool: WorkerPool;

  beforeAll(async () => {
    pool = await WorkerPool.start({ size: 2 });
  });
  afterAll(() => pool.close());

  test('preload loads functions in every worker ahead of their first call; an unknown one harms nothing', async () => {
    await pool.preload([{ module: FIXTURE, name: 'WhereAmI' }, { module: FIXTURE, name: 'NoSuchFunction' }]);
    const where = (await pool.call(call('WhereAmI', null))) as { isMainThread: boolean };
    expect(where.isMainThread).toBe(false);
    expect(pool.members).toHaveLength(2);
    // A worker that dies is replaced, and the replacement starts although it is told to warm the unknown one too.
    await expect(pool.call(call('Exit', 3))).rejects.toThrow();
    for (let i = 0; i < 4; i++) expect(((await pool.call(call('WhereAmI', null))) as { isMainThread: boolean }).isMainThread).toBe(false);
    await expect.poll(() => pool.members.length, { timeout: 10_000 }).toBe(2);
  });

  test('with `initial`, starts that many workers and one more per call that waits, up to `size`', async () => {
    const lazy = await WorkerPool.start({ size: 4, initial: 1 });
    try {
      expect(lazy.members).toHaveLength(1);
      // One call at a time: the one worker takes each, no other starts.
      for (let i = 0; i < 3; i++) await lazy.call(call('WhereAmI', null));
      expect(lazy.members).toHaveLength(1);
      // Three at once: two wait, and two more workers start for them (well within the second that
      // each call takes); all three run side by side.
      const threads = (await Promise.all([0, 1, 2].map(() => lazy.call(call('Sleep', 1_000))))) as { threadId: number }[];
      expect(new Set(threads.map((t) => t.threadId)).size).toBe(3);
      expect(lazy.members).toHaveLength(3);
      // Never more than `size`: six at once use the four.
      const six = (await Promise.all([0, 1, 2, 3, 4, 5].map(() => lazy.call(call('Sleep', 1_000))))) as { threadId: number }[];
      expect(new Set(six.map((t) => t.threadId)).size).toBe(4);
      expect(lazy.members).toHaveLength(4);
    } finally {
      await lazy.close();
    }
    await expect(WorkerPool.start({ size: 2, initial: 3 })).rejects.toThrow(/initial members must be an integer from 1 to its size \(2\), got 3/);
  }, 20_000);

  test('a worker that starts while functions are preloaded loads them too, before its first call of them', async () => {
    const lazy = await WorkerPool.start({ size: 2, initial: 1 });
    try {
      // The first worker is busy, so the second call starts a second worker; preload while it starts.
      const busy = lazy.call(call('Sleep', 1_500));
      const queued = lazy.call(call('Sleep', 10));
      await lazy.preload([{ module: LOAD_STAMP, name: 'LoadedAt' }]);
      const second = (await queued) as { threadId: number };
      await new Promise((resolve) => setTimeout(resolve, 300));
      // The first worker is still busy: this call goes to the second, which loaded the module when it came up.
      const calledAt = Date.now();
      const where = (await lazy.call({ ...call('LoadedAt', null), fn: { module: LOAD_STAMP, name: 'LoadedAt' } })) as { threadId: number; loadedAt: number };
      expect(where.threadId).toBe(second.threadId);
      expect(where.loadedAt).toBeLessThan(calledAt - 200);
      await busy;
    } finally {
      await lazy.close();
    }
  }, 20_000);

  test('runs functions on other threads of this process', async () => {
    const where = (await pool.call(call('WhereAmI', null))) as { isMainThread: boolean; threadId: number; pid: number };
    expect(where.isMainThread).toBe(false);
    expect(where.threadId).not.toBe(threadId);
    expect(where.pid).toBe(process.pid);
  });

  test('moves a 64 MB typed array to the worker and back without a copy', async () => {
    const data = new Uint8Array(64 * MB);
    const result = pool.call(call('Mark', { data, marker: 7 }, true));
    // Moved as soon as the call started: the sender's buffer is detached.
    expect(data.byteLength).toBe(0);
    expect(data.buffer.byteLength).toBe(0);
    const out = (await result) as Uint8Array;
    expect(out).toBeInstanceOf(Uint8Array);
    expect(out.length).toBe(64 * MB);
    expect(out[0]).toBe(7);
    expect(out[64 * MB - 1]).toBe(7);
  });

  test('moves the output back: the array the worker wrote is detached there afterwards', async () => {
    const single = await WorkerPool.start({ size: 1 });
    try {
      const out = (await single.call(call('Mark', { data: new Uint8Array(MB), marker: 9 }, true))) as Uint8Array;
      expect(out[0]).toBe(9);
      // Same worker: the array it returned no longer has its memory, which is now `out`'s.
      await expect(single.call(call('LastMarkDetached', null))).resolves.toBe(true);
    } finally {
      await single.close();
    }
  });

  test('copies the input when transfer is off', async () => {
    const data = new Uint8Array(1024);
    const out = (await pool.call(call('Mark', { data, marker: 5 }, false))) as Uint8Array;
    expect(data.byteLength).toBe(1024);
    expect(data[0]).toBe(0);
    expect(out[0]).toBe(5);
  });

  test('copies a partial view rather than detaching a buffer it does not own', async () => {
    const buffer = new ArrayBuffer(64);
    const view = new Uint8Array(buffer, 8, 16);
    view[0] = 3;
    const info = await pool.call(call('Describe', { view }, true));
    expect(buffer.byteLength).toBe(64);
    expect(view.byteLength).toBe(16);
    expect(info).toMatchObject({ length: 16, first: 3 });
  });

  test('shares a SharedArrayBuffer: a write by the worker is visible to the caller', async () => {
    const view = new Int32Array(new SharedArrayBuffer(16));
    await expect(pool.call(call('WriteShared', { view }, true))).resolves.toBe(true);
    expect(Atomics.load(view, 0)).toBe(42);
    expect(view.buffer.byteLength).toBe(16);
  });

  test('running out of memory under resourceLimits fails only that call', async () => {
    const limited = await WorkerPool.start({ size: 2, resourceLimits: { maxOldGenerationSizeMb: 48, maxYoungGenerationSizeMb: 8 } });
    try {
      const other = limited.call(call('Sleep', 50));
      const error = (await limited.call(call('Hog', null)).catch((e: unknown) => e)) as TierCrashError;
      expect(error).toBeInstanceOf(TierCrashError);
      expect(error.where).toMatch(/^worker \d+$/);
      expect(error.message).toMatch(/out of memory/);
      await expect(other).resolves.toBeDefined();
      await expect(limited.call(call('Square', 10))).resolves.toBe(100);
      // The replacement starts in the background.
      await vi.waitFor(() => expect(limited.members).toHaveLength(2));
    } finally {
      await limited.close();
    }
  });

  test('a parent flag that workers refuse (--max-old-space-size) is dropped when a worker starts, and when a replacement does', () => {
    const out = execFileSync(process.execPath, ['--max-old-space-size=512', FLAGS_PARENT], { encoding: 'utf8', timeout: 30_000 });
    expect(JSON.parse(out.trim())).toEqual({ execArgv: ['--max-old-space-size=512'], before: false, crashed: true, after: false });
  });
});

describe('WorkerPool whose later workers fail to start', () => {
  test('runs the calls on the workers it has, says so once, and tries again only after a backoff', async () => {
    const FAILS = new URL('./fixtures/fails-when-told.mjs', import.meta.url).href;
    const dir = mkdtempSync(join(tmpdir(), 'pool-starts-'));
    const log = join(dir, 'starts.log');
    const failedStarts = (): number => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 0);
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => {
      if ((w as Error & { code?: string }).code === POOL_START_FAILED) warnings.push(w);
    };
    process.on('warning', onWarning);
    const lazy = await WorkerPool.start({ size: 3, initial: 1, preload: [{ module: FAILS, name: 'Nothing' }] });
    try {
      // Workers started from now on fail to import the preloaded module.
      process.env.FAASTLANE_TEST_FAIL_START = '1';
      process.env.FAASTLANE_TEST_START_LOG = log;
      const threads = (await Promise.all(Array.from({ length: 16 }, () => lazy.call(call('Sleep', 50))))) as { threadId: number }[];
      // Every call ran, all on the one worker that started.
      expect(new Set(threads.map((t) => t.threadId)).size).toBe(1);
      expect(lazy.members).toHaveLength(1);
      await expect.poll(() => warnings.length).toBe(1);
      expect(warnings[0]?.message).toMatch(/a worker-thread of the pool failed to start \(.*told to fail at start.*\); calls go on on the 1 of 3 that run/);
      // Each empty slot was tried once: within its backoff, the calls that kept waiting started no
      // other worker (without it, the 0.8 s of waiting calls tried 4 starts here, one after each failure).
      await expect.poll(() => failedStarts()).toBe(2);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(failedStarts()).toBe(2);
      // When the backoff (1 s) is over, a call that waits tries again, even while the one worker is
      // in a long call (nothing settles to look again); the failure is not reported again.
      const long = lazy.call(call('Sleep', 2_500));
      const queued = lazy.call(call('Sleep', 10));
      await expect.poll(() => failedStarts(), { timeout: 2_000 }).toBeGreaterThan(2);
      await Promise.all([long, queued]);
      expect(warnings).toHaveLength(1);
    } finally {
      delete process.env.FAASTLANE_TEST_FAIL_START;
      delete process.env.FAASTLANE_TEST_START_LOG;
      process.off('warning', onWarning);
      await lazy.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 20_000);
});
