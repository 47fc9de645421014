/**
 * How much slower a hand-off is right after a long function, beside plain code after the same wait.
 *
 * A two-step workflow on this thread: `Spin` computes for `afterMs` without touching memory or
 * allocating, then `Next` takes its output; the gap between them (read from the run's events, as the
 * applications' interaction latency is) is the runtime's own work between two functions. Beside it,
 * the same `afterMs` of computing followed by a fixed piece of plain code that is not the runtime's
 * (286 lookups in a map of 2,000 entries). Where that slows down too, what the thread had in its
 * caches and TLBs is gone after such a wait, and anything that runs next pays to bring it back: a
 * floor under a hand-off that follows a function of that length. Each measurement comes right after
 * the same code ran a few times, so that only the computing lies between; the rounds interleave the
 * lengths so that the machine's busy spells fall on all of them alike. Both are timed on
 * `performance.now()` (the events' spans of functions on the runtime's thread are on that clock).
 */
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { Runtime, type WorkflowEvent } from '@faastlane/core';
import { Fn, task, workflow } from '@faastlane/dsl';
import { interactionGaps } from './interaction.js';
import { median } from './stats.js';

/**
 * Computes for `ms` milliseconds without touching memory: integer arithmetic, with a look at the
 * clock every 10,000 steps (reading it allocates: a loop over the clock alone set off a scavenge
 * every few milliseconds, and the garbage collector's work would then lie between the functions too).
 */
function computeFor(ms: number): number {
  const until = performance.now() + ms;
  let x = 1;
  for (;;) {
    for (let i = 0; i < 10_000; i++) x = (Math.imul(x, 1_103_515_245) + 12_345) | 0;
    if (performance.now() >= until) return x;
  }
}

/** Where `allocateFor` keeps its arrays for a while, as a function's working data: then they are garbage. */
const ring: number[][] = new Array<number[]>(1_024).fill([]);

/** Computes for `ms` milliseconds and allocates all along (short-lived arrays), as real functions do. */
function allocateFor(ms: number): number {
  const until = performance.now() + ms;
  let sum = 0;
  for (let n = 0; ; n++) {
    for (let i = 0; i < 1_000; i++) {
      const kept = [n, i, n + i, n - i];
      ring[i & 1_023] = kept;
      sum = (sum + (kept[i & 3] ?? 0)) | 0;
    }
    if (performance.now() >= until) return sum;
  }
}

interface SpinInput {
  readonly ms: number;
  readonly allocate: boolean;
}
@Fn() class Spin { run(input: SpinInput): number { return input.allocate ? allocateFor(input.ms) : computeFor(input.ms); } }
@Fn() class Next { run(x: number): number { return x + 1; } }

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
  /** Median gap from `Spin`'s end to `Next`'s start, us, after computing without touching memory. */
  readonly handoffUs: number;
  /** Median time of the plain-code probe right after computing as long, us. */
  readonly probeUs: number;
  /** The same two after computing as long while allocating (short-lived arrays all along), us. */
  readonly handoffAfterGarbageUs: number;
  readonly probeAfterGarbageUs: number;
}

export const HANDOFF_AFTER_MS = [0, 1, 5, 20] as const;

export async function benchHandoff(options: { rounds: number }): Promise<HandoffRow[]> {
  const rt = await Runtime.create();
  try {
    const plan = rt.plan(spinThenNext);
    const gap = async (ms: number, allocate = false): Promise<number> => {
      const run = rt.start(spinThenNext, { ms, allocate });
      const events: WorkflowEvent[] = [];
      run.events$.subscribe((e) => events.push(e));
      await run.result;
      const [g] = interactionGaps(plan, events);
      if (g === undefined) throw new Error('the hand-off bench saw no gap between Spin and Next');
      return g * 1_000;
    };
    const probed = (ms: number, allocate = false): number => {
      for (let i = 0; i < 3; i++) probe();
      if (allocate) allocateFor(ms);
      else computeFor(ms);
      const t0 = performance.now();
      probe();
      return (performance.now() - t0) * 1_000;
    };
    // Warm: every path compiled and the plan settled (Spin is measured, its placement does not change).
    for (let i = 0; i < 1_000; i++) {
      await gap(0);
      await gap(0, true);
      probed(0);
      probed(0, true);
    }
    if (rt.plan(spinThenNext).explain() !== plan.explain()) throw new Error('the hand-off bench\'s plan changed after its warm-up');
    const samples = new Map<string, number[]>();
    const add = (key: string, value: number): void => {
      const list = samples.get(key);
      if (list) list.push(value);
      else samples.set(key, [value]);
    };
    for (let r = 0; r < options.rounds; r++) {
      for (const ms of HANDOFF_AFTER_MS) {
        for (const allocate of [false, true]) {
          // The runtime's path used just before, so that only the computing lies between its last use and the gap.
          for (let i = 0; i < 3; i++) await gap(0);
          add(`gap ${ms} ${allocate}`, await gap(ms, allocate));
          add(`probe ${ms} ${allocate}`, probed(ms, allocate));
        }
      }
    }
    const med = (key: string): number => median(samples.get(key) ?? []);
    return HANDOFF_AFTER_MS.map((afterMs) => ({
      afterMs,
      handoffUs: med(`gap ${afterMs} false`),
      probeUs: med(`probe ${afterMs} false`),
      handoffAfterGarbageUs: med(`gap ${afterMs} true`),
      probeAfterGarbageUs: med(`probe ${afterMs} true`),
    }));
  } finally {
    await rt.close();
  }
}
