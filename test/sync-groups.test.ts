import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Runtime, StepFailedError, type WorkflowEvent } from '@faastlane/core';
import { Fn, map, parallel, task, workflow } from '@faastlane/dsl';

// A `parallel` or `map` on the event loop whose branches are synchronous runs them back to back and
// hands the group's output on with no promise in between: a microtask queued by the first branch
// has not run when the step after the group starts. These pin that down, and that failures, order
// and outputs are kept, and that a pending branch still makes the group wait for it.

/** Microtasks queued by functions, and whether each had run when a later function looked. */
const trace: string[] = [];

@Fn({ cpu: 'io' }) class Mark { run(n: number): number { queueMicrotask(() => trace.push(`tick ${n}`)); trace.push(`mark ${n}`); return n; } }
@Fn({ cpu: 'io' }) class Sum { run(xs: readonly number[]): number { trace.push('sum'); return xs.reduce((a, b) => a + b, 0); } }
@Fn({ cpu: 'io' }) class Plus10 { run(n: number): number { trace.push(`plus10 ${n}`); return n + 10; } }
@Fn({ cpu: 'io' }) class Slow { async run(n: number): Promise<number> { await new Promise((r) => setTimeout(r, 2)); trace.push(`slow ${n}`); return n * 100; } }
@Fn({ cpu: 'io' }) class Boom { run(n: number): number { if (n === 2) throw new Error('boom at 2'); trace.push(`ok ${n}`); return n; } }

let rt: Runtime;
beforeAll(async () => { rt = await Runtime.create({ workerThreads: 0 }); });
afterAll(() => rt.close());

describe('synchronous groups on the event loop', () => {
  test('parallel: branches and the step after the group run with no microtask between them', async () => {
    trace.length = 0;
    const wf = workflow('sync-parallel').pipe(parallel(task(Mark), task(Plus10)), task(Sum));
    expect(rt.plan(wf).root.steps[0]).toMatchObject({ executor: 'event-loop' });
    expect(await rt.invoke(wf, 1)).toBe(12);
    expect(trace).toEqual(['mark 1', 'plus10 1', 'sum', 'tick 1']);
  });

  test('map: items and the step after it run back to back; outputs keep their order', async () => {
    trace.length = 0;
    const wf = workflow('sync-map').pipe(map(task(Mark)), task(Sum));
    expect(await rt.invoke(wf, [1, 2, 3])).toBe(6);
    expect(trace).toEqual(['mark 1', 'mark 2', 'mark 3', 'sum', 'tick 1', 'tick 2', 'tick 3']);
  });

  test('a pending branch makes the group wait for it; synchronous siblings do not wait for each other', async () => {
    trace.length = 0;
    const wf = workflow('mixed-parallel').pipe(parallel(task(Plus10), task(Slow), task(Mark)), task(Sum));
    expect(await rt.invoke(wf, 1)).toBe(11 + 100 + 1);
    expect(trace.slice(0, 2)).toEqual(['plus10 1', 'mark 1']);
    expect(trace.indexOf('slow 1')).toBeLessThan(trace.indexOf('sum'));
  });

  test('map with a pending item: the rest go on concurrently and every output lands in its place', async () => {
    const wf = workflow('mixed-map').pipe(map(task(Slow)));
    expect(await rt.invoke(wf, [1, 2, 3])).toEqual([100, 200, 300]);
  });

  test('a synchronous failure fails the group with the step that threw; later branches do not start', async () => {
    trace.length = 0;
    const events: WorkflowEvent[] = [];
    const run = rt.start(workflow('sync-fail').pipe(map(task(Boom)), task(Sum)), [1, 2, 3]);
    run.events$.subscribe((e) => events.push(e));
    const error = await run.result.then(() => expect.fail('the map succeeded'), (e: unknown) => e);
    expect(error).toBeInstanceOf(StepFailedError);
    expect(error).toMatchObject({ stepPath: 'sync-fail/map[1]/Boom' });
    expect(trace).toEqual(['ok 1']);
    expect(events.filter((e) => e.type === 'step.started').map((e) => ('path' in e ? e.path : ''))).toEqual(['sync-fail/map[0]/Boom', 'sync-fail/map[1]/Boom']);
  });
});
