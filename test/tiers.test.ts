import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RemoteError, Runtime, StepFailedError, StepTimeoutError, TierCrashError, type WorkflowEvent } from '@faastlane/core';
import { capabilities } from '@faastlane/native-mpk';
import { closingRuntimes } from './support/runtimes.js';
import { catchError, choice, map, parallel, pipe, task, workflow } from '@faastlane/dsl';
import {
  Burn, ByteLength, Crash, CrashIsolated, DoubleNonNegative, Hog, RejectBuffer, KeepSecret, MarkBuffer, Runaway, StealSecret, WhereAmI, WhereAmIIsolated,
} from '@faastlane/examples/tiers/functions';

let rt: Runtime;
beforeAll(async () => {
  rt = await Runtime.create({ workerThreads: 2, workerResourceLimits: { maxOldGenerationSizeMb: 64 } });
});
afterAll(() => rt.close());
/** A runtime of a test's own (measurements of its own), closed after the file even when the test fails. */
const fresh = closingRuntimes();

describe('functions from a user module run on other tiers with no glue code', () => {
  test('CPU-bound branches run on worker threads of this process', async () => {
    const wf = workflow('where').pipe(map(task(WhereAmI)));
    expect(rt.plan(wf).tasks()[0]?.placement).toBe('worker-thread');
    const out = await rt.invoke(wf, [1, 2, 3]);
    for (const o of out) expect(o).toEqual({ pid: process.pid, mainThread: false });
  });

  test('isolated functions run in child processes', async () => {
    const wf = workflow('where-iso').pipe(task(WhereAmIIsolated));
    expect(rt.plan(wf).tasks()[0]?.placement).toBe('child-process');
    const out = await rt.invoke(wf, 1);
    expect(out.pid).not.toBe(process.pid);
  });
});

describe('a wide map on worker threads goes in chunks', () => {
  // Fresh runtimes: measured durations would otherwise move these tiny functions back to the event loop.
  test('results keep their order, and every item still reports its own events', async () => {
    const rt = await fresh({ workerThreads: 2 });
    const wf = workflow('chunked').pipe(map(task(DoubleNonNegative)));
    expect(rt.plan(wf).root.steps[0]).toMatchObject({ executor: 'worker-threads' });
    const input = Array.from({ length: 40 }, (_, i) => i);
    const run = rt.start(wf, input);
    const events: WorkflowEvent[] = [];
    run.events$.subscribe((e) => events.push(e));
    expect(await run.result).toEqual(input.map((i) => i * 2));
    const completed = events.filter((e) => e.type === 'step.completed').map((e) => e.path);
    expect(new Set(completed)).toEqual(new Set(input.map((i) => `chunked/map[${i}]/DoubleNonNegative`)));
    // Measured at a few microseconds a call, the next plan keeps them on the event loop.
    expect(rt.plan(wf).root.steps[0]).toMatchObject({ executor: 'event-loop', reason: expect.stringMatching(/less than a thread hop/) });
  });

  test('a failing item fails the step with its own path and the function error', async () => {
    const rt = await fresh({ workerThreads: 2 });
    const input = Array.from({ length: 40 }, (_, i) => (i === 13 ? -1 : i));
    const run = rt.start(workflow('chunked-fail').pipe(map(task(DoubleNonNegative))), input);
    const events: WorkflowEvent[] = [];
    run.events$.subscribe((e) => events.push(e));
    const error = await run.result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepFailedError);
    // Every item reported started also reports its end: completed, failed, or dropped with its chunk.
    const started = new Set(events.filter((e) => e.type === 'step.started').map((e) => e.path));
    const ended = new Set(events.filter((e) => e.type === 'step.completed' || e.type === 'step.failed').map((e) => e.path));
    expect(started.size).toBe(40);
    expect([...started].filter((p) => !ended.has(p))).toEqual([]);
    const failed = events.find((e) => e.type === 'step.failed' && e.path === 'chunked-fail/map[13]/DoubleNonNegative');
    expect(failed).toMatchObject({ error: { name: 'StepFailedError' } });
    expect((error as StepFailedError).stepPath).toBe('chunked-fail/map[13]/DoubleNonNegative');
    expect((error as StepFailedError).cause).toBeInstanceOf(RemoteError);
    expect(((error as StepFailedError).cause as RemoteError).name).toBe('RangeError');
    // The pool is whole again afterwards.
    expect(await rt.invoke(workflow('chunked-after').pipe(map(task(DoubleNonNegative))), [1, 2, 3])).toEqual([2, 4, 6]);
  });
});

describe('state crossing into a thread', () => {
  test('a 64 MB typed array goes to a thread step and back without a copy', async () => {
    const big = new Uint8Array(64 * 1024 * 1024);
    const wf = workflow('zero-copy').pipe(map(task(MarkBuffer)));
    const run = rt.invoke(wf, [big]);
    // Moved, not copied: the sender's buffer is detached as soon as the call is sent.
    await new Promise((r) => setImmediate(r));
    expect(big.byteLength).toBe(0);
    const [back] = await run;
    expect(back).toBeInstanceOf(Uint8Array);
    expect(back?.byteLength).toBe(64 * 1024 * 1024);
    expect(back?.[back.length - 1]).toBe(42);
  });

  test('branches of a parallel share their input, so it is copied to each, never moved away', async () => {
    // A fresh runtime: once measured at microseconds, MarkBuffer would rightly stay on the event loop.
    const own = await fresh({ workerThreads: 2 });
    const shared = new Uint8Array(1024);
    const wf = workflow('shared-input').pipe(parallel(task(MarkBuffer), task(MarkBuffer)));
    expect(own.plan(wf).root.steps[0]).toMatchObject({ executor: 'worker-threads' });
    const [a, b] = await own.invoke(wf, shared);
    expect(shared.byteLength).toBe(1024);
    expect(shared[1023]).toBe(0);
    expect(a?.[1023]).toBe(42);
    expect(b?.[1023]).toBe(42);
  });
});

describe('state that only crosses by copy is not walked for buffers to keep', () => {
  test('a parallel of child processes reads its input once per copy sent, nothing more', async () => {
    // Buffers are kept from being moved only where a step could move them (a worker thread): walking
    // the input for them otherwise reads all of it once more, per run, for nothing.
    let reads = 0;
    const input = {
      get notes(): string[] {
        reads++;
        return ['a', 'b'];
      },
    };
    const wf = workflow('copied-only').pipe(parallel(task(WhereAmIIsolated), task(WhereAmIIsolated)));
    expect(rt.plan(wf).tasks().map((t) => t.placement)).toEqual(['child-process', 'child-process']);
    const out = await rt.invoke(wf, input);
    expect(out.map((o) => o.pid)).not.toContain(process.pid);
    expect(reads).toBe(2);
  });
});

describe('buffers something else may still read are copied, not moved', () => {
  test('map items that share a buffer each get it whole', async () => {
    const rt = await fresh({ workerThreads: 2 });
    expect(rt.plan(workflow('dup-items').pipe(map(task(ByteLength)))).root.steps[0]).toMatchObject({ executor: 'worker-threads' });
    const a = new Uint8Array(16);
    expect(await rt.invoke(workflow('dup-items').pipe(map(task(ByteLength))), [a, a])).toEqual([16, 16]);
    const items = Array.from({ length: 10 }, (_, i) => (i === 0 || i === 9 ? a : new Uint8Array(16)));
    expect(await rt.invoke(workflow('dup-items-batch').pipe(map(task(ByteLength))), items)).toEqual(Array(10).fill(16));
    expect(a.byteLength).toBe(16);
  });

  test('a catchError handler gets its input whole, even through a step that passes it on', async () => {
    const wf = workflow('keep-for-handler').pipe(
      map(catchError(pipe(choice((_: Uint8Array) => false, task(MarkBuffer)), task(RejectBuffer)), (_error, input) => input.byteLength)),
    );
    expect(rt.plan(wf).tasks().find((t) => t.name === 'RejectBuffer')?.placement).toBe('worker-thread');
    expect(await rt.invoke(wf, [new Uint8Array(32)])).toEqual([32]);
  });
});

describe('faults fail only their step; the pools heal', () => {
  test('a timeout terminates a runaway CPU-bound function on a worker; the next call works', async () => {
    const error = await rt.invoke(workflow('runaway').pipe(map(task(Runaway))), [60_000]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepTimeoutError);
    expect((error as StepTimeoutError).stepPath).toBe('runaway/map[0]/Runaway');
    expect(await rt.invoke(workflow('after-runaway').pipe(map(task(Burn))), [{ seed: 1, iterations: 10 }])).toHaveLength(1);
  });

  test('process.exit in a worker fails that step only; a concurrent invocation finishes', async () => {
    const burn = rt.invoke(workflow('concurrent').pipe(map(task(Burn))), Array.from({ length: 8 }, (_, i) => ({ seed: i, iterations: 200_000 })));
    const error = await rt.invoke(workflow('crash').pipe(map(task(Crash))), [3]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepFailedError);
    expect((error as StepFailedError).stepPath).toBe('crash/map[0]/Crash');
    expect((error as StepFailedError).cause).toBeInstanceOf(TierCrashError);
    expect(await burn).toHaveLength(8);
  });

  test('a worker out of memory fails its step and is replaced', async () => {
    const error = await rt.invoke(workflow('hog').pipe(map(task(Hog))), [1]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepFailedError);
    expect(String((error as StepFailedError).cause)).toMatch(/memory|died/i);
    expect(await rt.invoke(workflow('after-hog').pipe(map(task(Burn))), [{ seed: 2, iterations: 10 }])).toHaveLength(1);
  });

  test('process.exit in an isolated function fails its step; its process is replaced', async () => {
    const error = await rt.invoke(workflow('crash-iso').pipe(task(CrashIsolated)), 9).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepFailedError);
    expect((error as StepFailedError).stepPath).toBe('crash-iso/CrashIsolated');
    const again = await rt.invoke(workflow('crash-iso-2').pipe(task(WhereAmIIsolated)), 1);
    expect(again.pid).not.toBe(process.pid);
  });
});

describe('the parent process\'s Node options', () => {
  test('workers start from a -e script with V8 flags (they take only the options a worker accepts)', async () => {
    const { execFileSync } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const core = new URL('../packages/core/dist/index.js', import.meta.url).href;
    const dsl = new URL('../packages/dsl/dist/index.js', import.meta.url).href;
    const fns = new URL('../packages/examples/dist/tiers/functions.js', import.meta.url).href;
    const script = `
      const { Runtime } = await import('${core}');
      const { map, task, workflow } = await import('${dsl}');
      const { WhereAmI } = await import('${fns}');
      const rt = await Runtime.create({ workerThreads: 1 });
      const out = await rt.invoke(workflow('argv').pipe(map(task(WhereAmI))), [1]);
      console.log(JSON.stringify(out));
      await rt.close();`;
    const stdout = execFileSync(process.execPath, ['--max-semi-space-size=16', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(JSON.parse(stdout.trim())).toEqual([{ pid: expect.any(Number), mainThread: false }]);
  });
});

describe('isolation without MPK', () => {
  // Where MPK exists, domain functions share this process and only their protected heaps are isolated
  // (not JS globals); that path is tested under real PKU by scripts/qemu-pku/run.sh.
  test.skipIf(capabilities().available)("'domain' functions run in separate processes: one cannot read what another kept", async () => {
    const keep = workflow('keep').pipe(task(KeepSecret));
    const steal = workflow('steal').pipe(task(StealSecret));
    expect(rt.plan(keep).explain()).toMatch(/MPK is unavailable .*: a child process isolates it instead/);
    expect(await rt.invoke(keep, 'the patient has X')).toBe('kept');
    expect(await rt.invoke(steal, null)).toBe('nothing');
  });
});
