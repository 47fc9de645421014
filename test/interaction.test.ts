import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Runtime, type Workflow, type WorkflowEvent } from '@faastlane/core';
import { map, parallel, task, workflow } from '@faastlane/dsl';
import { interactionGaps } from '@faastlane/examples/bench/interaction';
import { Aggregate, Burn, ByteLength, MarkBuffer, Produce, ReceiveInProcess } from '@faastlane/examples/tiers/functions';

let rt: Runtime;
beforeAll(async () => { rt = await Runtime.create({ workerThreads: 2 }); });
afterAll(() => rt.close());

const run = async <In, Out>(wf: Workflow<In, Out>, input: In): Promise<WorkflowEvent[]> => {
  const events: WorkflowEvent[] = [];
  const r = rt.start(wf, input);
  r.events$.subscribe((e) => events.push(e));
  await r.result;
  return events;
};

describe('where each function ran, and the gaps between them', () => {
  test('every completed step says when its function ran, on this thread, a worker or a child process', async () => {
    const events = await run(workflow('spans').pipe(task(Produce), task(ReceiveInProcess)), 1024);
    const done = events.filter((e) => e.type === 'step.completed');
    expect(done).toHaveLength(2);
    for (const e of done) {
      expect(e.type === 'step.completed' && e.ran && e.ran.end >= e.ran.start).toBe(true);
    }
    const [a, b] = done;
    if (a?.type !== 'step.completed' || b?.type !== 'step.completed') throw new Error('no events');
    expect(b.ran!.start).toBeGreaterThanOrEqual(a.ran!.end);
  });

  test("spans are on the runtime thread's performance.now() clock, also for a function that ran in a child process", async () => {
    const wf = workflow('spans-clock').pipe(task(Produce), task(ReceiveInProcess));
    const before = performance.now();
    const events = await run(wf, 1024);
    const after = performance.now();
    expect([...rt.plan(wf).tasks()].map((t) => t.placement)).toEqual(['main-thread', 'child-process']);
    const spans = events.flatMap((e) => (e.type === 'step.completed' && e.ran ? [e.ran] : []));
    expect(spans).toHaveLength(2);
    // Not ms since the epoch (whose doubles resolve only 0.24 us): the clock the caller reads too.
    for (const span of spans) {
      expect(span.start).toBeGreaterThanOrEqual(before);
      expect(span.end).toBeGreaterThanOrEqual(span.start);
      expect(span.end).toBeLessThanOrEqual(after);
    }
  });

  test('a sequence has one gap per hop; a step after a group waits for its last branch; a fan-out counts its first', async () => {
    const seq = workflow('gaps-seq').pipe(task(Produce), task(ReceiveInProcess));
    const seqEvents = await run(seq, 16);
    expect(interactionGaps(rt.plan(seq), seqEvents)).toHaveLength(1);

    const fan = workflow('gaps-fan').pipe(map(task(Burn)), task(Aggregate));
    const items = Array.from({ length: 6 }, (_, i) => ({ seed: i, iterations: 1000 }));
    const fanEvents = await run(fan, items);
    // No producer for the 6 items (they take the workflow input), one gap for Aggregate.
    const gaps = interactionGaps(rt.plan(fan), fanEvents);
    expect(gaps).toHaveLength(1);
    const ends = fanEvents.flatMap((e) => (e.type === 'step.completed' && e.path.includes('/map[') && e.ran ? [e.ran.end] : []));
    const agg = fanEvents.find((e) => e.type === 'step.completed' && e.path === 'gaps-fan/Aggregate');
    expect(agg?.type === 'step.completed' && agg.ran ? agg.ran.start - Math.max(...ends) : Number.NaN).toBeCloseTo(gaps[0] ?? 0, 6);

    // A fan-out counts its first branch only: the others may also queue for a thread.
    const par = workflow('gaps-par').pipe(task(MarkBuffer), parallel(task(ByteLength), task(ByteLength)));
    expect(interactionGaps(rt.plan(par), await run(par, new Uint8Array(8)))).toHaveLength(1);
  });
});
