/**
 * Protection domains: each owns a protection key and a heap of pages tagged with it. Code that has
 * entered a domain (on the current thread) can touch its own heap and the heaps it shares, and the
 * CPU refuses every other domain's heap.
 *
 * Model, in short:
 * - Outside every domain (the trusted runtime) a thread keeps the rights it has. The thread that
 *   creates a domain gets full access to it; threads created later inherit their creator's rights.
 * - `enter()` changes only this addon's keys in the thread's PKRU (read-modify-write): own key and
 *   shares granted, every other domain of this addon denied. Keys of other code (V8) are untouched.
 * - `leave()` restores exactly what `enter()` changed. Scopes nest only within the same domain.
 * - PKRU belongs to a thread, not to an async task: enter/leave must bracket synchronous code.
 */
import {
  DomainAsyncRunError,
  DomainUsageError,
  MpkUnavailableError,
  translateNativeError,
} from './errors.js';
import { addonStatus, nativeBinding } from './load.js';
import type {
  BinaryLike,
  HeapStats,
  MemoryHandle,
  MemoryOwner,
  NativeBinding,
  NativeDomain,
  ThreadKeyRights,
} from './types.js';

/** The addon, or an {@link MpkUnavailableError} saying why there is none or why keys cannot work. */
function requireBinding(): NativeBinding {
  const binding = nativeBinding();
  if (!binding) {
    const status = addonStatus();
    throw new MpkUnavailableError(status.loaded ? 'addon not built: binding missing' : status.reason);
  }
  return binding;
}

/** Runs an addon call, converting its coded errors into this package's classes. */
function call<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw translateNativeError(err);
  }
}

/** How a domain may use a shared heap. */
export type ShareAccess = 'read' | 'read-write';

/** A heap (another domain's) that a domain may use while entered. */
export interface ShareSpec {
  domain: ProtectionDomain;
  /** Default `'read-write'`. */
  access?: ShareAccess;
}

/** Options of {@link createDomain}. */
export interface DomainOptions {
  /**
   * Other domains whose heaps this domain may use while entered, e.g. a shared heap for inputs and
   * outputs. A bare domain means read-write.
   */
  shares?: Array<ProtectionDomain | ShareSpec>;
}

/** Domains of this thread by id, so {@link currentDomain} can return the object. */
const liveDomains = new Map<number, WeakRef<ProtectionDomain>>();

/**
 * An entered domain. Call {@link DomainScope.leave} exactly once, in a `finally`, on the same thread.
 */
export class DomainScope {
  #ticket: number | undefined;

  /** @internal */
  constructor(
    /** The domain this scope entered. */
    readonly domain: ProtectionDomain,
    ticket: number,
  ) {
    this.#ticket = ticket;
  }

  /** Whether this scope is still entered. */
  get active(): boolean {
    return this.#ticket !== undefined;
  }

  /**
   * Restores the PKRU bits the matching enter() changed. Scopes entered inside this one and not left
   * are left with it (so that the thread is never stuck in the domain), and that is reported.
   * @throws DomainUsageError when already left, or when inner scopes were still open (left now).
   */
  leave(): void {
    const ticket = this.#ticket;
    if (ticket === undefined) throw new DomainUsageError(`scope of domain "${this.domain.name}" was already left`);
    // Whatever the native side answers, this scope and any left open inside it are no longer entered.
    const at = openScopes.indexOf(this);
    for (const inner of at >= 0 ? openScopes.splice(at) : [this]) inner.#ticket = undefined;
    call(() => requireBinding().leave(ticket));
  }

  /** @internal Called by `enter()`: the scopes this thread has open, innermost last. */
  static opened(scope: DomainScope): DomainScope {
    openScopes.push(scope);
    return scope;
  }
}

/** The scopes entered on this thread (a module instance is per thread) and not left yet, innermost last. */
const openScopes: DomainScope[] = [];

/**
 * A protection domain: a protection key and a protected heap. Create with {@link createDomain}.
 */
export class ProtectionDomain {
  readonly #native: NativeDomain;
  readonly #shared: ProtectionDomain[];

  /** @internal */
  constructor(native: NativeDomain, shared: ProtectionDomain[]) {
    this.#native = native;
    this.#shared = shared;
    liveDomains.set(native.id, new WeakRef(this));
  }

  /** Process-unique id. */
  get id(): number {
    return this.#native.id;
  }

  /** The name given at creation; errors name the domain by it. */
  get name(): string {
    return this.#native.name;
  }

  /** The protection key (1..15) that tags this domain's pages. Never hard-code it. */
  get pkey(): number {
    return this.#native.pkey;
  }

  /** Whether {@link ProtectionDomain.close} was called. */
  get closed(): boolean {
    return this.#native.closed;
  }

  /** The domains whose heaps this domain may use while entered. */
  get shares(): readonly ProtectionDomain[] {
    return this.#shared;
  }

  /** @internal */
  get native(): NativeDomain {
    return this.#native;
  }

  /**
   * A zeroed ArrayBuffer of `byteLength` bytes in this domain's heap. Its memory is returned to the
   * heap only when the buffer is garbage-collected (no view can reach it any more).
   * @throws DomainAccessError when called inside another domain that may not write this heap.
   * @throws DomainClosedError after {@link ProtectionDomain.close}.
   */
  alloc(byteLength: number): ArrayBuffer {
    return call(() => this.#native.alloc(byteLength));
  }

  /** {@link ProtectionDomain.alloc} as a Uint8Array. */
  allocBytes(byteLength: number): Uint8Array {
    return new Uint8Array(this.alloc(byteLength));
  }

  /** Copies `bytes` into a new buffer of this heap (a guarded write) and returns it as a Uint8Array. */
  copyIn(bytes: BinaryLike): Uint8Array {
    const src = toBytes(bytes);
    const out = this.allocBytes(src.byteLength);
    guardedWrite(out, 0, src);
    return out;
  }

  /** Whether the bytes of `view` lie in this domain's heap. */
  contains(view: BinaryLike): boolean {
    return call(() => this.#native.contains(view));
  }

  /**
   * Enters the domain on the calling thread: its own heap and its shares become accessible, every
   * other domain of this package becomes inaccessible.
   * @throws DomainUsageError when the thread is inside a different domain.
   */
  enter(): DomainScope {
    const ticket = call(() => requireBinding().enter(this.#native));
    return DomainScope.opened(new DomainScope(this, ticket));
  }

  /**
   * Runs synchronous `fn` inside the domain and leaves afterwards, also when `fn` throws.
   * @throws DomainAsyncRunError when `fn` returns a promise (PKRU is per thread; after an `await` the
   *   rest of `fn` would run outside the domain, and other code inside it). The promise's outcome is
   *   dropped, so that its rejection is not reported as unhandled.
   */
  run<T>(fn: () => T): T {
    const scope = this.enter();
    let result: T;
    try {
      result = fn();
    } finally {
      scope.leave();
    }
    if (isThenable(result)) {
      // Its continuation will run outside the domain: refuse loudly rather than isolate half of it.
      Promise.resolve(result).catch(() => undefined);
      throw new DomainAsyncRunError(this.name);
    }
    return result;
  }

  /**
   * Guarded read of `length` bytes at `offset` of `view`, which must lie in this domain's heap; the
   * copy obeys the calling thread's rights.
   * @throws ProtectionFaultError when the thread may not read this domain's memory.
   * @throws RangeError when `view` is not in this domain's heap.
   */
  read(view: BinaryLike, offset = 0, length?: number): Uint8Array {
    this.#requireContains(view);
    return guardedRead(view, offset, length);
  }

  /**
   * Guarded write of `bytes` into `view` (in this domain's heap) at `offset`.
   * @throws ProtectionFaultError when the thread may not write this domain's memory.
   */
  write(view: BinaryLike, offset: number, bytes: BinaryLike): void {
    this.#requireContains(view);
    guardedWrite(view, offset, bytes);
  }

  /** Usage of this domain's heap (zeros after close). */
  stats(): HeapStats {
    return this.#native.stats();
  }

  /**
   * Closes the domain: no new allocations, no enter(). The pages, and then the key, are released once
   * every buffer from this heap has been garbage-collected (a key is never recycled while a page of it
   * is mapped). Idempotent.
   */
  close(): void {
    this.#native.close();
  }

  #requireContains(view: BinaryLike): void {
    if (!this.contains(view)) throw new RangeError(`the view is not in the heap of domain "${this.name}"`);
  }
}

function isThenable(v: unknown): boolean {
  return (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

function toBytes(b: BinaryLike): Uint8Array {
  return b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * Creates a protection domain with its own key and heap.
 * @throws MpkUnavailableError without PKU (the reason says why), or inside another domain.
 * @throws KeyExhaustedError when no protection key is free.
 */
export function createDomain(name: string, options: DomainOptions = {}): ProtectionDomain {
  const binding = requireBinding();
  const specs = (options.shares ?? []).map((s): ShareSpec => (s instanceof ProtectionDomain ? { domain: s } : s));
  const native = call(
    () =>
      new binding.NativeDomain(
        name,
        specs.map((s) => ({ domain: s.domain.native, readOnly: s.access === 'read' })),
      ),
  );
  return new ProtectionDomain(
    native,
    specs.map((s) => s.domain),
  );
}

/** The innermost domain the calling thread has entered (created in this thread's JS realm), if any. */
export function currentDomain(): ProtectionDomain | undefined {
  const binding = nativeBinding();
  const cur = binding?.currentDomain();
  return cur ? liveDomains.get(cur.id)?.deref() : undefined;
}

/**
 * Copies bytes out of `view` into ordinary memory, obeying the calling thread's rights.
 * @throws ProtectionFaultError naming the owning domain when the thread may not read it.
 */
export function guardedRead(view: BinaryLike, offset = 0, length?: number): Uint8Array {
  const binding = requireBinding();
  return call(() => binding.guardedRead(view, offset, length));
}

/**
 * Copies `bytes` into `view` at `offset`, obeying the calling thread's rights.
 * @throws ProtectionFaultError naming the owning domain when the thread may not write it.
 */
export function guardedWrite(view: BinaryLike, offset: number, bytes: BinaryLike): void {
  const binding = requireBinding();
  call(() => binding.guardedWrite(view, offset, bytes));
}

/**
 * Copies `length` bytes from `src` at `srcOffset` to `dst` at `dstOffset` (ranges must not overlap),
 * obeying the calling thread's rights.
 * @throws ProtectionFaultError naming the domain whose memory was refused, and whether for read or write.
 */
export function guardedCopy(
  dst: BinaryLike,
  dstOffset: number,
  src: BinaryLike,
  srcOffset: number,
  length: number,
): void {
  const binding = requireBinding();
  call(() => binding.guardedCopy(dst, dstOffset, src, srcOffset, length));
}

/**
 * A handle to the bytes of `view` (memory of a protected heap, e.g. the shared heap) that another
 * thread turns into a view of the same memory with {@link viewOf}: no copy. The memory is freed only
 * when no view on any thread can reach it; the handle itself does not keep it, so the sender keeps a
 * view until the receiver has opened the handle.
 * @throws DomainUsageError when `view` is not memory of a protected heap.
 */
export function handleOf(view: BinaryLike): MemoryHandle {
  const binding = requireBinding();
  return call(() => binding.handleOf(view));
}

/**
 * A view of the memory a {@link handleOf} handle names, on this thread: the same bytes, no copy. Access
 * still follows this thread's rights: a domain that may not read that heap gets a protection fault.
 * @throws DomainUsageError when the memory is gone (no view reached it any more).
 */
export function viewOf(handle: MemoryHandle): Uint8Array {
  const binding = requireBinding();
  return call(() => binding.viewOf(handle));
}

/** Which domain's heap holds the bytes of `view`, or null (also when the addon is not loaded). */
export function ownerOf(view: BinaryLike): MemoryOwner | null {
  const binding = nativeBinding();
  return binding ? call(() => binding.ownerOf(view)) : null;
}

/**
 * The calling thread's rights to every key this package owns (reads PKRU).
 * @throws MpkUnavailableError without PKU.
 */
export function threadRights(): ThreadKeyRights[] {
  const binding = requireBinding();
  return call(() => binding.threadRights());
}

/**
 * The calling thread's raw PKRU value (two bits per key: access-disable, write-disable). For tests and diagnostics.
 * @throws MpkUnavailableError without PKU.
 */
export function readPkru(): number {
  const binding = requireBinding();
  return call(() => binding.pkru());
}
