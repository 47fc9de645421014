/** One fan-out scenario, in its own process: `node fanout-child.js <mode> <width> <runs>`; answers its `FanoutResult` once (see `ChildSession.once`). */
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { Runtime } from '@faastlane/core';
import { map, task, workflow } from '@faastlane/dsl';
import { Aggregate, Burn } from '../tiers/functions.js';
import { BURN_ITERATIONS, type FanoutResult, type Mode } from './fanout.js';
import { answer } from './child-session.js';
import { samplePeakRss } from './process-tree.js';
import { percentile } from './stats.js';

const [mode, widthArg, runsArg] = process.argv.slice(2) as [Mode, string, string];
const width = Number(widthArg);
const runs = Number(runsArg);

const fanout = workflow(`fanout-${width}`).pipe(map(task(Burn)), task(Aggregate));
const items = Array.from({ length: width }, (_, i) => ({ seed: i + 1, iterations: BURN_ITERATIONS }));

// The baseline scales Burn out to one warm container per concurrent call, as FaaS platforms do for
// concurrent invocations (one call per container at a time); Aggregate needs one.
const rt = await Runtime.create(
  mode === 'faastlane' ? {} : { mode, baseline: { containersPerFunction: (fn) => (fn === 'Burn' ? width : 1) } },
);
try {
  // Warm: pools and containers up, modules loaded, durations measured (and the plan redone with them).
  const expected = await rt.invoke(fanout, items);
  await rt.invoke(fanout, items);
  const sampler = samplePeakRss(process.pid);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const out = await rt.invoke(fanout, items);
    times.push(performance.now() - t0);
    if (out !== expected) throw new Error(`run ${i} gave ${out}, expected ${expected}`);
  }
  const peak = await sampler.stop();
  const group = rt.plan(fanout).root.steps[0];
  const result: FanoutResult = {
    mode,
    width,
    p50Ms: percentile(times, 50),
    p95Ms: percentile(times, 95),
    peakRssMb: peak / 1e6,
    runs,
    where: group?.kind === 'group' ? group.executor : 'unknown',
  };
  answer(result);
} finally {
  await rt.close();
}
