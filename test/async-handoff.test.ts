import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Runtime, WorkflowCancelledError, type FnContext } from '@faastlane/core';
import { Fn, map, parallel, task, workflow } from '@faastlane/dsl';

// An asynchronous function's output reaches the next step a fixed, small number of microtask turns
// after the function's promise settles. Counted here with a chain of microtasks that the function
// starts as it returns: the next function reads how many of them ran before it started.

let ticks = 0;
/** Only the latest count counts. */
let counting = 0;
const countTurns = (count: number, left: number): void => {
  if (left > 0) queueMicrotask(() => { if (count !== counting) return; ticks++; countTurns(count, left - 1); });
};

/** Returns at once (its promise is settled when `run` returns) and starts the count. */
@Fn() class EndsNow { async run(n: number): Promise<number> { ticks = 0; countTurns(++counting, 100); return n; } }
/** Each branch or item starts the count again: the last to end sets the count the next step reads. */
@Fn() class TurnsSince { run(_input: unknown): number { return ticks; } }
@Fn() class Slow { async run(n: number, ctx: FnContext): Promise<number> { await new Promise((r) => setTimeout(r, 5 * n)); if (ctx.signal.aborted) throw new Error('aborted'); return n; } }
const finished: number[] = [];
@Fn() class FailsOnTwo { async run(n: number): Promise<number> { await new Promise((r) => setTimeout(r, n)); if (n === 2) throw new RangeError('two'); finished.push(n); return n; } }

let rt: Runtime;
beforeAll(async () => { rt = await Runtime.create({ workerThreads: 1, childProcesses: 0 }); });
afterAll(() => rt.close());

describe('asynchronous hand-offs', () => {
  test('a pending function is reported in the turn its promise settles: the next step starts two turns later', async () => {
    // Before: the race and the step's report each waited on a `then` of their own (3 turns).
    expect(await rt.invoke(workflow('turns-seq').pipe(task(EndsNow), task(TurnsSince)), 1)).toBe(2);
  });

  test('after a parallel or a map of pending branches, the next step starts three turns after the last ends', async () => {
    // Before: Promise.all, its then and its finally stood in between (9 turns after a parallel, 12 after a map).
    expect(await rt.invoke(workflow('turns-par').pipe(parallel(task(EndsNow), task(EndsNow)), task(TurnsSince)), 1)).toBe(3);
    expect(await rt.invoke(workflow('turns-map').pipe(map(task(EndsNow)), task(TurnsSince)), [1, 2, 3])).toBe(3);
  });

  test('a function returning a thenable whose `then` throws fails its step once, typed, and the run goes on no further', async () => {
    @Fn() class BrokenThenable { run(_n: number): PromiseLike<number> { return { then: (): never => { throw new Error('broken then'); } }; } }
    const run = rt.start(workflow('turns-broken').pipe(task(BrokenThenable), task(TurnsSince)), 1);
    const failed: string[] = [];
    run.events$.subscribe((e) => { if (e.type === 'step.failed' || e.type === 'step.started') failed.push(`${e.type} ${e.path}`); });
    await expect(run.result).rejects.toMatchObject({ name: 'StepFailedError', stepPath: 'turns-broken/BrokenThenable' });
    expect(failed).toEqual(['step.started turns-broken/BrokenThenable', 'step.failed turns-broken/BrokenThenable']);
  });

  test('a map keeps at most `concurrency` items pending, in order, and each that ends starts the next', async () => {
    let running = 0;
    let most = 0;
    @Fn() class Counted { async run(n: number): Promise<number> { running++; most = Math.max(most, running); await new Promise((r) => setTimeout(r, 2)); running--; return n * 2; } }
    const out = await rt.invoke(workflow('turns-concurrency').pipe(map(task(Counted), { concurrency: 2 })), [1, 2, 3, 4, 5]);
    expect(out).toEqual([2, 4, 6, 8, 10]);
    expect(most).toBe(2);
    // One at a time: each item that ends must start the next itself.
    most = 0;
    expect(await rt.invoke(workflow('turns-one-at-a-time').pipe(map(task(Counted), { concurrency: 1 })), [1, 2, 3])).toEqual([2, 4, 6]);
    expect(most).toBe(1);
  });

  test('the first failing branch or item fails the group at once, without waiting for the others', async () => {
    await expect(rt.invoke(workflow('turns-par-fail').pipe(parallel(task(FailsOnTwo), task(Slow))), 2)).rejects.toMatchObject({ stepPath: 'turns-par-fail/parallel[0]/FailsOnTwo' });
    await expect(rt.invoke(workflow('turns-map-fail').pipe(map(task(FailsOnTwo))), [1, 2, 500])).rejects.toMatchObject({ stepPath: 'turns-map-fail/map[1]/FailsOnTwo' });
    expect(finished).toEqual([1]); // the 500 ms item was still running
  });

  test('a run cancelled while a map waits rejects with the cancel, not with the items', async () => {
    const run = rt.start(workflow('turns-map-cancel').pipe(map(task(Slow))), [4, 4, 4]);
    setTimeout(() => run.cancel('enough'), 5);
    await expect(run.result).rejects.toBeInstanceOf(WorkflowCancelledError);
  });
});
