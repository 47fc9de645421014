/**
 * Fan-out: `width` small CPU-bound functions (`Burn`) in a `map`, then one aggregating step, in the
 * faastlane mode and in the function-per-container baseline. Each (mode, width) runs in a fresh
 * child process so that its peak memory (that process and all its descendants: workers, child
 * processes, containers) is its own.
 */
import { ChildSession } from './child-session.js';

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

export function runFanout(mode: Mode, width: number, runs: number): Promise<FanoutResult> {
  return ChildSession.once<FanoutResult>('./fanout-child.js', [mode, String(width), String(runs)], `fan-out ${mode} x${width}`, 600_000);
}
