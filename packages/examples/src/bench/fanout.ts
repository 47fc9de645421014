/**
 * Fan-out: `width` small CPU-bound functions (`Burn`) in a `map`, then one aggregating step, in the
 * faastlane mode and in the function-per-container baseline. Each (mode, width) runs in a child
 * process of its own so that its peak memory (that process and all its descendants: workers, child
 * processes, containers) is its own; the two modes of one width take turns, as the applications do
 * (see `inTurns`).
 */
import { RUNS_PER_TURN } from './apps.js';
import { ChildSession, inTurns } from './child-session.js';

export type Mode = 'faastlane' | 'function-per-container';

export interface FanoutResult {
  readonly mode: Mode;
  readonly width: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly peakRssMb: number;
  readonly runs: number;
  /** Containers (baseline) or worker threads (faastlane) that served it. */
  readonly where: string;
}

/** Iterations of `Burn`: 0.44 ms of integer work on this machine kind (measured: 200 direct calls). */
export const BURN_ITERATIONS = 400_000;

/** How often `runFanoutBothModes` tells `progress` (each mode's warm-up, then the turns). */
export const FANOUT_PROGRESS_STEPS = 3;

/** How long one (mode, width) process may live: its warm-up, the other mode's, and the turns of both. */
const FANOUT_TIMEOUT_MS = 900_000;

/** Both modes at one width: warmed up one after the other, then measured in turns of runs. */
export async function runFanoutBothModes(
  width: number,
  modes: readonly [Mode, Mode],
  runs: number,
  progress: (what: string) => void = () => undefined,
): Promise<[FanoutResult, FanoutResult]> {
  const sessions: ChildSession[] = [];
  try {
    for (const mode of modes) {
      progress(`fan-out x${width}: ${mode} warming up`);
      const session = new ChildSession('./fanout-child.js', [mode, String(width)], `fan-out ${mode} x${width}`, FANOUT_TIMEOUT_MS);
      sessions.push(session);
      await session.next();
    }
    const [a, b] = sessions as [ChildSession, ChildSession];
    progress(`fan-out x${width}: both modes in turns`);
    await inTurns([a, b], 'time', runs, RUNS_PER_TURN);
    const results: [FanoutResult, FanoutResult] = [await a.ask<FanoutResult>('end'), await b.ask<FanoutResult>('end')];
    await Promise.all(sessions.map((s) => s.exited()));
    return results;
  } catch (error) {
    for (const s of sessions) s.kill();
    throw error;
  }
}
