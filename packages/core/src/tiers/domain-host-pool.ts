import { fileURLToPath } from 'node:url';
import { HostPool, hostEntry } from './pool.js';
import { openProcess, type ProcessPoolOptions } from './process-pool.js';

/**
 * The supervised home of a runtime's `isolation: 'domain'` functions where MPK is available: child
 * processes that each run every domain function of the runtime, each in its own protection domain
 * (`domain-host-main.js`). One process isolates many functions from each other by protection keys,
 * where the process fallback needs one process per function.
 *
 * Why a child and not the runtime's own process: a guarded access to another domain's memory is an
 * error the function sees, but plain JavaScript touching it faults in JIT code, and a process cannot
 * safely go on from that. Here the process that dies is the host, not the application: its signal
 * handler reports the fault on a pipe first, and the call fails with a `TierCrashError` carrying that
 * `protectionFault` (the runtime reports it as `IsolationViolationError` for the step). The host is
 * replaced; the domains of the new one are created again as it loads the functions.
 *
 * Otherwise as `ProcessPool`: inputs and outputs are copied over IPC, one call per process at a time,
 * a fired signal kills and replaces the process.
 */
export class DomainHostPool extends HostPool {
  readonly kind = 'domain-host' as const;

  private constructor(options: ProcessPoolOptions) {
    super(options, (events) => openProcess(fileURLToPath(hostEntry('domain-host-main.js')), options, events, true), false);
  }

  /**
   * Starts `initial` (default `size`) host processes; resolves once every one is up and has loaded
   * (and created the domains of) `preload`. The rest start as calls queue for them.
   */
  static async start(options: ProcessPoolOptions): Promise<DomainHostPool> {
    return new DomainHostPool(options).warm();
  }
}
