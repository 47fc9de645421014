/**
 * `@faastlane/native-mpk`: Intel Memory Protection Keys for Node.js.
 *
 * - {@link capabilities}: whether MPK works in this process, and precisely why not.
 * - {@link createDomain}: protection domains, each with a key and a protected heap.
 * - Guarded accessors that turn a protection fault into a {@link ProtectionFaultError}.
 * - {@link reportFaultsTo}: a fatal (unguarded) fault is reported to a supervisor before the process dies.
 *
 * Importing this module never throws; without the native addon everything reports unavailable.
 * @packageDocumentation
 */
export { capabilities } from './capabilities.js';
export { addonStatus, platformSupport, resolveAddonPath, ADDON_PATH_ENV, DEFAULT_ADDON_PATH } from './load.js';
export {
  createDomain,
  currentDomain,
  guardedCopy,
  guardedRead,
  guardedWrite,
  handleOf,
  ownerOf,
  readPkru,
  threadRights,
  viewOf,
  DomainScope,
  ProtectionDomain,
} from './domain.js';
export type { DomainOptions, ShareAccess, ShareSpec } from './domain.js';
export { emulatedCpu, measureDomainCosts } from './costs.js';
export type { DomainCosts, NoDomainCosts } from './costs.js';
export { FAULT_REPORT_PREFIX, parseFaultReport, reportFaultsTo } from './fault-report.js';
export type { FaultReport } from './fault-report.js';
export {
  AllocationError,
  DomainAccessError,
  DomainAsyncRunError,
  DomainClosedError,
  DomainUsageError,
  KeyExhaustedError,
  MpkError,
  MpkUnavailableError,
  ProtectionFaultError,
} from './errors.js';
export type { MpkErrorCode } from './errors.js';
export type {
  AddonStatus,
  BinaryLike,
  HeapStats,
  KeyRights,
  MemoryHandle,
  MemoryOwner,
  MpkCapabilities,
  ThreadKeyRights,
} from './types.js';
