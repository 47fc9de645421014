/**
 * One application in one mode, in its own process: `node apps-child.js <app> <mode> [warmMs]`. It warms
 * up, answers `{ ready }`, then takes commands on stdin, one per line, and answers each with one line
 * (see `ChildSession`): `time <n>` runs the workflow n times as a caller without observers sees it
 * (end-to-end times); `gaps <n>` runs it n times with events (interaction gaps); `end` answers the
 * `AppResult` of everything measured and exits (as it does when stdin closes). Each `time` or `gaps`
 * turn (`TurnTaker`, turns.ts) starts with runs that are not measured, for at least `TURN_SETTLE_MS`: the process has been
 * idle while the other mode ran, which took the CPU's caches (and whose containers may still be
 * winding down), and the turn measures the steady state a service reaches under load.
 * Peak memory is sampled during its turns (the sampler is paused while the other mode has its
 * turn). Every run's result is checked with the app's own `check`.
 */
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { Runtime, type WorkflowEvent } from '@faastlane/core';
import { appNamed } from '../apps/index.js';
import { BASELINE_MAX_CONTAINERS_PER_FUNCTION, DEFAULT_WARM_MS, WARM_STABLE, type AppResult } from './apps.js';
import { answer } from './child-session.js';
import type { Mode } from './fanout.js';
import { interactionGaps } from './interaction.js';
import { percentile } from './stats.js';
import { TurnTaker } from './turns.js';

const [name, mode, warmArg] = process.argv.slice(2) as [string, Mode, string | undefined];
const app = appNamed(name);
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

const rt = await Runtime.create(mode === 'faastlane' ? { ...app.runtime } : { mode, baseline: { containersPerFunction: containersFor } });
try {
  // Warm: pools and containers up, modules loaded, durations measured and the plan redone with them,
  // until the plan has stayed the same for WARM_STABLE runs, and for at least `warmMs`: V8 compiles a
  // function's optimised code only after many calls, and a group's setup runs once per run (FINRA's
  // hand-off into its fan-out took twice as long after 30 runs as after 200). The runs it is asked
  // for then measure the steady state a long-lived service reaches. The same rule in both modes; the baseline's plan
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
  answer({ ready: true });

  const turns = new TurnTaker();
  const times: number[] = [];
  const gaps: number[] = [];
  const timeOne = async (): Promise<number> => {
    // End to end as a caller without observers sees it (`invoke` builds no events).
    const input = await app.input();
    const t0 = performance.now();
    const out = await rt.invoke(app.workflow, input);
    const ms = performance.now() - t0;
    app.check(out);
    return ms;
  };
  const gapsOfOne = async (): Promise<number[]> => {
    // From a run with events: they carry where each function ran.
    const events: WorkflowEvent[] = [];
    const run = rt.start(app.workflow, await app.input());
    run.events$.subscribe((e) => events.push(e));
    app.check(await run.result);
    return interactionGaps(rt.plan(app.workflow), events);
  };
  for await (const line of createInterface({ input: process.stdin })) {
    const [command, count] = line.split(' ');
    const n = Number(count ?? 1);
    if (command === 'time') {
      await turns.turn(n, timeOne, (ms) => times.push(ms));
    } else if (command === 'gaps') {
      await turns.turn(n, gapsOfOne, (found) => gaps.push(...found));
    } else if (command === 'end') {
      const result: AppResult = {
        app: name,
        mode,
        p50Ms: percentile(times, 50),
        p95Ms: percentile(times, 95),
        peakRssMb: await turns.peakRssMb(),
        runs: times.length,
        warmups,
        warmMs: warmedMs,
        settled: stable >= WARM_STABLE,
        calls: [...calls.values()].reduce((a, b) => a + b, 0),
        interactionP50Ms: percentile(gaps, 50),
        interactionP95Ms: percentile(gaps, 95),
      };
      answer(result);
      break;
    } else {
      throw new Error(`unknown command ${JSON.stringify(line)}`);
    }
  }
} finally {
  await rt.close();
}
