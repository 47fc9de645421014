/**
 * One application in one mode, in its own process: `node apps-child.js <app> <mode> <runs>`; prints
 * one JSON line (`AppResult`). Every run's result is checked with the app's own `check`.
 */
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { Runtime, type WorkflowEvent } from '@faastlane/core';
import { appNamed } from '../apps/index.js';
import { BASELINE_MAX_CONTAINERS_PER_FUNCTION, type AppResult } from './apps.js';
import type { Mode } from './fanout.js';
import { samplePeakRss } from './process-tree.js';
import { interactionGaps } from './interaction.js';
import { percentile } from './stats.js';

const [name, mode, runsArg] = process.argv.slice(2) as [string, Mode, string];
const app = appNamed(name);
const runs = Number(runsArg);
await app.setup?.();

// How often each function runs in one invocation: the baseline scales each function out to that
// many warm containers (capped), one call per container at a time, as FaaS platforms do.
const calls = new Map<string, number>();
{
  const probe = await Runtime.create({ workerThreads: 1 });
  const run = probe.start(app.workflow, await app.input());
  run.events$.subscribe((e: WorkflowEvent) => {
    if (e.type === 'step.started' && e.attempt === 1) {
      const fn = e.path.split('/').at(-1)?.replace(/#\d+$/, '') ?? '';
      calls.set(fn, (calls.get(fn) ?? 0) + 1);
    }
  });
  app.check(await run.result);
  await probe.close();
}
const functionOf = (stepName: string): string => app.workflow.graph.functions[stepName]?.name ?? stepName;
const containersFor = (fn: string): number => {
  let n = 0;
  for (const [step, count] of calls) if (functionOf(step) === fn) n += count;
  return Math.max(1, Math.min(BASELINE_MAX_CONTAINERS_PER_FUNCTION, n));
};

/** Warm-up ends once the plan has not changed for this many runs in a row... */
const WARM_STABLE = 8;
/** ...or after this many runs. */
const WARM_MAX = 60;

const rt = await Runtime.create(mode === 'faastlane' ? {} : { mode, baseline: { containersPerFunction: containersFor } });
try {
  // Warm: pools and containers up, modules loaded, durations measured and the plan redone with them,
  // until the plan has stayed the same for WARM_STABLE runs: the runs below measure the steady state a
  // long-lived service reaches. The same rule in both modes; the baseline's plan never changes.
  let warmups = 0;
  let stable = 0;
  let plan = rt.plan(app.workflow);
  while (warmups < WARM_MAX && stable < WARM_STABLE) {
    app.check(await rt.invoke(app.workflow, await app.input()));
    warmups++;
    const now = rt.plan(app.workflow);
    stable = now === plan ? stable + 1 : 0;
    plan = now;
  }
  const sampler = samplePeakRss(process.pid);
  const times: number[] = [];
  const gaps: number[] = [];
  // End to end as a caller without observers sees it (`invoke` builds no events)...
  for (let i = 0; i < runs; i++) {
    const input = await app.input();
    const t0 = performance.now();
    const out = await rt.invoke(app.workflow, input);
    times.push(performance.now() - t0);
    app.check(out);
  }
  // ...and the interaction gaps from as many runs with events (they carry where each function ran).
  for (let i = 0; i < runs; i++) {
    const events: WorkflowEvent[] = [];
    const run = rt.start(app.workflow, await app.input());
    run.events$.subscribe((e) => events.push(e));
    app.check(await run.result);
    gaps.push(...interactionGaps(rt.plan(app.workflow), events));
  }
  const result: AppResult = {
    app: name,
    mode,
    p50Ms: percentile(times, 50),
    p95Ms: percentile(times, 95),
    peakRssMb: (await sampler.stop()) / (1024 * 1024),
    runs,
    warmups,
    calls: [...calls.values()].reduce((a, b) => a + b, 0),
    interactionP50Ms: percentile(gaps, 50),
    interactionP95Ms: percentile(gaps, 95),
  };
  console.log(JSON.stringify(result));
} finally {
  await rt.close();
}
