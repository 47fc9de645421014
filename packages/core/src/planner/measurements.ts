import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
import { dirname } from 'node:path';

/** What has been measured of one function over earlier runs. */
export interface FnMeasurement {
  /** Completed calls measured. */
  readonly calls: number;
  /** The call's typical wall time, ms: the median of the last few calls (see `Measurements`). */
  readonly typicalMs: number;
  /**
   * Typical share of that time spent computing on the calling thread (0..1), measured where the
   * function ran on this thread: the synchronous part of `run`. A function that awaits I/O scores
   * near 0, a computation near 1.
   */
  readonly cpuShare: number | undefined;
}

/** A measured hop: the typical latency a tier adds to a call, ms. */
export interface HopMeasurement {
  readonly calls: number;
  readonly typicalMs: number;
}

interface Stored {
  readonly version: 2;
  readonly functions: Record<string, { readonly calls: number; readonly recentMs: number[]; readonly recentShares: number[] }>;
  readonly hops: Record<string, { readonly calls: number; readonly recentMs: number[] }>;
}

/** How many recent calls the typical time is the median of. Odd, so that the median is one of them. */
const WINDOW = 7;

/** Calls recorded between two comparisons of the functions' classes (see `Measurements.version`). */
const CLASS_CHECK_CALLS = 8;

/**
 * The last `WINDOW` samples of one quantity and their median. A median, not a moving average: a
 * cold call (module load, compilation, a fresh worker) or a GC pause is 10-100x a warm call, and a
 * moving average would carry it for dozens of calls, keeping a tiny function on a thread hop it does
 * not pay for. The very first sample is dropped when the second comes in, for the same reason.
 */
class Recent {
  /** Samples, oldest first once full: `ring[next]` is the next to be replaced. */
  private readonly ring: number[];
  private next = 0;
  /** The median, or undefined until asked for since the last sample: adding one is on the hot path. */
  private cached: number | undefined;
  /** Samples ever added (including restored ones). */
  count: number;

  /** From `samples` (oldest first; the last `WINDOW` are kept) and how many there were in all. */
  constructor(samples: readonly number[], count = samples.length) {
    this.ring = samples.slice(-WINDOW);
    this.count = Math.max(count, this.ring.length);
  }

  get median(): number {
    return (this.cached ??= medianOf(this.ring));
  }

  /** The kept samples, oldest first. */
  get samples(): number[] {
    return [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
  }

  add(sample: number): void {
    if (this.count++ === 1) {
      this.ring[0] = sample; // the first call was a warm-up
    } else if (this.ring.length < WINDOW) {
      this.ring.push(sample);
    } else {
      this.ring[this.next] = sample;
      this.next = (this.next + 1) % WINDOW;
    }
    this.cached = undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The entries of a stored table whose values are objects (the others are passed over). */
function entriesOf(table: unknown): [string, Record<string, unknown>][] {
  return isRecord(table) ? Object.entries(table).filter((e): e is [string, Record<string, unknown>] => isRecord(e[1])) : [];
}

/** A `Recent` of the finite numbers in `samples` (a stored file may hold anything), or undefined if none. */
function restored(samples: unknown, count: unknown): Recent | undefined {
  const valid = Array.isArray(samples) ? samples.filter((x): x is number => typeof x === 'number' && Number.isFinite(x)) : [];
  return valid.length === 0 ? undefined : new Recent(valid, typeof count === 'number' ? count : valid.length);
}

/** Where `medianOf` sorts: one buffer for all, since a plan lookup reads the median of every function with new calls. */
const scratch = new Float64Array(WINDOW);

/**
 * The median of at most `WINDOW` values (worked out only when the planner reads it: `Recent` caches
 * it). An insertion sort into `scratch`: a copy sorted with a comparator took a fifth of a run of
 * FINRA-5's trivial-function shape (seven medians per run).
 */
function medianOf(values: readonly number[]): number {
  const n = values.length;
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    let j = i;
    for (; j > 0 && (scratch[j - 1] as number) > v; j--) scratch[j] = scratch[j - 1] as number;
    scratch[j] = v;
  }
  const mid = n >> 1;
  return n % 2 === 1 ? (scratch[mid] as number) : ((scratch[mid - 1] as number) + (scratch[mid] as number)) / 2;
}

interface FnRecord {
  /** Its calls are `wall.count`. */
  readonly wall: Recent;
  share: Recent | undefined;
  /** `classOf` when the version was last brought up to date. */
  cls: number;
}

/**
 * Durations measured on earlier runs, by function name, which the planner uses to decide where a
 * function pays for a hop to another thread or container. Kept in memory, and in a JSON file when
 * one is given (loaded at start, saved by `save()`).
 */
export class Measurements {
  private readonly functions = new Map<string, FnRecord>();
  private readonly hops = new Map<string, { readonly wall: Recent }>();
  /** Bumped whenever a function changes class (short/long, cpu/io), so that cached plans can be redone. */
  private generation = 0;
  private recorded = 0;
  /** `recorded` when classes were last compared. */
  private checkedAt = 0;
  /** Functions with calls recorded since the version was last brought up to date. */
  private readonly moved = new Set<FnRecord>();

  constructor(readonly file?: string) {
    if (file) this.load(file);
  }

  /**
   * Changes whenever a function has changed class since it was last read; classes are compared once
   * `CLASS_CHECK_CALLS` calls have come in since the last comparison (a function's first call counts
   * at once). Compared on every read, the medians took a tenth of a run of FINRA-5's trivial-function
   * shape.
   */
  get version(): number {
    // Classes are compared here, not on every call: recording a call is between two functions.
    if (this.recorded - this.checkedAt < CLASS_CHECK_CALLS) return this.generation;
    this.checkedAt = this.recorded;
    for (const r of this.moved) {
      const now = classOf(r.wall.median, r.share?.median);
      if (now !== r.cls) {
        r.cls = now;
        this.generation++;
      }
    }
    this.moved.clear();
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
    const r = this.functions.get(name);
    return r && { calls: r.wall.count, typicalMs: r.wall.median, cpuShare: r.share?.median };
  }

  hop(tier: string): HopMeasurement | undefined {
    const r = this.hops.get(tier);
    return r && { calls: r.wall.count, typicalMs: r.wall.median };
  }

  /** Records one completed call; `syncMs` is the synchronous part when it ran on this thread. */
  recordCall(name: string, wallMs: number, syncMs?: number): void {
    this.recorded++;
    const share = syncMs === undefined || wallMs <= 0 ? undefined : Math.min(1, syncMs / wallMs);
    const r = this.functions.get(name);
    if (!r) {
      const wall = new Recent([wallMs]);
      const shares = share === undefined ? undefined : new Recent([share]);
      this.functions.set(name, { wall, share: shares, cls: classOf(wall.median, shares?.median) });
      this.generation++;
      return;
    }
    r.wall.add(wallMs);
    if (share !== undefined) {
      if (r.share) r.share.add(share);
      else r.share = new Recent([share]);
    }
    this.moved.add(r);
  }

  /** Records the latency a tier added to one call (its round trip minus the function's own time). */
  recordHop(tier: string, ms: number): void {
    const r = this.hops.get(tier);
    if (!r) this.hops.set(tier, { wall: new Recent([ms]) });
    else r.wall.add(ms);
  }

  /** Writes the measurements to the file given at construction, if any. */
  save(): void {
    if (!this.file) return;
    const functions: Stored['functions'] = {};
    for (const [name, r] of this.functions) functions[name] = { calls: r.wall.count, recentMs: r.wall.samples, recentShares: r.share?.samples ?? [] };
    const hops: Stored['hops'] = {};
    for (const [tier, r] of this.hops) hops[tier] = { calls: r.wall.count, recentMs: r.wall.samples };
    const stored: Stored = { version: 2, functions, hops };
    mkdirSync(dirname(this.file), { recursive: true });
    // Written aside and renamed over the file: a process killed mid-write, or another runtime saving
    // the same file, never leaves half a file for the next start to read.
    const aside = `${this.file}.${process.pid}.${threadId}.tmp`;
    writeFileSync(aside, `${JSON.stringify(stored, null, 2)}\n`);
    renameSync(aside, this.file);
  }

  /** Reads what a file holds of ours: anything else in it (another format, a hand edit, a bad entry) is passed over. */
  private load(file: string): void {
    let stored: unknown;
    try {
      stored = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      return; // No file yet, or not JSON: start empty.
    }
    if (!isRecord(stored) || stored.version !== 2) return; // not ours, or an older format: measure afresh
    for (const [name, m] of entriesOf(stored.functions)) {
      const wall = restored(m.recentMs, m.calls);
      // Restored samples are not a warm-up call to drop, for the shares either: they count as many calls.
      const share = restored(m.recentShares, m.calls);
      if (wall) this.functions.set(name, { wall, share, cls: classOf(wall.median, share?.median) });
    }
    for (const [tier, m] of entriesOf(stored.hops)) {
      const wall = restored(m.recentMs, m.calls);
      if (wall) this.hops.set(tier, { wall });
    }
  }
}

/**
 * A coarse class of a function (size bucket x cpu/io), for deciding whether a cached plan is stale.
 * A number, not a string: it is compared for every function with new calls each time a plan is looked up.
 */
function classOf(typicalMs: number, cpuShare: number | undefined): number {
  const size = typicalMs < 0.05 ? 0 : typicalMs < 1 ? 1 : typicalMs < 20 ? 2 : 3;
  const cpu = cpuShare === undefined ? 0 : cpuShare > 0.5 ? 1 : 2;
  return size * 3 + cpu;
}
