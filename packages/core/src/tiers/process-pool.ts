import { fork, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseFaultReport } from '@faastlane/native-mpk';
import type { FromHost } from './protocol.js';
import { HostPool, hostEntry, inheritedExecArgv, type Channel, type ChannelEvents, type PoolOptions } from './pool.js';
import type { ProtectionFault } from './tier.js';

/** Options of `ProcessPool.start`. */
export interface ProcessPoolOptions extends PoolOptions {
  /**
   * Node options of each child (`--max-old-space-size=64`, say). Defaults to the parent's
   * (`process.execArgv`, as `fork` does, so that loaders like `--import tsx` carry over), less
   * `--inspect*` flags, whose port would clash with the parent's.
   */
  readonly execArgv?: readonly string[];
  /** Environment of each child; defaults to the parent's. */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * A pool of child processes that run declared functions each in its own address space (for
 * `isolation: 'process'`, or `'domain'` where MPK is absent). Inputs and outputs cross the IPC channel
 * with v8 serialisation: buffers are copied (nothing can be moved between processes). Shared memory
 * does not cross either: a typed array over a `SharedArrayBuffer` arrives as a copy over a plain buffer
 * (the child's writes are not seen by the caller), and a bare `SharedArrayBuffer` cannot be sent at all
 * (the call rejects). Functions that communicate through shared memory belong on worker threads.
 *
 * Same behaviour as `WorkerPool` otherwise: one call per process at a time, FIFO queue, a fired signal
 * kills and replaces the process, a process that dies under a call (killed, `process.exit()`, crash)
 * fails that call with `TierCrashError` and is replaced.
 *
 * Children never outlive the parent: the pool kills them on `close()`, every live child is killed when
 * the parent exits, and a child exits by itself when its IPC channel disconnects (the parent was killed).
 */
export class ProcessPool extends HostPool {
  readonly kind = 'child-process' as const;

  private constructor(options: ProcessPoolOptions) {
    super(options, (events) => openProcess(fileURLToPath(hostEntry('process-main.js')), options, events), false);
  }

  /**
   * Starts `initial` (default `size`) processes in parallel; resolves once every one is up and has
   * loaded `preload` (warm before first use). The rest start as calls queue for them.
   */
  static async start(options: ProcessPoolOptions): Promise<ProcessPool> {
    return new ProcessPool(options).warm();
  }
}

/**
 * The child's file descriptor that `faultReports` opens: a pipe whose other end the parent reads, where
 * the addon reports a fatal protection-key fault before the process dies (fds 0-2 are stdio, 3 the IPC channel).
 */
export const FAULT_REPORT_FD = 4;

/**
 * Forks a host entry and makes a `Channel` of it. With `faultReports`, the child gets a pipe at
 * {@link FAULT_REPORT_FD} and a death after a fault report on it is reported as that protection fault.
 */
export function openProcess(entry: string, options: ProcessPoolOptions, events: ChannelEvents, faultReports = false): Channel {
  const child = fork(entry, [], {
    serialization: 'advanced',
    execArgv: options.execArgv ? [...options.execArgv] : inheritedExecArgv(),
    ...(options.env ? { env: options.env } : {}),
    ...(faultReports ? { stdio: ['inherit', 'inherit', 'inherit', 'ipc', 'pipe'] } : {}),
  });
  // A pipe is a socket: like the IPC channel, it must not keep the parent alive while the child idles.
  const reportPipe = faultReports ? (child.stdio[FAULT_REPORT_FD] as (Readable & { ref?(): void; unref?(): void }) | null | undefined) : undefined;
  const reports = faultReports ? collectReports(reportPipe) : undefined;
  track(child);
  const where = child.pid === undefined ? 'child process' : `pid ${child.pid}`;
  let fatal: string | undefined;
  let gone = false;
  const exited = new Promise<void>((resolve) => {
    const end = (detail: string): void => {
      if (gone) return;
      gone = true;
      resolve();
      const fault = reports?.fault();
      events.exit(fatal ? `${detail} after uncaught ${fatal}` : fault ? `${detail} after a protection-key fault on key ${fault.pkey} at ${fault.address}` : detail, fault);
    };
    // 'close' rather than 'exit': it comes after the last IPC message has been read.
    child.once('close', (code, signal) => end(signal ? `was killed by ${signal}` : `exited with code ${code}`));
    // A child that could not be spawned never emits 'close'.
    child.once('error', (error) => {
      if (child.pid === undefined) end(`could not be started: ${error.message}`);
    });
  });
  child.on('message', (message: FromHost) => {
    if (message.type === 'fatal') fatal = `${message.error.name}: ${message.error.message}`;
    else events.message(message);
  });
  return {
    where,
    post: (message) => {
      // A send error (the channel closed under it) surfaces as the child's exit.
      child.send(message, (error) => {
        if (error) child.kill('SIGKILL');
      });
    },
    kill: async () => {
      if (!gone) child.kill('SIGKILL');
      await exited;
    },
    ref: () => {
      child.ref();
      child.channel?.ref();
      reportPipe?.ref?.();
    },
    unref: () => {
      child.unref();
      child.channel?.unref();
      reportPipe?.unref?.();
    },
  };
}

/** Reads what a child writes on its fault-report pipe (a line or two at most; the rest is dropped). */
function collectReports(pipe: Readable | null | undefined): { fault(): ProtectionFault | undefined } {
  let text = '';
  pipe?.setEncoding('utf8');
  pipe?.on('data', (chunk: string) => {
    if (text.length < 4096) text += chunk;
  });
  // A reader that failed leaves only the exit to report; it must not crash the parent.
  pipe?.on('error', () => undefined);
  return {
    fault: () => {
      const report = parseFaultReport(text);
      return report && { pkey: report.pkey, domain: report.domain, address: `0x${report.address.toString(16)}` };
    },
  };
}

/** Every child of every pool still alive: killed when the parent exits, so that none outlives it. */
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function track(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of liveChildren) c.kill('SIGKILL');
    });
  }
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
  child.once('error', () => {
    if (child.pid === undefined) liveChildren.delete(child);
  });
}
