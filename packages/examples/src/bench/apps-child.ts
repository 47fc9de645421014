/**
 * One application in one mode, in its own process: `node apps-child.js <app> <mode> <runs> [warmMs]`;
 * prints one JSON line (`AppResult`). Every run's result is checked with the app's own `check`.
 */
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { Runtime, type WorkflowEvent } from '@faastlane/core';
import { appNamed } from '../apps/index.js';
import { BASELINE_MAX_CONTAINERS_PER_FUNCTION, DEFAULT_WARM_MS, WARM_STABLE, type AppResult } from './apps.js';
import type { Mode } from './fanout.js';
import { samplePeakRss } from './process-tree.js';
import { interactionGaps } from './interaction.js';
import { percentile } from './stats.js';

const [name, mode, runsArg, warmArg] = process.argv.slice(2) as [string, Mode, string, string | undefined];
const app = appNamed(name);
const runs = Number(runsArg);
const warmMs = Number(warmArg ?? DEFAULT_WARM_MS);
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

/** Warm-up ends once the plan has not changed for WARM_STABLE runs in a row and `warmMs` have passed, or after this long (a plan that never settles). */
const WARM_MAX_MS = 20_000;

const rt = await Runtime.create(mode === 'faastlane' ? {} : { mode, baseline: { containersPerFunction: containersFor } });
try {
  // Warm: pools and containers up, modules loaded, durations measured and the plan redone with them,
  // until the plan has stayed the same for WARM_STABLE runs, and for at least `warmMs`: V8 compiles a
  // function's optimised code only after many calls, and a group's setup runs once per run (FINRA's
  // hand-off into its fan-out took twice as long after 30 runs as after 200). The runs below measure
  // the steady state a long-lived service reaches. The same rule in both modes; the baseline's plan
  // never changes.
  // The first run starts the pools and containers (a minute for the baseline's hundreds): the clock starts after it.
  app.check(await rt.invoke(app.workflow, await app.input()));
  let warmups = 1;
  let stable = 0;
  let plan = rt.plan(app.workflow);
  const warmStart = performance.now();
  const warming = (): boolean => {
    const elapsed = performance.now() - warmStart;
    return elapsed < WARM_MAX_MS && (stable < WARM_STABLE || elapsed < warmMs);
  };
  while (warming()) {
    app.check(await rt.invoke(app.workflow, await app.input()));
    warmups++;
    const now = rt.plan(app.workflow);
    stable = now === plan ? stable + 1 : 0;
    plan = now;
  }
  const warmedMs = performance.now() - warmStart;
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
    warmMs: warmedMs,
    settled: stable >= WARM_STABLE,
    calls: [...calls.values()].reduce((a, b) => a + b, 0),
    interactionP50Ms: percentile(gaps, 50),
    interactionP95Ms: percentile(gaps, 95),
  };
  console.log(JSON.stringify(result));
} finally {
  await rt.close();
}
