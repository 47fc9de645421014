/**
 * Typed errors of the addon. The C++ side throws plain Errors with a `code`; {@link translateNativeError}
 * turns them into these classes so callers can use `instanceof`.
 */

/** The codes of every error this package throws. */
export type MpkErrorCode =
  | 'ERR_MPK_UNAVAILABLE'
  | 'ERR_MPK_KEYS_EXHAUSTED'
  | 'ERR_MPK_DOMAIN_CLOSED'
  | 'ERR_MPK_USAGE'
  | 'ERR_MPK_ACCESS_DENIED'
  | 'ERR_MPK_PROTECTION_FAULT'
  | 'ERR_MPK_ALLOC_FAILED';

/** Base class of every error of this package. */
export class MpkError extends Error {
  /** A stable code, also present on errors thrown directly by the addon. */
  readonly code: MpkErrorCode;
  constructor(code: MpkErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Protection keys cannot be used in this process; `reason` is the capability probe's reason. */
export class MpkUnavailableError extends MpkError {
  constructor(
    /** Why, as in `MpkCapabilities.reason`. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super('ERR_MPK_UNAVAILABLE', `protection domains are unavailable: ${reason}`, options);
  }
}

/** Every protection key is taken (at most 15 exist; Node 20's V8 holds one of them). */
export class KeyExhaustedError extends MpkError {
  constructor(
    message: string,
    /** The domain that could not be created. */
    readonly domain: string,
    options?: { cause?: unknown },
  ) {
    super('ERR_MPK_KEYS_EXHAUSTED', message, options);
  }
}

/** The domain was closed: no more allocations or enter(). */
export class DomainClosedError extends MpkError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_MPK_DOMAIN_CLOSED', message, options);
  }
}

/** The API was used out of order (leave() without enter(), entering a second domain, ...). */
export class DomainUsageError extends MpkError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_MPK_USAGE', message, options);
  }
}

/**
 * `run()` got a promise back. PKRU belongs to the thread: after an await, other code runs on it, so
 * only synchronous code can run inside a domain. The promise is not awaited (its outcome is dropped).
 */
export class DomainAsyncRunError extends DomainUsageError {
  constructor(
    /** The domain whose `run()` got the promise. */
    readonly domain: string,
  ) {
    super(
      `run() of domain "${domain}" got a promise: PKRU belongs to the thread, so only synchronous code can run inside a domain; ` +
        'the code after its first await (already under way) runs outside the domain, and its outcome is dropped',
    );
  }
}

/** Allocating pages for a protected heap failed (mmap or pkey_mprotect). */
export class AllocationError extends MpkError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_MPK_ALLOC_FAILED', message, options);
  }
}

/**
 * Code in one domain tried to use another domain's memory, and the policy of this package refused it
 * before touching memory (for example allocating in a heap the current domain may not write).
 */
export class DomainAccessError extends MpkError {
  constructor(
    message: string,
    /** The domain whose memory was to be used. */
    readonly domain: string,
    /** The domain the thread was in, if any. */
    readonly accessor: string | undefined,
    options?: { cause?: unknown; code?: MpkErrorCode },
  ) {
    super(options?.code ?? 'ERR_MPK_ACCESS_DENIED', message, options);
  }
}

/**
 * The CPU refused an access (a protection-key fault, SEGV_PKUERR) inside one of this package's guarded
 * accessors, and the fault was turned into this error instead of ending the process.
 */
export class ProtectionFaultError extends DomainAccessError {
  constructor(
    message: string,
    domain: string,
    accessor: string | undefined,
    /** The key of the faulting page. */
    readonly pkey: number,
    /** Whether a read or a write was refused. */
    readonly access: 'read' | 'write',
    /** The faulting address, in hex. */
    readonly address: string,
    options?: { cause?: unknown },
  ) {
    super(message, domain, accessor, { ...options, code: 'ERR_MPK_PROTECTION_FAULT' });
  }
}

interface NativeErrorShape {
  code?: unknown;
  message?: unknown;
  domain?: unknown;
  accessor?: unknown;
  pkey?: unknown;
  access?: unknown;
  address?: unknown;
  reason?: unknown;
}

/** Maps an error thrown by the addon to its typed class; anything else is returned unchanged. */
export function translateNativeError(err: unknown): unknown {
  if (!(err instanceof Error) || err instanceof MpkError) return err;
  const e = err as Error & NativeErrorShape;
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const opts = { cause: err };
  switch (e.code) {
    case 'ERR_MPK_UNAVAILABLE':
      return new MpkUnavailableError(str(e.reason) ?? err.message.replace(/^protection keys are unavailable: /, ''), opts);
    case 'ERR_MPK_KEYS_EXHAUSTED':
      return new KeyExhaustedError(err.message, str(e.domain) ?? '', opts);
    case 'ERR_MPK_DOMAIN_CLOSED':
      return new DomainClosedError(err.message, opts);
    case 'ERR_MPK_USAGE':
      return new DomainUsageError(err.message, opts);
    case 'ERR_MPK_ALLOC_FAILED':
      return new AllocationError(err.message, opts);
    case 'ERR_MPK_ACCESS_DENIED':
      return new DomainAccessError(err.message, str(e.domain) ?? '', str(e.accessor), opts);
    case 'ERR_MPK_PROTECTION_FAULT':
      return new ProtectionFaultError(
        err.message,
        str(e.domain) ?? '',
        str(e.accessor),
        typeof e.pkey === 'number' ? e.pkey : -1,
        e.access === 'write' ? 'write' : 'read',
        str(e.address) ?? '',
        opts,
      );
    default:
      return err;
  }
}
