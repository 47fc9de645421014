/**
 * Runtime overhead: a 5-step workflow of trivial functions against the same five functions awaited
 * directly, side by side in one process. Rounds alternate between the two so that machine noise
 * hits both alike; the figure reported is the median over rounds.
 */
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { Runtime } from '@faastlane/core';
import { Fn, task, workflow } from '@faastlane/dsl';
import { median } from './stats.js';

@Fn() class Step1 { run(n: number): number { return n + 1; } }
@Fn() class Step2 { run(n: number): number { return n * 2; } }
@Fn() class Step3 { run(n: number): number { return n - 3; } }
@Fn() class Step4 { async run(n: number): Promise<number> { return n ^ 5; } }
@Fn() class Step5 { run(n: number): number { return n % 1_000_003; } }

const STEPS = 5;
const fiveSteps = workflow('five-steps').pipe(task(Step1), task(Step2), task(Step3), task(Step4), task(Step5));

export interface OverheadResult {
  readonly direct: { readonly invocationsPerSec: number };
  readonly runtime: { readonly invocationsPerSec: number };
  /** Extra time per step that the runtime adds over a direct call, in microseconds. */
  readonly overheadPerStepUs: number;
  readonly ratio: number;
}

export async function benchOverhead(options: { rounds: number; iterations: number }): Promise<OverheadResult> {
  const rt = await Runtime.create();
  const fns = [new Step1(), new Step2(), new Step3(), new Step4(), new Step5()];
  const direct = async (n: number): Promise<number> => {
    let v = n;
    for (const f of fns) v = await f.run(v);
    return v;
  };
  // Same answer from both, before timing anything.
  if ((await rt.invoke(fiveSteps, 7)) !== (await direct(7))) throw new Error('the runtime and the direct calls disagree');

  const time = async (body: (i: number) => Promise<number>): Promise<number> => {
    const t0 = performance.now();
    for (let i = 0; i < options.iterations; i++) await body(i);
    return (performance.now() - t0) / options.iterations;
  };
  await time((i) => direct(i));
  await time((i) => rt.invoke(fiveSteps, i));

  const directMs: number[] = [];
  const runtimeMs: number[] = [];
  for (let r = 0; r < options.rounds; r++) {
    directMs.push(await time((i) => direct(i)));
    runtimeMs.push(await time((i) => rt.invoke(fiveSteps, i)));
  }
  await rt.close();
  const d = median(directMs);
  const w = median(runtimeMs);
  return {
    direct: { invocationsPerSec: 1_000 / d },
    runtime: { invocationsPerSec: 1_000 / w },
    overheadPerStepUs: ((w - d) * 1_000) / STEPS,
    ratio: w / d,
  };
}
