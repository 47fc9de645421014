/**
 * What this process can do with Memory Protection Keys, as measured by {@link capabilities}.
 *
 * Every field is a measurement, not a guess: CPUID for the CPU and OS bits, `pkey_alloc` for
 * whether the kernel hands out keys.
 */
export interface MpkCapabilities {
  /** True when protection domains can be created in this process now or the addon already holds keys. */
  available: boolean;
  /**
   * `'ok'` when available; otherwise exactly why not, e.g.
   * `'addon not built: <why>'`, `'unsupported platform: darwin-arm64 (...)'`,
   * `'CPU lacks PKU (CPUID.7.0:ECX bit 3)'`, `'OS has not enabled PKU (no OSPKE, CPUID.7.0:ECX bit 4)'`,
   * `'pkey_alloc failed: ENOSPC (...)'`, `'pkey_alloc failed: EINVAL'`, `'pkey_alloc failed: ENOSYS'`.
   */
  reason: string;
  /**
   * The CPU supports protection keys (CPUID.7.0:ECX bit 3). Without the addon this comes from the
   * `pku` flag of /proc/cpuinfo (false where that file does not exist).
   */
  cpuPku: boolean;
  /** The OS enabled protection keys (CPUID.7.0:ECX bit 4, OSPKE; /proc/cpuinfo `ospke` without the addon). */
  osPke: boolean;
  /** The errno name of the probe's failed `pkey_alloc` (`'ENOSPC'`, `'EINVAL'`, `'ENOSYS'`, ...), when it failed. */
  pkeyAllocErrno?: string;
  /** How many more keys the addon could allocate right now (0 when unavailable). */
  freeKeys: number;
  /** Whether the native addon is loaded in this process. */
  addonLoaded: boolean;
  /** `process.platform` and `process.arch`, e.g. `'linux-x64'`. */
  platform: string;
}

/** Whether the native addon is loaded, and if not, why. */
export type AddonStatus =
  | { loaded: true; path: string }
  | {
      loaded: false;
      /** `'addon not built: ...'` or `'unsupported platform: ...'`. */
      reason: string;
      /** The file the loader looked for, when it looked for one. */
      path?: string;
    };

/** Usage of one domain's protected heap. */
export interface HeapStats {
  /** Bytes of pages mapped with the domain's key. */
  mappedBytes: number;
  /** Bytes handed out to live buffers (rounded up to 16-byte blocks). */
  usedBytes: number;
  /** Live buffers (not yet garbage-collected). */
  allocations: number;
  /** Separate mappings backing the heap. */
  chunks: number;
}

/** Access to a key as the calling thread's PKRU register grants it. */
export type KeyRights = 'read-write' | 'read' | 'none';

/** One of the addon's keys as the calling thread sees it (see {@link threadRights}). */
export interface ThreadKeyRights {
  pkey: number;
  /** The name of the domain that owns the key ('' while a probe holds it). */
  domain: string;
  rights: KeyRights;
}

/** Which domain's heap holds some bytes (see {@link ownerOf}). */
export interface MemoryOwner {
  domain: string;
  pkey: number;
}

/** @internal The capability object the addon returns: the loader adds `addonLoaded` and `platform`. */
export interface NativeCapabilities extends Omit<MpkCapabilities, 'addonLoaded' | 'platform'> {
  leaf7Ecx: number;
  ownedKeys: number;
}

/** @internal A domain object of the addon. */
export interface NativeDomain {
  readonly id: number;
  readonly name: string;
  readonly pkey: number;
  readonly closed: boolean;
  alloc(byteLength: number): ArrayBuffer;
  close(): void;
  stats(): HeapStats;
  contains(view: BinaryLike): boolean;
}

/** Anything whose bytes the guarded accessors can address. */
export type BinaryLike = ArrayBuffer | ArrayBufferView;

/**
 * Names bytes of a protected heap so that another thread (a worker) can view the same memory: a plain
 * object, so it crosses `postMessage` as is. It keeps nothing alive by itself: the memory stays while
 * some view of it does, so keep one until the receiver has called `viewOf`.
 */
export interface MemoryHandle {
  /** The block (never reused in this process, so a stale handle is detected, not misread). */
  readonly id: number;
  readonly offset: number;
  readonly length: number;
  /** The domain whose heap holds it. */
  readonly domain: string;
}

/** @internal The addon's exports (src/addon.cc). */
export interface NativeBinding {
  abiVersion: number;
  capabilities(): NativeCapabilities;
  NativeDomain: new (name: string, shares: Array<{ domain: NativeDomain; readOnly: boolean }>) => NativeDomain;
  enter(domain: NativeDomain): number;
  leave(ticket: number): void;
  currentDomain(): { id: number; name: string; pkey: number; depth: number } | null;
  threadRights(): ThreadKeyRights[];
  pkru(): number;
  ownerOf(view: BinaryLike): MemoryOwner | null;
  guardedRead(view: BinaryLike, offset?: number, length?: number): Uint8Array;
  guardedWrite(view: BinaryLike, offset: number, bytes: BinaryLike): void;
  guardedCopy(dst: BinaryLike, dstOffset: number, src: BinaryLike, srcOffset: number, length: number): void;
  reportFaultsTo(fd: number): void;
  handleOf(view: BinaryLike): MemoryHandle;
  viewOf(handle: MemoryHandle): Uint8Array;
}
