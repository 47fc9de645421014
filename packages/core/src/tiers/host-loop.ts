import { FunctionHost } from '../hosting/function-host.js';
import { toWireError, type BatchOutput, type CallRequest, type CallResponse, type FnRef, type WireSpan } from '../hosting/wire.js';
import type { FromHost, ToHost } from './protocol.js';
import { collectTransferables } from './transferables.js';

/** The transport a host answers on: a worker's `parentPort`, or a child process's IPC channel. */
export interface HostPort {
  /** Sends a message; `transfer` lists buffers to move (ignored where moving is impossible). Throws when the message cannot be serialised. */
  post(message: FromHost, transfer: readonly ArrayBuffer[]): void;
  listen(handler: (message: ToHost) => void): void;
}

/**
 * Serves a pool from inside a worker thread or child process: answers `init` with `ready` once the
 * preloaded functions are loaded, and each `call` with a `result`; loads what `warm` names.
 *
 * Cancellation is not a message: the pool terminates the whole worker or process (a synchronous
 * runaway loop could not be interrupted otherwise), so the signal a function sees here never fires.
 */
export function serveHost(port: HostPort, host: FunctionHost = new FunctionHost()): void {
  const neverAborted = new AbortController().signal;

  const init = async (preload: readonly FnRef[]): Promise<void> => {
    try {
      await Promise.all(preload.map((fn) => host.load(fn)));
    } catch (error) {
      port.post({ type: 'failed', error: toWireError(error) }, []);
      return;
    }
    port.post({ type: 'ready' }, []);
  };

  /** Loads functions ahead of their first call. A call that comes first waits for the same import; a failed one is tried again at its first call. */
  const warmUp = (fns: readonly FnRef[]): void => {
    for (const fn of fns) host.load(fn).catch(() => undefined);
  };

  /** Runs the items of a batch in turn; a failure names its item. */
  const batch = async (request: CallRequest, paths: readonly string[]): Promise<BatchOutput> => {
    const items = request.input as readonly unknown[];
    const outputs: unknown[] = [];
    const ran: WireSpan[] = [];
    for (let i = 0; i < items.length; i++) {
      try {
        const done = await host.call(request.fn, items[i], { ...request.ctx, stepPath: paths[i] ?? request.ctx.stepPath }, neverAborted);
        outputs.push(done.output);
        ran.push(done.ran);
      } catch (error) {
        throw new BatchItemError(i, error);
      }
    }
    return { outputs, ran };
  };

  const call = async (request: CallRequest): Promise<void> => {
    let failure: CallResponse;
    let ran: WireSpan | undefined;
    try {
      let output: unknown;
      if (request.batch) output = await batch(request, request.batch);
      else ({ output, ran } = await host.call(request.fn, request.input, request.ctx, neverAborted));
      try {
        // Outputs are always moved back: the function hands its result over and keeps no claim on it.
        port.post({ type: 'result', response: { id: request.id, ok: true, output, ...(ran ? { ran } : {}) } }, collectTransferables(output));
        return;
      } catch (error) {
        failure = { id: request.id, ok: false, error: toWireError(cannotSend(request, error)) };
      }
    } catch (error) {
      failure = {
        id: request.id,
        ok: false,
        error: error instanceof BatchItemError ? { ...toWireError(error.cause), item: error.item } : toWireError(error),
      };
    }
    port.post({ type: 'result', response: failure }, []);
  };

  port.listen((message) => {
    if (message.type === 'init') void init(message.preload);
    else if (message.type === 'warm') warmUp(message.fns);
    else void call(message.request);
  });
}

/** A batch item's own error, with the index that lets the caller name the item's step. */
class BatchItemError extends Error {
  constructor(
    readonly item: number,
    override readonly cause: unknown,
  ) {
    super(`item ${item} failed`);
  }
}

function cannotSend(request: CallRequest, error: unknown): Error {
  const reason = error instanceof Error ? error.message : String(error);
  const wrapped = new Error(`the output of "${request.fn.name}" cannot be sent back: ${reason}`);
  wrapped.name = 'DataCloneError';
  return wrapped;
}
