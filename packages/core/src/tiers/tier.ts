import type { FnRef, WireSpan, WireContext } from '../hosting/wire.js';

/** One call of a function on a tier. */
export interface TierCall {
  readonly fn: FnRef;
  readonly input: unknown;
  readonly ctx: WireContext;
  /**
   * Fires when the step times out or the run is cancelled. The tier must then settle the call at
   * once (rejecting with `signal.reason`) and stop the function: a runaway function on a worker or in
   * a process is terminated and its worker or process replaced.
   */
  readonly signal: AbortSignal;
  /**
   * Move (transfer) the buffers found in `input` instead of copying them, except those in `keep`
   * (the shared input of `parallel` branches, say, which is copied; a `SharedArrayBuffer` is shared).
   * Unset when the call may be retried with the same input. Outputs are always moved back.
   */
  readonly transfer: boolean;
  /** Buffers never to move, even when `transfer` is set: something else may still read them. */
  readonly keep?: ReadonlySet<ArrayBuffer>;
  /**
   * A batch of calls of the same function (worker threads and child processes only): `input` is the
   * array of items, `batch` their step paths, and the call resolves to a `BatchOutput`.
   */
  readonly batch?: readonly string[];
  /** Told when and how long the function ran where it ran (not for batches: `BatchOutput.ran`). */
  readonly onRan?: (span: WireSpan) => void;
}

/**
 * Somewhere functions run outside the calling thread: a pool of worker threads, a pool of child
 * processes, a set of containers. The executor hands a tier one call at a time; the tier queues
 * calls beyond its capacity.
 *
 * A call rejects with: the function's own error (rebuilt as `RemoteError` when it crossed a
 * boundary), `TierCrashError` when the worker, process or container died under it, or
 * `signal.reason` when the signal fired. The executor turns these into typed step errors.
 */
export interface Tier {
  /** `worker-thread`, `child-process`, `domain-host`, `container`. */
  readonly kind: TierKind;
  /** How many calls run at once (the rest queue). */
  readonly capacity: number;
  call(call: TierCall): Promise<unknown>;
  /** Loads these functions ahead of their first call where the tier can (containers started, modules imported). */
  preload?(fns: readonly FnRef[]): Promise<void>;
  /** Stops every worker, process or container; pending calls reject. */
  close(): Promise<void>;
}

export type TierKind = 'worker-thread' | 'child-process' | 'domain-host' | 'container';

/**
 * A protection-key fault that killed a process running protection domains, as its signal handler
 * reported it just before the process died (see `@faastlane/native-mpk` `reportFaultsTo`).
 */
export interface ProtectionFault {
  readonly pkey: number;
  /** The domain whose memory was touched, when the key was one of the addon's. */
  readonly domain: string | undefined;
  /** The faulting address, `0x...`. */
  readonly address: string;
}

/** The worker, process or container running a call died (crash, `process.exit`, out of memory, killed). */
export class TierCrashError extends Error {
  constructor(
    readonly tier: TierKind,
    /** Which worker, process or container: e.g. `worker 3`, `pid 1234`, `http://127.0.0.1:4001`. */
    readonly where: string,
    detail: string,
    /** Set when it died of a protection-key fault (plain code touching another domain's memory). */
    readonly protectionFault?: ProtectionFault,
  ) {
    super(`${tier} ${where} died: ${detail}`);
    this.name = 'TierCrashError';
  }
}
