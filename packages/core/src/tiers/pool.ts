import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fnKey, fromWireError, type CallResponse, type FnRef } from '../hosting/wire.js';
import type { FromHost, ToHost } from './protocol.js';
import { TierCrashError, type ProtectionFault, type Tier, type TierCall, type TierKind } from './tier.js';
import { collectTransferables } from './transferables.js';

/** Options every pool takes. */
export interface PoolOptions {
  /** How many workers or processes run calls at once; the rest queue (FIFO). At least 1. */
  readonly size: number;
  /**
   * How many of them start with the pool (default `size`, at least 1): the others start when calls
   * queue for them, one per waiting call, so that a pool as wide as the machine costs memory only
   * for the members its work needs.
   */
  readonly initial?: number;
  /** Functions to load in every worker or process before the pool is ready (and again in each replacement). */
  readonly preload?: readonly FnRef[];
  /**
   * How long a worker or process may take to start and load `preload` (default 30 s). Past it the
   * start fails (`start()` rejects) rather than hanging.
   */
  readonly startTimeoutMs?: number;
}

/**
 * One worker thread or child process as the pool sees it: a way to send it messages and to kill it.
 * A channel reports its messages and its end (exactly once) through the `ChannelEvents` it was opened with.
 */
export interface Channel {
  /** Names it in errors: `worker 3`, `pid 1234`. */
  readonly where: string;
  /** Sends a message, moving the buffers in `transfer` where the transport can. Throws when the message cannot be serialised. */
  post(message: ToHost, transfer: readonly ArrayBuffer[]): void;
  /** Stops it now, whatever it is doing. Resolves once it is gone. */
  kill(): Promise<void>;
  /** Keeps the parent's event loop alive (while a call runs or it starts) or lets it exit (while idle). */
  ref(): void;
  unref(): void;
}

export interface ChannelEvents {
  message(message: FromHost): void;
  /** It is gone (exited, crashed, killed); `detail` says how, `fault` what killed it if it was a protection-key fault. Called once. */
  exit(detail: string, fault?: ProtectionFault): void;
}

/** Opens a channel: starts a worker thread or child process running the host entry. */
export type ChannelOpener = (events: ChannelEvents) => Channel;

interface Pending {
  readonly id: number;
  readonly call: TierCall;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  readonly onAbort: () => void;
  /** Where it runs; undefined while it queues. */
  slot: Slot | undefined;
}

interface Slot {
  state: 'starting' | 'idle' | 'busy' | 'dead';
  /** The current worker or process; events from an older one (killed, replaced) are ignored. */
  channel: Channel | undefined;
  running: Pending | undefined;
  /** Starts that failed in a row here, and when (`performance.now()`) the next may be tried. */
  failedStarts: number;
  retryAt: number;
}

const DEFAULT_START_TIMEOUT_MS = 30_000;
/** After a failed start, a slot waits this long before it is tried again, doubling up to the maximum. */
const START_RETRY_MS = 1_000;
const START_RETRY_MAX_MS = 30_000;

/** The `code` of the process warning a pool emits when one of its members fails to start while others run. */
export const POOL_START_FAILED = 'FAASTLANE_POOL_START_FAILED';

/**
 * The request, queue and heal logic of `WorkerPool` and `ProcessPool`, over a `Channel` that each
 * implements for its transport.
 *
 * - One call per worker or process at a time; further calls queue FIFO.
 * - A call's signal settles it at once with `signal.reason`; if it was running, its worker or process
 *   is killed (the only way to stop a runaway synchronous loop) and replaced.
 * - A worker or process that dies under a call rejects that call with `TierCrashError` and is replaced;
 *   queued calls go on on the healed pool.
 * - `close()` kills everything and rejects what is pending. Every call settles.
 */
export abstract class HostPool implements Tier {
  abstract readonly kind: TierKind;
  readonly capacity: number;

  private readonly slots: Slot[];
  private readonly queue: Pending[] = [];
  /** Loaded by every member before it is ready: a failure fails the member (and `start`). */
  private readonly startupFunctions: readonly FnRef[];
  /** Added by `preload()`: loaded by every member, later ones included, but never failing one. */
  private warmFunctions: readonly FnRef[] = [];
  private readonly startTimeoutMs: number;
  private readonly initial: number;
  private nextId = 1;
  private closed = false;
  /** Whether a member's failed start was reported (once: a retried start mostly fails alike). */
  private startFailureReported = false;
  /** Set while calls wait for a slot in its backoff (see `grow`). */
  private growTimer: ReturnType<typeof setTimeout> | undefined;

  protected constructor(
    options: PoolOptions,
    private readonly open: ChannelOpener,
    /** Whether the transport can move buffers (worker threads) or must copy them (processes). */
    private readonly canTransfer: boolean,
  ) {
    if (!Number.isInteger(options.size) || options.size < 1) throw new RangeError(`pool size must be a positive integer, got ${options.size}`);
    this.capacity = options.size;
    this.initial = options.initial ?? options.size;
    if (!Number.isInteger(this.initial) || this.initial < 1 || this.initial > options.size) {
      throw new RangeError(`a pool's initial members must be an integer from 1 to its size (${options.size}), got ${options.initial}`);
    }
    this.startupFunctions = options.preload ?? [];
    this.startTimeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
    this.slots = Array.from({ length: options.size }, (): Slot => ({ state: 'dead', channel: undefined, running: undefined, failedStarts: 0, retryAt: 0 }));
  }

  /** The workers or processes that are up and have answered `ready` (`worker 3`, `pid 1234`). */
  get members(): string[] {
    return this.slots.flatMap((s) => (s.channel && (s.state === 'idle' || s.state === 'busy') ? [s.channel.where] : []));
  }

  /** How many calls wait for a free worker or process. */
  get queued(): number {
    return this.queue.length;
  }

  /** Starts the initial workers or processes in parallel; resolves when all answered `ready`. On failure, kills them all and rejects. */
  protected async warm(): Promise<this> {
    const started = await Promise.allSettled(this.slots.slice(0, this.initial).map((slot) => this.launch(slot)));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await this.close();
      throw failed.reason;
    }
    return this;
  }

  call(call: TierCall): Promise<unknown> {
    if (this.closed) return Promise.reject(new TierCrashError(this.kind, 'pool', 'the pool is closed'));
    if (call.signal.aborted) return Promise.reject(call.signal.reason);
    return new Promise((resolve, reject) => {
      const pending: Pending = {
        id: this.nextId++,
        call,
        slot: undefined,
        resolve: (value) => {
          call.signal.removeEventListener('abort', pending.onAbort);
          resolve(value);
        },
        reject: (error) => {
          call.signal.removeEventListener('abort', pending.onAbort);
          reject(error);
        },
        onAbort: () => this.abort(pending),
      };
      call.signal.addEventListener('abort', pending.onAbort, { once: true });
      this.queue.push(pending);
      // Synchronous: with a free worker the input's buffers are moved before `call` returns.
      this.dispatch();
    });
  }

  /**
   * Loads these functions in every worker or process now (and in every later replacement), so that
   * their first call does not pay for importing their module. Does not wait: a call that comes first
   * waits for the same import.
   */
  async preload(fns: readonly FnRef[]): Promise<void> {
    const known = new Set([...this.startupFunctions, ...this.warmFunctions].map(fnKey));
    const fresh = fns.filter((f) => !known.has(fnKey(f)));
    if (fresh.length === 0 || this.closed) return;
    // Kept for later members too, as `warm`: one that does not load must not stop a replacement from starting.
    this.warmFunctions = [...this.warmFunctions, ...fresh];
    for (const slot of this.slots) if (slot.channel && (slot.state === 'idle' || slot.state === 'busy')) tellToWarm(slot.channel, fresh);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.growTimer);
    for (const pending of this.queue.splice(0)) pending.reject(new TierCrashError(this.kind, 'pool', 'the pool was closed before the call started'));
    const kills: Promise<void>[] = [];
    for (const slot of this.slots) {
      const { channel, running } = slot;
      slot.state = 'dead';
      slot.channel = undefined;
      slot.running = undefined;
      if (running) running.reject(new TierCrashError(this.kind, channel?.where ?? 'pool', 'the pool was closed during the call'));
      if (channel) {
        // Referenced while it dies: an idle member is unref'd, and a program whose last act is
        // `await rt.close()` would otherwise exit (code 13, top-level await unsettled) before the kill completes.
        channel.ref();
        kills.push(channel.kill());
      }
    }
    await Promise.all(kills);
  }

  /** Starts a worker or process in `slot`; resolves once it answered `ready`. */
  private launch(slot: Slot): Promise<void> {
    slot.state = 'starting';
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      const fail = (error: Error): void => {
        clearTimeout(timer);
        if (slot.channel === channel) {
          slot.channel = undefined;
          slot.state = 'dead';
        }
        reject(error);
      };
      const events: ChannelEvents = {
        message: (message) => {
          if (ready) {
            if (message.type === 'result' && slot.channel === channel) this.settle(slot, message.response);
            return;
          }
          if (message.type === 'ready') {
            if (slot.channel !== channel) return; // closed while it started: its kill is under way
            ready = true;
            clearTimeout(timer);
            slot.state = 'idle';
            channel.unref();
            // Up: what `preload()` asked for so far, including while it started (it tells only members that are up).
            if (this.warmFunctions.length > 0) tellToWarm(channel, this.warmFunctions);
            resolve();
            this.dispatch();
          } else if (message.type === 'failed') {
            fail(fromWireError(message.error));
            void channel.kill();
          }
        },
        exit: (detail, fault) => {
          // Before `ready` the launch settles whatever happened meanwhile (a close, say), so that its timer goes.
          if (!ready) fail(new TierCrashError(this.kind, channel.where, `${detail} before it was ready`, fault));
          else if (slot.channel === channel) this.died(slot, detail, fault);
        },
      };
      let channel: Channel;
      try {
        channel = this.open(events);
      } catch (error) {
        // The thread or process could not even be created (`new Worker` throws when the OS refuses a
        // thread; `fork` for some spawn errors): the slot is dead, and its backoff applies as for any failed start.
        slot.state = 'dead';
        reject(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      slot.channel = channel;
      const timer = setTimeout(() => {
        fail(new TierCrashError(this.kind, channel.where, `did not start within ${this.startTimeoutMs} ms`));
        void channel.kill();
      }, this.startTimeoutMs);
      try {
        channel.post({ type: 'init', preload: this.startupFunctions }, []);
      } catch (error) {
        fail(error instanceof Error ? error : new Error(String(error)));
        void channel.kill();
      }
    });
  }

  /** Starts a new worker or process in a slot whose one died or was killed. */
  private replace(slot: Slot): void {
    if (this.closed) return;
    this.launch(slot).then(
      () => {
        slot.failedStarts = 0;
        slot.retryAt = 0;
      },
      (error: unknown) => this.startFailed(slot, error),
    );
  }

  /**
   * A start in `slot` failed. The slot stays dead, and is tried again when calls queue, but not
   * before its backoff: a start that fails (a module that cannot load, a memory limit) mostly fails
   * again, and trying on every call that waits would spawn a worker or process per call.
   */
  private startFailed(slot: Slot, error: unknown): void {
    slot.failedStarts++;
    slot.retryAt = performance.now() + Math.min(START_RETRY_MAX_MS, START_RETRY_MS * 2 ** (slot.failedStarts - 1));
    if (this.closed) return;
    // With nothing left alive, the queued calls fail rather than wait forever.
    if (this.slots.every((s) => s.state === 'dead')) {
      for (const pending of this.queue.splice(0)) pending.reject(error);
      return;
    }
    const running = this.members.length;
    if (running > 0) this.reportStartFailure(error, running);
    // Calls still wait: try again once the backoff is over, not only when the next call comes or a
    // running one ends (the members may all be in long calls).
    if (this.queue.length > 0) this.grow();
  }

  /**
   * A member failed to start while others run: no call fails (they go on on the others), so without
   * a word the pool would run narrower than asked for, unseen. Reported once per pool, as a process
   * warning (printed to stderr unless the application listens for `warning` or runs with `--no-warnings`).
   */
  private reportStartFailure(error: unknown, running: number): void {
    if (this.startFailureReported) return;
    this.startFailureReported = true;
    const why = error instanceof Error ? error.message : String(error);
    process.emitWarning(`a ${this.kind} of the pool failed to start (${why}); calls go on on the ${running} of ${this.capacity} that run`, {
      code: POOL_START_FAILED,
    });
  }

  /** Hands queued calls to idle workers, first come first served. */
  private dispatch(): void {
    if (this.closed) return;
    while (this.queue.length > 0) {
      const slot = this.slots.find((s) => s.state === 'idle');
      if (!slot?.channel) break;
      const pending = this.queue.shift()!;
      const { call } = pending;
      const keep = call.keep;
      try {
        const transfer = call.transfer && this.canTransfer ? collectTransferables(call.input).filter((b) => !keep?.has(b)) : [];
        const request = { id: pending.id, fn: call.fn, input: call.input, ctx: call.ctx, ...(call.batch ? { batch: call.batch } : {}) };
        slot.channel.post({ type: 'call', request }, transfer);
      } catch (error) {
        // The input cannot be serialised (a function, a SharedArrayBuffer to a process...): nothing
        // was sent, the worker stays idle.
        pending.reject(error);
        continue;
      }
      slot.state = 'busy';
      slot.running = pending;
      pending.slot = slot;
      slot.channel.ref();
    }
    if (this.queue.length > 0) this.grow();
  }

  /**
   * Calls wait: starts members in slots that have none (never started, or lost for good), one per
   * waiting call that no member already starting will take.
   */
  private grow(): void {
    let wanted = this.queue.length;
    for (const slot of this.slots) if (slot.state === 'starting') wanted--;
    // Backoffs hold only while another member can take the calls: with none, waiting calls need a try
    // (whose failure fails them) rather than a wait for a member that may never come.
    const now = this.slots.some((s) => s.state !== 'dead') ? performance.now() : Number.POSITIVE_INFINITY;
    let nextTry = Number.POSITIVE_INFINITY;
    for (const slot of this.slots) {
      if (wanted <= 0) return;
      if (slot.state !== 'dead') continue;
      if (slot.retryAt > now) {
        nextTry = Math.min(nextTry, slot.retryAt);
        continue;
      }
      this.replace(slot);
      wanted--;
    }
    // Calls still wait: look again when a slot's backoff is over, in case no call settles before
    // (the members may all be in long calls).
    if (nextTry !== Number.POSITIVE_INFINITY) this.growLater(nextTry - now);
  }

  private growLater(ms: number): void {
    if (this.growTimer !== undefined) return;
    this.growTimer = setTimeout(() => {
      this.growTimer = undefined;
      if (!this.closed && this.queue.length > 0) this.grow();
    }, Math.max(0, ms));
    this.growTimer.unref();
  }

  private settle(slot: Slot, response: CallResponse): void {
    const pending = slot.running;
    if (!pending || pending.id !== response.id) return;
    slot.running = undefined;
    slot.state = 'idle';
    slot.channel?.unref();
    if (response.ok) {
      if (response.ran) pending.call.onRan?.(response.ran);
      pending.resolve(response.output);
    }
    else pending.reject(fromWireError(response.error));
    this.dispatch();
  }

  /** The call's signal fired: settle it now; if it runs, kill its worker (the only sure way to stop it) and start another. */
  private abort(pending: Pending): void {
    const reason: unknown = pending.call.signal.reason;
    const slot = pending.slot;
    if (!slot) {
      const at = this.queue.indexOf(pending);
      if (at >= 0) this.queue.splice(at, 1);
      pending.reject(reason);
      return;
    }
    if (slot.running !== pending) return;
    const channel = slot.channel;
    slot.running = undefined;
    slot.channel = undefined;
    pending.reject(reason);
    if (channel) void channel.kill();
    this.replace(slot);
  }

  /** The worker or process in `slot` is gone: fail its call, start another. */
  private died(slot: Slot, detail: string, fault: ProtectionFault | undefined): void {
    const channel = slot.channel;
    const pending = slot.running;
    slot.channel = undefined;
    slot.running = undefined;
    slot.state = 'dead';
    if (pending) pending.reject(new TierCrashError(this.kind, channel?.where ?? 'pool', detail, fault));
    this.replace(slot);
  }
}

/**
 * Tells a member that is up to import `fns` ahead of their first call. A member gone meanwhile is
 * left to its exit (its replacement loads them at start).
 */
function tellToWarm(channel: Channel, fns: readonly FnRef[]): void {
  try {
    channel.post({ type: 'warm', fns }, []);
  } catch {
    // Gone: its exit is on its way.
  }
}

/**
 * The URL of a host entry script (`worker-main.js`, `process-main.js`), which must be compiled
 * JavaScript: worker threads and child processes cannot load TypeScript.
 *
 * From `dist` (the package as built or installed) the entry sits beside this module. When this module
 * is itself loaded from `src` (vitest compiles TypeScript on the fly), the entry is taken from the
 * package's `dist` instead, found relative to the package root: run `tsc -b` first.
 */
export function hostEntry(file: string): URL {
  const here = import.meta.url;
  const fromSource = here.endsWith('.ts');
  const url = fromSource ? new URL(`../../dist/tiers/${file}`, here) : new URL(`./${file}`, here);
  if (!existsSync(fileURLToPath(url))) {
    throw new Error(`${fileURLToPath(url)} is missing${fromSource ? ': build the package (npx tsc -b) before loading pools from source' : ''}`);
  }
  return url;
}

/**
 * The parent's Node options that a worker or child process should inherit: loaders and flags carry
 * over, but not what only made sense for the parent's own entry (`-e`/`-p` code and its
 * `--input-type`, which would make the host entry fail) nor `--inspect*` (its port would clash).
 */
export function inheritedExecArgv(argv: readonly string[] = process.execArgv): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '-e' || arg === '--eval' || arg === '-p' || arg === '--print') {
      i++; // and its code
      continue;
    }
    if (/^--(eval|print)=/.test(arg) || /^--input-type(=|$)/.test(arg) || /^--(inspect|debug)/.test(arg)) {
      // These three may take their value as the next argument.
      if (arg === '--input-type' || arg === '--inspect-port' || arg === '--debug-port') i++;
      continue;
    }
    out.push(arg);
  }
  return out;
}
