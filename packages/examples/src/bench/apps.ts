/**
 * Every application in both modes. Each (app, mode) runs in a fresh child process so that its peak
 * memory (the process and all its threads, child processes and containers) is its own; the two
 * processes of an application take turns (see turns.ts).
 */
import { ChildSession } from './child-session.js';
import { inBothModes } from './turns.js';
import type { Mode } from './fanout.js';

export interface AppResult {
  readonly app: string;
  readonly mode: Mode;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly peakRssMb: number;
  readonly runs: number;
  /** Runs before the measured ones, until the plan settled and the warm-up time passed (see apps-child.ts). */
  readonly warmups?: number;
  /** How long those runs took after the first one, ms. */
  readonly warmMs?: number;
  /** Whether the plan had settled (not changed for `WARM_STABLE` runs) when the warm-up ended. */
  readonly settled?: boolean;
  /** Function calls in one run. */
  readonly calls: number;
  /**
   * Function interaction latency (one function's end to the next one's start), ms, over every gap of
   * every measured run: one per call that takes another's output, and one per fan-out (its first
   * branch to start; see interaction.ts).
   */
  readonly interactionP50Ms: number;
  readonly interactionP95Ms: number;
}

/** Warm-up lasts at least this long (and until the plan has settled; see apps-child.ts), ms... */
export const DEFAULT_WARM_MS = 2_000;
/** ...or this long in a `--quick` run. */
export const QUICK_WARM_MS = 500;
/** The plan has settled once it has not changed for this many runs in a row. */
export const WARM_STABLE = 8;

/** At most this many warm containers per function in the baseline (one call each at a time). */
export const BASELINE_MAX_CONTAINERS_PER_FUNCTION = 100;

/** How long one (app, mode) process may live: its warm-up, the other mode's, and all the turns of both. */
const APP_TIMEOUT_MS = 900_000;

/**
 * One application in both modes (see turns.ts): end-to-end times (`time`), then interaction gaps
 * (`gaps`), each in turns.
 */
export function runAppBothModes(
  app: string,
  modes: readonly [Mode, Mode],
  runs: number,
  warmMs = DEFAULT_WARM_MS,
  progress: (what: string) => void = () => undefined,
): Promise<[AppResult, AppResult]> {
  const open = (mode: Mode): ChildSession => new ChildSession('./apps-child.js', [app, mode, String(warmMs)], `${app} in ${mode} mode`, APP_TIMEOUT_MS);
  return inBothModes<Mode, AppResult>(app, modes, open, ['time', 'gaps'], runs, progress);
}
