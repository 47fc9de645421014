import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** What has been measured of one function over earlier runs. */
export interface FnMeasurement {
  /** Completed calls measured. */
  readonly calls: number;
  /** Moving average of the call's wall time, ms. */
  readonly meanMs: number;
  /**
   * Moving average of the share of that time spent computing on the calling thread (0..1), measured
   * where the function ran on this thread: the synchronous part of `run`. A function that awaits I/O
   * scores near 0, a computation near 1.
   */
  readonly cpuShare: number | undefined;
}

/** A measured hop: moving average of the latency a tier adds to a call, ms. */
export interface HopMeasurement {
  readonly calls: number;
  readonly meanMs: number;
}

interface Stored {
  readonly version: 1;
  readonly functions: Record<string, FnMeasurement>;
  readonly hops: Record<string, HopMeasurement>;
}

/** Weight of the newest sample in the moving averages: recent behaviour matters most. */
const ALPHA = 0.2;

/**
 * Durations measured on earlier runs, by function name, which the planner uses to decide where a
 * function pays for a hop to another thread or container. Kept in memory, and in a JSON file when
 * one is given (loaded at start, saved by `save()`).
 */
export class Measurements {
  private readonly functions = new Map<string, FnMeasurement>();
  private readonly hops = new Map<string, HopMeasurement>();
  /** Bumped whenever a function changes class (short/long, cpu/io), so that cached plans can be redone. */
  private generation = 0;
  private recorded = 0;

  constructor(readonly file?: string) {
    if (file) this.load(file);
  }

  get version(): number {
    return this.generation;
  }

  /**
   * Calls recorded so far. Plans are also redone every so many calls: a group's placement depends on
   * the sum of its functions' times against a threshold, which can move without any function
   * changing class.
   */
  get calls(): number {
    return this.recorded;
  }

  fn(name: string): FnMeasurement | undefined {
    return this.functions.get(name);
  }

  hop(tier: string): HopMeasurement | undefined {
    return this.hops.get(tier);
  }

  /** Records one completed call; `syncMs` is the synchronous part when it ran on this thread. */
  recordCall(name: string, wallMs: number, syncMs?: number): void {
    this.recorded++;
    const before = this.functions.get(name);
    const share = syncMs === undefined || wallMs <= 0 ? undefined : Math.min(1, syncMs / wallMs);
    const next: FnMeasurement = before
      ? {
          calls: before.calls + 1,
          meanMs: ewma(before.meanMs, wallMs),
          cpuShare: share === undefined ? before.cpuShare : before.cpuShare === undefined ? share : ewma(before.cpuShare, share),
        }
      : { calls: 1, meanMs: wallMs, cpuShare: share };
    this.functions.set(name, next);
    if (!before || classOf(before) !== classOf(next)) this.generation++;
  }

  /** Records the latency a tier added to one call (its round trip minus the function's own time). */
  recordHop(tier: string, ms: number): void {
    const before = this.hops.get(tier);
    this.hops.set(tier, before ? { calls: before.calls + 1, meanMs: ewma(before.meanMs, ms) } : { calls: 1, meanMs: ms });
  }

  /** Writes the measurements to the file given at construction, if any. */
  save(): void {
    if (!this.file) return;
    const stored: Stored = { version: 1, functions: Object.fromEntries(this.functions), hops: Object.fromEntries(this.hops) };
    mkdirSync(dirname(this.file), { recursive: true });
    writeFileSync(this.file, `${JSON.stringify(stored, null, 2)}\n`);
  }

  private load(file: string): void {
    let stored: Partial<Stored>;
    try {
      stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<Stored>;
    } catch {
      return; // No file yet, or not ours: start empty.
    }
    if (stored.version !== 1) return;
    for (const [name, m] of Object.entries(stored.functions ?? {})) this.functions.set(name, m);
    for (const [tier, m] of Object.entries(stored.hops ?? {})) this.hops.set(tier, m);
  }
}

const ewma = (mean: number, sample: number): number => mean + ALPHA * (sample - mean);

/**
 * A coarse class of a function (size bucket x cpu/io), for deciding whether a cached plan is stale.
 * A number, not a string: it is computed on every call.
 */
function classOf(m: FnMeasurement): number {
  const size = m.meanMs < 0.05 ? 0 : m.meanMs < 1 ? 1 : m.meanMs < 20 ? 2 : 3;
  const cpu = m.cpuShare === undefined ? 0 : m.cpuShare > 0.5 ? 1 : 2;
  return size * 3 + cpu;
}
