// What is particular to the child-process tier: buffers copied, no shared memory, processes killed
// from outside, children that never outlive their parent. The behaviour it shares with the worker
// tier is in tiers-pools.test.ts. The entry script runs from dist: build first (`npx tsc -b`).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { ProcessPool } from '../src/tiers/process-pool.js';
import { TierCrashError, type TierCall } from '../src/tiers/tier.js';

const FIXTURE = new URL('./fixtures/tier-functions.mjs', import.meta.url).href;
const PARENT = fileURLToPath(new URL('./fixtures/process-pool-parent.mjs', import.meta.url));

function call(name: string, input: unknown, options: { signal?: AbortSignal; transfer?: boolean } = {}): TierCall {
  return {
    fn: { module: FIXTURE, name },
    input,
    ctx: { runId: 'run-1', workflow: 'tiers', stepPath: `tiers/${name}`, attempt: 1 },
    signal: options.signal ?? new AbortController().signal,
    transfer: options.transfer ?? false,
  };
}

/** Whether a process runs (a zombie, dead but not yet reaped by whoever adopted it, does not). */
function isAlive(pid: number): boolean {
  if (existsSync('/proc')) {
    try {
      return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return false;
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const pidOf = (member: string): number => Number(member.replace(/^pid /, ''));

describe('ProcessPool', () => {
  let pool: ProcessPool;
  const scratch = mkdtempSync(join(tmpdir(), 'faastlane-tiers-'));

  beforeAll(async () => {
    pool = await ProcessPool.start({ size: 2 });
  });
  afterAll(async () => {
    await pool.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('runs functions in other processes', async () => {
    const where = (await pool.call(call('WhereAmI', null))) as { pid: number };
    expect(where.pid).not.toBe(process.pid);
    expect(pool.members).toContain(`pid ${where.pid}`);
  });

  test('copies buffers both ways, even when transfer is asked for', async () => {
    const data = new Uint8Array(1024 * 1024);
    const out = (await pool.call(call('Mark', { data, marker: 7 }, { transfer: true }))) as Uint8Array;
    expect(data.byteLength).toBe(1024 * 1024);
    expect(data[0]).toBe(0);
    expect(out).toBeInstanceOf(Uint8Array);
    expect(out.length).toBe(1024 * 1024);
    expect(out[0]).toBe(7);
  });

  test('copies a view over a SharedArrayBuffer (the child writes its own copy); rejects a bare SharedArrayBuffer', async () => {
    const view = new Int32Array(new SharedArrayBuffer(16));
    // v8 serialisation writes a view's bytes: the child gets a plain buffer, so the caller sees no write.
    await expect(pool.call(call('WriteShared', { view }))).resolves.toBe(false);
    expect(Atomics.load(view, 0)).toBe(0);
    await expect(pool.call(call('Describe', { view: view.buffer }))).rejects.toThrow(/could not be cloned/);
    await expect(pool.call(call('Square', 2))).resolves.toBe(4);
  });

  test('SIGKILL from outside fails only the call on that process; the pool heals', async () => {
    const file = join(scratch, 'pid');
    const victim = pool.call(call('PidThenSleep', { file, ms: 10_000 }));
    const other = pool.call(call('Sleep', 100));
    await vi.waitFor(() => expect(existsSync(file)).toBe(true));
    const pid = Number(readFileSync(file, 'utf8'));
    process.kill(pid, 'SIGKILL');
    const error = (await victim.catch((e: unknown) => e)) as TierCrashError;
    expect(error).toBeInstanceOf(TierCrashError);
    expect(error.where).toBe(`pid ${pid}`);
    expect(error.message).toContain('SIGKILL');
    await expect(other).resolves.toBeDefined();
    await expect(pool.call(call('Square', 9))).resolves.toBe(81);
  });

  test('a fired signal kills the process running the call', async () => {
    const single = await ProcessPool.start({ size: 1 });
    try {
      const pid = pidOf(single.members[0]!);
      await expect(single.call(call('Spin', null, { signal: AbortSignal.timeout(50) }))).rejects.toMatchObject({ name: 'TimeoutError' });
      await vi.waitFor(() => expect(isAlive(pid)).toBe(false));
    } finally {
      await single.close();
    }
  });

  test('close() kills every process, and resolves once they are gone', async () => {
    const single = await ProcessPool.start({ size: 2 });
    const pids = single.members.map(pidOf);
    const running = single.call(call('Spin', null)).catch((e: unknown) => e);
    await single.close();
    await expect(running).resolves.toBeInstanceOf(TierCrashError);
    expect(pids.filter(isAlive)).toEqual([]);
  });

  describe('children never outlive their parent', () => {
    function startParent(mode: 'leave' | 'hang'): Promise<{ parent: ReturnType<typeof spawn>; pids: number[] }> {
      const parent = spawn(process.execPath, [PARENT, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
      return new Promise((resolve, reject) => {
        let out = '';
        parent.stdout!.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('\n')) resolve({ parent, pids: (JSON.parse(out) as { pids: number[] }).pids });
        });
        parent.once('error', reject);
        parent.once('exit', (code) => {
          if (!out.includes('\n')) reject(new Error(`parent exited with ${code} before printing its children`));
        });
      });
    }

    test('a parent that exits without closing its pool is not held up by idle children, and takes them along', async () => {
      const { parent, pids } = await startParent('leave');
      expect(pids).toHaveLength(2);
      const code = await new Promise((resolve) => (parent.exitCode !== null ? resolve(parent.exitCode) : parent.once('exit', resolve)));
      expect(code).toBe(0);
      await vi.waitFor(() => expect(pids.filter(isAlive)).toEqual([]));
    });

    test('children of a parent killed with SIGKILL exit when their IPC channel disconnects', async () => {
      const { parent, pids } = await startParent('hang');
      expect(pids.filter(isAlive)).toHaveLength(2);
      parent.kill('SIGKILL');
      await vi.waitFor(() => expect(pids.filter(isAlive)).toEqual([]), { timeout: 5_000 });
    });
  });
});
