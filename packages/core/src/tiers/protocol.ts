import type { CallRequest, CallResponse, FnRef, WireError } from '../hosting/wire.js';

/**
 * The messages between a pool and the host it runs in a worker thread or child process. The same
 * messages serve both; only the transport differs (structured clone with transfers on a worker
 * port, v8 serialisation over the IPC channel of a process).
 */

/** Pool -> host. */
export type ToHost =
  /** First message: load `preload`, then answer `ready` (or `failed`: the member is useless). */
  | { readonly type: 'init'; readonly preload: readonly FnRef[] }
  /** Once `ready`: load these too, ahead of their first call (`Tier.preload`). Not answered; a failure fails nothing (the first call reports it). */
  | { readonly type: 'warm'; readonly fns: readonly FnRef[] }
  /** Run one function call. The pool sends one at a time per host. */
  | { readonly type: 'call'; readonly request: CallRequest };

/** Host -> pool. */
export type FromHost =
  | { readonly type: 'ready' }
  /** Preloading failed: the host is useless, and the pool does not start. */
  | { readonly type: 'failed'; readonly error: WireError }
  | { readonly type: 'result'; readonly response: CallResponse }
  /** An uncaught error is about to end the host (processes only: a worker's parent sees the error itself). */
  | { readonly type: 'fatal'; readonly error: WireError };
