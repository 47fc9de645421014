import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Runtime, type WorkflowEvent } from '@faastlane/core';
import { choice, Fn, map, parallel, task, workflow } from '@faastlane/dsl';

@Fn() class Split { run(s: string): string[] { return s.split(' '); } }
@Fn({ cpu: 'io' }) class Upper { async run(s: string): Promise<string> { return s.toUpperCase(); } }
@Fn() class Join { run(ws: readonly string[]): string { return ws.join(' '); } }
@Fn() class Len { run(s: string): number { return s.length; } }
@Fn() class Rev { run(s: string): string { return [...s].reverse().join(''); } }

const wf = workflow('words').pipe(
  task(Split),
  map(task(Upper), { concurrency: 2 }),
  task(Join),
  parallel(task(Len), choice((s: string) => s.length > 3, task(Rev))),
);

let rt: Runtime;
beforeAll(async () => { rt = await Runtime.create(); });
afterAll(() => rt.close());

describe('events', () => {
  test('a run reports workflow and step events with paths and timings, in order', async () => {
    const run = rt.start(wf, 'ab cd');
    const events: WorkflowEvent[] = [];
    run.events$.subscribe((e) => events.push(e));
    expect(await run.result).toEqual([5, 'DC BA']);
    expect(events[0]).toMatchObject({ type: 'workflow.started', workflow: 'words', runId: run.id });
    expect(events.at(-1)).toMatchObject({ type: 'workflow.completed', runId: run.id });
    const completed = events.filter((e) => e.type === 'step.completed').map((e) => e.path);
    expect(completed).toEqual(expect.arrayContaining([
      'words/Split', 'words/map[0]/Upper', 'words/map[1]/Upper', 'words/Join', 'words/parallel[0]/Len', 'words/parallel[1]/choice/then/Rev',
    ]));
    expect(completed).toHaveLength(6);
    for (const e of events) {
      expect(e.runId).toBe(run.id);
      if (e.type === 'step.completed' || e.type === 'workflow.completed') expect(e.durationMs).toBeGreaterThanOrEqual(0);
    }
  });

  test('late subscribers to a run see its events replayed; runtime.events$ sees every run', async () => {
    const all: WorkflowEvent[] = [];
    const sub = rt.events$.subscribe((e) => all.push(e));
    const run = rt.start(wf, 'x y');
    await run.result;
    const late: WorkflowEvent[] = [];
    run.events$.subscribe((e) => late.push(e));
    sub.unsubscribe();
    expect(late.length).toBeGreaterThan(4);
    expect(all.map((e) => e.type)).toEqual(late.map((e) => e.type));
  });
});

describe('plan', () => {
  test('explain() shows the lane and the groups with where each step runs and why', () => {
    const text = rt.plan(wf).explain();
    expect(text).toContain('Plan for workflow "words"');
    expect(text).toMatch(/MPK (available|unavailable \(.+\))/);
    expect(text).toMatch(/1\. Split -> main-thread: sequential step/);
    expect(text).toMatch(/2\. map: map over the input array, 2 at a time -> event-loop/);
    expect(text).toMatch(/4\. parallel: 2 branches -> event-loop/);
    expect(text).toMatch(/choice on predicate/);
  });

  test('toMermaid() draws a flowchart with a subgraph per group', () => {
    const chart = rt.plan(wf).toMermaid();
    expect(chart.startsWith('flowchart TD')).toBe(true);
    expect(chart.match(/subgraph/g)).toHaveLength(2);
    expect(chart).toContain('Split');
  });

  test('the plan and the graph are plain JSON', () => {
    const plan = rt.plan(wf);
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan.toJSON());
    expect(JSON.parse(JSON.stringify(wf))).toEqual(wf.graph);
    expect(wf.graph.version).toBe(1);
    expect(plan.tasks().map((t) => t.path)).toEqual([
      'words/Split', 'words/map[*]/Upper', 'words/Join', 'words/parallel[0]/Len', 'words/parallel[1]/choice/then/Rev',
    ]);
  });
});
