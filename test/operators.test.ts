import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Runtime } from '@faastlane/core';
import { catchError, choice, Fn, map, named, parallel, pipe, task, workflow } from '@faastlane/dsl';

@Fn() class Double { run(n: number): number { return n * 2; } }
@Fn() class Inc { run(n: number): number { return n + 1; } }
@Fn() class Sum { run(ns: readonly number[]): number { return ns.reduce((a, b) => a + b, 0); } }
@Fn() class Neg { run(n: number): number { return -n; } }
@Fn() class Boom { run(_n: number): number { throw new Error('boom'); } }

let active = 0;
let maxActive = 0;
@Fn({ cpu: 'io' })
class SlowInc {
  async run(n: number): Promise<number> {
    active++;
    maxActive = Math.max(maxActive, active);
    await new Promise((r) => setTimeout(r, 5));
    active--;
    return n + 1;
  }
}

let rt: Runtime;
beforeAll(async () => { rt = await Runtime.create(); });
afterAll(() => rt.close());

describe('operators', () => {
  test('pipe runs in order; a pipe nests as an operator', async () => {
    const wf = workflow('seq').pipe(task(Double), pipe(task(Inc), task(Double)), task(Inc));
    expect(await rt.invoke(wf, 3)).toBe(15);
  });

  test('parallel returns branch outputs in branch order', async () => {
    const wf = workflow('par').pipe(parallel(task(Double), pipe(task(Inc), task(Inc)), task(Neg)), task(Sum));
    expect(await rt.invoke(wf, 5)).toBe(10 + 7 - 5);
  });

  test('map keeps input order and honours concurrency', async () => {
    active = 0;
    maxActive = 0;
    const wf = workflow('map').pipe(map(task(SlowInc), { concurrency: 3 }));
    const input = Array.from({ length: 12 }, (_, i) => i);
    expect(await rt.invoke(wf, input)).toEqual(input.map((i) => i + 1));
    expect(maxActive).toBe(3);
  });

  test('map without a limit runs all items at once; an empty array gives an empty array', async () => {
    active = 0;
    maxActive = 0;
    const wf = workflow('map-all').pipe(map(task(SlowInc)));
    await rt.invoke(wf, [1, 2, 3, 4, 5]);
    expect(maxActive).toBe(5);
    expect(await rt.invoke(wf, [])).toEqual([]);
  });

  test('choice takes then, otherwise, or passes the input through', async () => {
    const both = workflow('choice2').pipe(choice((n: number) => n > 10, task(Neg), task(Double)));
    expect(await rt.invoke(both, 20)).toBe(-20);
    expect(await rt.invoke(both, 2)).toBe(4);
    const one = workflow('choice1').pipe(choice(async (n: number) => n > 10, task(Neg)));
    expect(await rt.invoke(one, 20)).toBe(-20);
    expect(await rt.invoke(one, 2)).toBe(2);
  });

  test('catchError returns the handler result with the typed error and the input', async () => {
    const wf = workflow('catch').pipe(
      task(Inc),
      catchError(task(Boom), (error, input) => ({ path: error.stepPath, code: error.code, input })),
    );
    expect(await rt.invoke(wf, 1)).toEqual({ path: 'catch/Boom', code: 'STEP_FAILED', input: 2 });
  });

  test('named groups appear in step paths; unnamed repeats get distinct paths', async () => {
    const paths: string[] = [];
    const wf = workflow('names').pipe(
      named('fan', parallel(task(Inc), task(Double))),
      task(Sum),
      parallel(task(Inc), task(Neg)),
      task(Sum),
      parallel(task(Inc), task(Neg)),
    );
    const run = rt.start(wf, 1);
    run.events$.subscribe((e) => { if (e.type === 'step.completed') paths.push(e.path); });
    await run.result;
    expect(paths).toEqual(expect.arrayContaining([
      'names/fan[0]/Inc', 'names/fan[1]/Double', 'names/Sum',
      'names/Sum#2', 'names/parallel[0]/Inc', 'names/parallel[1]/Neg', 'names/parallel#2[0]/Inc', 'names/parallel#2[1]/Neg',
    ]));
  });
});
