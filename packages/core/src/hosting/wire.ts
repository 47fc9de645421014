/**
 * What crosses a boundary (worker thread, child process, container) when a function is called
 * there. The same shapes serve every tier; only the encoding differs (structured clone with
 * transfers, v8 serialisation over IPC, v8 or JSON over HTTP).
 */

/** Names a function so that another thread or process can load it: the module that declares it, and its name. */
export interface FnRef {
  readonly module: string;
  readonly name: string;
}

/** One string per function, for sets and maps of loaded functions. */
export const fnKey = (fn: FnRef): string => `${fn.module}#${fn.name}`;

/** The parts of `FnContext` that can cross a boundary (the signal cannot: cancellation is a message). */
export interface WireContext {
  readonly runId: string;
  readonly workflow: string;
  readonly stepPath: string;
  readonly attempt: number;
}

export interface CallRequest {
  readonly id: number;
  readonly fn: FnRef;
  readonly input: unknown;
  readonly ctx: WireContext;
  /**
   * A batch: `input` is an array of items, each run in turn with the step path at the same index; the
   * output is a `BatchOutput`. One message carries many small calls of a `map` (the paper's chunked
   * fork of a Map state), so that a hop costs once per chunk, not once per item.
   */
  readonly batch?: readonly string[];
}

/** What a batch call returns: each item's output and when it ran where it ran (its time is the span's length). */
export interface BatchOutput {
  readonly outputs: unknown[];
  readonly ran: WireSpan[];
}

/** The error of a batch call names the item that failed (the items before it succeeded, the rest did not run). */
export interface BatchFailure {
  readonly item: number;
}

/**
 * When a function ran, where it ran, as it crosses a boundary: ms since the epoch, read as
 * `performance.timeOrigin + performance.now()` so that the threads and processes of one machine
 * agree. The runtime turns it into a `RanSpan` on its own clock ({@link spanHere}).
 */
export interface WireSpan {
  readonly start: number;
  readonly end: number;
}

/** `performance.timeOrigin` is fixed for a thread: read once, so that a stamp costs one clock read. */
const timeOrigin = performance.timeOrigin;

/**
 * The clock of `WireSpan`. A double near 1.8e12 ms resolves 2^-12 ms (about 0.24 us), which is why
 * spans on the runtime's own thread stay on `performance.now()` (see `RanSpan`).
 */
export const wallClock = (): number => wallClockAt(performance.now());

/** `wallClock()` at `now`, a `performance.now()` already read (one clock read serves both clocks). */
export const wallClockAt = (now: number): number => timeOrigin + now;

/** A span stamped elsewhere, on this thread's `performance.now()` clock (the clock of `RanSpan`). */
export const spanHere = (span: WireSpan): { start: number; end: number } => ({ start: span.start - timeOrigin, end: span.end - timeOrigin });

export type CallResponse =
  | { readonly id: number; readonly ok: true; readonly output: unknown; readonly ran?: WireSpan }
  | { readonly id: number; readonly ok: false; readonly error: WireError };

/** An error as it crosses a boundary: enough to rebuild a useful `Error` on the other side. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  readonly code?: string;
  /** In a batch, the index of the item that failed. */
  readonly item?: number;
  /** The protection domain an isolation error names. */
  readonly domain?: string;
}

export function toWireError(error: unknown): WireError {
  if (error instanceof Error) {
    const { code, domain } = error as { code?: unknown; domain?: unknown };
    return {
      name: error.name,
      message: error.message,
      stack: error.stack,
      ...(typeof code === 'string' ? { code } : {}),
      ...(typeof domain === 'string' ? { domain } : {}),
    };
  }
  return { name: 'Error', message: typeof error === 'string' ? error : safeString(error) };
}

/** An error thrown by a function on the other side of a boundary, rebuilt here with its name, message and stack. */
export class RemoteError extends Error {
  readonly code: string | undefined;
  /** In a batch, the index of the item that failed. */
  readonly item: number | undefined;
  /** The protection domain an isolation error named. */
  readonly domain: string | undefined;

  constructor(wire: WireError) {
    super(wire.message);
    this.name = wire.name;
    this.code = wire.code;
    this.item = wire.item;
    this.domain = wire.domain;
    if (wire.stack) this.stack = wire.stack;
  }
}

export function fromWireError(wire: WireError): RemoteError {
  return new RemoteError(wire);
}

function safeString(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
