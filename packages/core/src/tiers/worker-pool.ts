import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { FromHost } from './protocol.js';
import { HostPool, hostEntry, inheritedExecArgv, type Channel, type ChannelEvents, type PoolOptions } from './pool.js';

/** Options of `WorkerPool.start`. */
export interface WorkerPoolOptions extends PoolOptions {
  /**
   * Memory limits of each worker. A worker that exceeds them dies (its call fails with
   * `TierCrashError`) and is replaced; the rest of the process is unaffected.
   */
  readonly resourceLimits?: ResourceLimits;
  /** Node options of each worker; defaults to the parent's (`process.execArgv`), as `Worker` does. */
  readonly execArgv?: readonly string[];
}

/**
 * A pool of worker threads that run declared functions in parallel with the calling thread, in the
 * same process: inputs and outputs cross by structured clone, and their `ArrayBuffer`s are moved
 * (transferred), not copied, where the call allows it. `SharedArrayBuffer`s are shared.
 *
 * Each worker runs one call at a time; further calls queue. A call whose signal fires is rejected at
 * once and its worker terminated and replaced; a worker that dies under a call (uncaught error,
 * `process.exit()`, out of memory) fails that call with `TierCrashError` and is replaced.
 */
export class WorkerPool extends HostPool {
  readonly kind = 'worker-thread' as const;

  private constructor(options: WorkerPoolOptions) {
    super(options, openWorker.bind(null, hostEntry('worker-main.js'), options), true);
  }

  /**
   * Starts `initial` (default `size`) workers in parallel; resolves once every one is up and has
   * loaded `preload` (warm before first use). The rest start as calls queue for them.
   */
  static async start(options: WorkerPoolOptions): Promise<WorkerPool> {
    return new WorkerPool(options).warm();
  }
}

function openWorker(entry: URL, options: WorkerPoolOptions, events: ChannelEvents): Channel {
  const worker = createWorker(entry, options);
  const where = `worker ${worker.threadId}`;
  let error: Error | undefined;
  let gone = false;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('message', (message: FromHost) => events.message(message));
  // 'error' (an uncaught exception, running out of memory) comes before 'exit': keep it for the detail.
  worker.on('error', (e) => {
    error = e;
  });
  worker.on('messageerror', (e) => {
    error = e;
    void worker.terminate();
  });
  worker.once('exit', (code) => {
    gone = true;
    events.exit(error ? describe(error) : `exited with code ${code}`);
  });
  return {
    where,
    post: (message, transfer) => worker.postMessage(message, transfer as ArrayBuffer[]),
    kill: async () => {
      if (!gone) await worker.terminate();
      await exited;
    },
    ref: () => worker.ref(),
    unref: () => worker.unref(),
  };
}

function describe(error: Error): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'ERR_WORKER_OUT_OF_MEMORY') return `ran out of memory (${error.message})`;
  return `uncaught ${error.name}: ${error.message}`;
}

/** The parent's flags that workers refused: the same for every worker of this process, so found once. */
const refusedByWorkers = new Set<string>();

/**
 * A worker with the parent's Node options, less those a worker refuses. Workers reject process-wide
 * flags (V8 heap sizes, say) when they are passed explicitly, and which ones those are is only known by
 * asking: Node names them in the error, so they are dropped and the worker created again (and left out
 * of every later worker, replacements included).
 */
function createWorker(entry: URL, options: WorkerPoolOptions): Worker {
  let execArgv = options.execArgv ? [...options.execArgv] : inheritedExecArgv().filter((arg) => !refusedByWorkers.has(arg));
  for (;;) {
    try {
      return new Worker(entry, { ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}), execArgv });
    } catch (error) {
      const refused = (error as { code?: string }).code === 'ERR_WORKER_INVALID_EXEC_ARGV' ? refusedFlags(error as Error, execArgv) : [];
      if (refused.length === 0 || options.execArgv) throw error;
      for (const flag of refused) refusedByWorkers.add(flag);
      execArgv = execArgv.filter((arg) => !refused.includes(arg));
    }
  }
}

/** The flags a worker refused, from Node's message ("... invalid execArgv flags: --a=1, --b"). */
function refusedFlags(error: Error, execArgv: readonly string[]): string[] {
  const listed = error.message.split(':').slice(1).join(':');
  return execArgv.filter((arg) => listed.includes(arg));
}
