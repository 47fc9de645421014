/**
 * How much slower a hand-off is right after a long function, and how much of that is the machine.
 *
 * A two-step workflow on this thread: `Spin` computes for `afterMs` without touching memory, then
 * `Next` takes its output; the gap between them (read from the run's events, as the applications'
 * interaction latency is) is the runtime's own work between two functions. Beside it, the same
 * `afterMs` of computing followed by a fixed piece of plain code that is not the runtime's (286
 * lookups in a map of 2,000 entries): if that slows down by as much, the machine (caches, TLBs that
 * other work on the host took while this thread computed) sets the floor under a hand-off that
 * follows a function of that length, whatever the runtime does. Each measurement comes right after
 * the same code ran a few times, so that only the computing lies between; the rounds interleave the
 * lengths so that the machine's busy spells fall on all of them alike.
 */
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { Runtime, type WorkflowEvent } from '@faastlane/core';
import { Fn, task, workflow } from '@faastlane/dsl';
import { interactionGaps } from './interaction.js';
import { median } from './stats.js';

/** Computes for `ms` milliseconds: a loop over the clock, which touches no memory of its own. */
function computeFor(ms: number): number {
  const until = performance.now() + ms;
  let spins = 0;
  while (performance.now() < until) spins++;
  return spins;
}

@Fn() class Spin { run(ms: number): number { return computeFor(ms); } }
@Fn() class Next { run(spins: number): number { return spins + 1; } }

const spinThenNext = workflow('spin-then-next').pipe(task(Spin), task(Next));

/** Plain code, not the runtime's: 286 lookups (every 7th key, made beforehand) in a map of 2,000 objects. */
const PROBE_ENTRIES = 2_000;
const probeKeys = Array.from({ length: PROBE_ENTRIES }, (_, i) => `key-${i}`);
const probeMap = new Map(probeKeys.map((k, i) => [k, { value: i, pair: [i, i + 1] }]));
function probe(): number {
  let sum = 0;
  for (let i = 0; i < PROBE_ENTRIES; i += 7) {
    const entry = probeMap.get(probeKeys[i] as string);
    if (entry) sum += entry.value + (entry.pair[1] ?? 0);
  }
  return sum;
}

export interface HandoffRow {
  /** How long the function before the hand-off computed, ms. */
  readonly afterMs: number;
  /** Median gap from `Spin`'s end to `Next`'s start, us. */
  readonly handoffUs: number;
  /** Median time of the plain-code probe right after computing as long, us. */
  readonly probeUs: number;
}

export const HANDOFF_AFTER_MS = [0, 1, 5, 20] as const;

export async function benchHandoff(options: { rounds: number }): Promise<HandoffRow[]> {
  const rt = await Runtime.create();
  try {
    const plan = rt.plan(spinThenNext);
    const gap = async (ms: number): Promise<number> => {
      const run = rt.start(spinThenNext, ms);
      const events: WorkflowEvent[] = [];
      run.events$.subscribe((e) => events.push(e));
      await run.result;
      const [g] = interactionGaps(plan, events);
      if (g === undefined) throw new Error('the hand-off bench saw no gap between Spin and Next');
      return g * 1_000;
    };
    const probed = (ms: number): number => {
      for (let i = 0; i < 3; i++) probe();
      computeFor(ms);
      const t0 = performance.now();
      probe();
      return (performance.now() - t0) * 1_000;
    };
    // Warm: both paths compiled and the plan settled (Spin is measured, its placement does not change).
    for (let i = 0; i < 2_000; i++) {
      await gap(0);
      probed(0);
    }
    if (rt.plan(spinThenNext).explain() !== plan.explain()) throw new Error('the hand-off bench\'s plan changed after its warm-up');
    const gaps = new Map<number, number[]>(HANDOFF_AFTER_MS.map((ms) => [ms, []]));
    const probes = new Map<number, number[]>(HANDOFF_AFTER_MS.map((ms) => [ms, []]));
    for (let r = 0; r < options.rounds; r++) {
      for (const ms of HANDOFF_AFTER_MS) {
        // The runtime's path used just before, so that only the computing lies between its last use and the gap.
        for (let i = 0; i < 3; i++) await gap(0);
        gaps.get(ms)?.push(await gap(ms));
        probes.get(ms)?.push(probed(ms));
      }
    }
    return HANDOFF_AFTER_MS.map((afterMs) => ({ afterMs, handoffUs: median(gaps.get(afterMs) ?? []), probeUs: median(probes.get(afterMs) ?? []) }));
  } finally {
    await rt.close();
  }
}
