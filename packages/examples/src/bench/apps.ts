/**
 * Every application in both modes. Each (app, mode) runs in a fresh child process so that its peak
 * memory (the process and all its threads, child processes and containers) is its own; the two
 * processes of an application take turns run by run (see `runAppBothModes`).
 */
import { ChildSession, inTurns } from './child-session.js';
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

/** Measured runs per turn of one mode... */
export const RUNS_PER_TURN = 5;
/**
 * ...after runs that are not measured, at least one and for at least this long, ms: right after the
 * other mode's turn the caches are its own, and the baseline's containers may still be winding down
 * (FINRA-200's hand-offs measured 9-18 us after a single such run, 2.9 us after 250 ms of them).
 */
export const TURN_SETTLE_MS = 250;

/** How often `runAppBothModes` tells `progress` (each mode's warm-up, then the turns). */
export const APP_PROGRESS_STEPS = 3;

/**
 * One application in both modes, each in a process of its own, warmed up one after the other and
 * then measured in turns of up to {@link RUNS_PER_TURN} runs, at least two turns each (after
 * {@link TURN_SETTLE_MS} of runs that are not measured), the order swapped every other time
 * (faastlane, baseline, baseline, faastlane, ...): the machine's busy spells (it is shared) then slow
 * both modes alike, where measured one mode after the other one spell could turn a ratio around.
 * `progress` is told as each phase starts.
 */
export async function runAppBothModes(
  app: string,
  modes: readonly [Mode, Mode],
  runs: number,
  warmMs = DEFAULT_WARM_MS,
  progress: (what: string) => void = () => undefined,
): Promise<[AppResult, AppResult]> {
  const sessions: ChildSession[] = [];
  try {
    for (const mode of modes) {
      progress(`${app}: ${mode} warming up`);
      const session = new ChildSession('./apps-child.js', [app, mode, String(warmMs)], `${app} in ${mode} mode`, APP_TIMEOUT_MS);
      sessions.push(session);
      await session.next();
    }
    const [a, b] = sessions as [ChildSession, ChildSession];
    progress(`${app}: both modes in turns`);
    await inTurns([a, b], 'time', runs, RUNS_PER_TURN);
    await inTurns([a, b], 'gaps', runs, RUNS_PER_TURN);
    const results: [AppResult, AppResult] = [await a.ask<AppResult>('end'), await b.ask<AppResult>('end')];
    // Each closes its runtime (its containers stop) and exits once its stdin is closed.
    await Promise.all(sessions.map((s) => s.exited()));
    return results;
  } catch (error) {
    for (const s of sessions) s.kill();
    throw error;
  }
}
