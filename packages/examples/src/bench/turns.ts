/**
 * How the benchmark measures two modes side by side: each in a child process of its own (so that its
 * peak memory is its own), warmed up one after the other, then measured in turns, the order swapped
 * every turn, so that a busy spell of this shared machine slows both alike (measured one after the
 * other, one spell could turn a ratio around: healthcare-phi came out 1.2x in one run, 0.8x in the next).
 *
 * The parent side is `inBothModes` (and `inTurns`); the child side is `TurnTaker`.
 */
import { performance } from 'node:perf_hooks';
import { answer, ChildSession } from './child-session.js';
import { samplePeakRss } from './process-tree.js';

/** Measured runs per turn of one mode... */
export const RUNS_PER_TURN = 5;
/**
 * ...after runs that are not measured, at least one and for at least this long, ms: right after the
 * other mode's turn the caches are its own, and the baseline's containers may still be winding down
 * (FINRA-200's hand-offs measured 9-18 us after a single such run, 2.9 us after 250 ms of them).
 */
export const TURN_SETTLE_MS = 250;
/** How often `inBothModes` tells `progress`: each mode's warm-up, then the turns. */
export const BOTH_MODES_PROGRESS_STEPS = 3;

/**
 * Asks two sessions for `<command> <n>` until each has done `runs`, in turns of at most `perTurn` runs
 * (at least two turns, so that each goes first once; a --quick run's 5 runs go 3 and 2), the order
 * swapped every turn (a, b, then b, a, ...).
 */
export async function inTurns(sessions: readonly [ChildSession, ChildSession], command: string, runs: number, perTurn: number): Promise<void> {
  const [a, b] = sessions;
  const size = Math.max(1, Math.min(perTurn, Math.ceil(runs / 2)));
  for (let done = 0, turn = 0; done < runs; done += size, turn++) {
    const n = Math.min(size, runs - done);
    for (const s of turn % 2 === 0 ? [a, b] : [b, a]) await s.ask(`${command} ${n}`);
  }
}

/**
 * One scenario in two modes: starts `open(mode)` for each (warmed up when it first answers), runs
 * each of `commands` in turns of `runs`, then asks both for their result (`end`) and waits for them
 * to exit. `progress` is told as each phase starts ({@link BOTH_MODES_PROGRESS_STEPS} times).
 */
export async function inBothModes<M extends string, R>(
  what: string,
  modes: readonly [M, M],
  open: (mode: M) => ChildSession,
  commands: readonly string[],
  runs: number,
  progress: (what: string) => void,
): Promise<[R, R]> {
  const sessions: ChildSession[] = [];
  try {
    for (const mode of modes) {
      progress(`${what}: ${mode} warming up`);
      const session = open(mode);
      sessions.push(session);
      await session.next();
    }
    const pair = sessions as [ChildSession, ChildSession];
    progress(`${what}: both modes in turns`);
    for (const command of commands) await inTurns(pair, command, runs, RUNS_PER_TURN);
    const results: [R, R] = [await pair[0].ask<R>('end'), await pair[1].ask<R>('end')];
    // Each closes its runtime (its containers stop) and exits once its stdin is closed.
    await Promise.all(sessions.map((s) => s.exited()));
    return results;
  } catch (error) {
    for (const s of sessions) s.kill();
    throw error;
  }
}

/**
 * A child's side of the turns: each `turn` samples the process tree's memory (paused between turns,
 * while the other mode has the machine), settles with runs that are not measured, then measures.
 */
export class TurnTaker {
  private sampler: ReturnType<typeof samplePeakRss> | undefined;

  /** One turn: `n` measured runs of `one`, each result kept by `keep`; answers `{ runs: n }`. */
  async turn<T>(n: number, one: () => Promise<T>, keep: (result: T) => void): Promise<void> {
    if (this.sampler) this.sampler.resume();
    else this.sampler = samplePeakRss(process.pid);
    const t0 = performance.now();
    do await one();
    while (performance.now() - t0 < TURN_SETTLE_MS);
    for (let i = 0; i < n; i++) keep(await one());
    this.sampler.pause();
    answer({ runs: n });
  }

  /** The peak RSS of the process tree over all turns, MB (10^6 bytes); 0 without a turn. */
  async peakRssMb(): Promise<number> {
    return this.sampler ? (await this.sampler.stop()) / 1e6 : 0;
  }
}
