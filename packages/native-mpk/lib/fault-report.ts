/**
 * Reports of fatal protection-key faults, for whoever supervises a process that runs domains.
 *
 * A guarded accessor turns a fault into an error, but plain JavaScript touching another domain's heap
 * faults inside JIT or interpreter code, where nothing can be safely unwound: the process dies of
 * SIGSEGV. Before it does, the addon's signal handler writes one line to the file descriptor given to
 * {@link reportFaultsTo}, and the supervisor (reading the other end of a pipe) parses it with
 * {@link parseFaultReport} to say which domain's memory was touched.
 */
import { nativeBinding } from './load.js';

/** What the addon reports about a fatal protection-key fault. */
export interface FaultReport {
  /** The protection key of the memory that was touched. */
  readonly pkey: number;
  /** The faulting address. */
  readonly address: bigint;
  /** The domain that owns the key (its name), or `undefined` when the key is not the addon's. */
  readonly domain: string | undefined;
}

/** First word of a report line (src/fault.h `kFaultReportPrefix`). */
export const FAULT_REPORT_PREFIX = 'faastlane-mpk-fault';

/**
 * From now on, report a fatal (unguarded) protection-key fault on `fd` as one line before the process
 * dies; `-1` stops reporting. Returns `false` (and does nothing) where the addon is not loaded: no
 * domain can exist then, so no such fault can happen.
 */
export function reportFaultsTo(fd: number): boolean {
  const binding = nativeBinding();
  if (!binding) return false;
  binding.reportFaultsTo(fd);
  return true;
}

const LINE = new RegExp(`^${FAULT_REPORT_PREFIX} pkey=(\\d+) address=0x([0-9a-f]+) domain=(.*)$`);

/** The first fault report in `text` (what was read from the report pipe), or `undefined`. */
export function parseFaultReport(text: string): FaultReport | undefined {
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (m) return { pkey: Number(m[1]), address: BigInt(`0x${m[2]}`), domain: m[3] ? m[3] : undefined };
  }
  return undefined;
}
