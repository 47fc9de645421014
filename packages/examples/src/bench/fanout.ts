/**
 * Fan-out: `width` small CPU-bound functions (`Burn`) in a `map`, then one aggregating step, in the
 * faastlane mode and in the function-per-container baseline. Each (mode, width) runs in a child
 * process of its own so that its peak memory (that process and all its descendants: workers, child
 * processes, containers) is its own; the two modes of one width take turns, as the applications do
 * (see turns.ts).
 */
import { ChildSession } from './child-session.js';
import { inBothModes } from './turns.js';

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

/** How long one (mode, width) process may live: its warm-up, the other mode's, and the turns of both. */
const FANOUT_TIMEOUT_MS = 900_000;

/** Both modes at one width, in turns (see turns.ts). */
export function runFanoutBothModes(
  width: number,
  modes: readonly [Mode, Mode],
  runs: number,
  progress: (what: string) => void = () => undefined,
): Promise<[FanoutResult, FanoutResult]> {
  const open = (mode: Mode): ChildSession => new ChildSession('./fanout-child.js', [mode, String(width)], `fan-out ${mode} x${width}`, FANOUT_TIMEOUT_MS);
  return inBothModes<Mode, FanoutResult>(`fan-out x${width}`, modes, open, ['time'], runs, progress);
}
