import {
  capabilities,
  createDomain,
  DomainAccessError,
  DomainAsyncRunError,
  KeyExhaustedError,
  ownerOf,
  type ProtectionDomain,
} from '@faastlane/native-mpk';
import { IsolationViolationError, WorkflowValidationError } from '../errors.js';
import { RemoteError } from '../hosting/wire.js';
import { TierCrashError } from '../tiers/tier.js';
import type { FnHeap } from '../functions/definition.js';
import type { Plan } from '../planner/plan.js';
import { domainNameOf, SHARED_HEAP_DOMAIN, type DomainBudget } from '../planner/planner.js';
import { protectedHeap } from './heaps.js';

export { KeyExhaustedError };

interface HeldDomain {
  readonly domain: ProtectionDomain;
  readonly heap: FnHeap;
}

/**
 * The protection domains of one runtime: one per `isolation: 'domain'` function that a plan placed in
 * a domain (`fn:<name>`), and the shared heap (`faastlane:shared`) that every one of them may read and
 * write. Domains are created when a plan first places a function in one (so that the keys the plan
 * counted are really held), reused by every later plan and run, and closed with the runtime.
 *
 * The thread that creates a domain keeps full access to it; worker threads started earlier (the
 * runtime's pool) and the libuv pool, if it started earlier, have the new keys denied. So a buffer of
 * a protected heap never moves to another thread: it is copied where it crosses (see
 * {@link DomainManager.isProtected}).
 */
export class DomainManager {
  private shared: HeldDomain | undefined;
  private readonly fns = new Map<string, HeldDomain>();
  private closed = false;

  /** Keys free now, and what this runtime holds already, for the planner. */
  budget(): DomainBudget {
    const caps = capabilities();
    return { freeKeys: caps.available ? caps.freeKeys : 0, held: new Set(this.fns.keys()), sharedHeld: this.shared !== undefined };
  }

  /** Whether this runtime holds any domain (nothing to check for protected buffers otherwise). */
  get active(): boolean {
    return this.shared !== undefined;
  }

  /**
   * Creates the domains of every task the plan placed in one that does not have one yet.
   * @throws KeyExhaustedError when other code took the keys since the plan was made.
   */
  reserve(plan: Plan): void {
    for (const task of plan.tasks()) if (task.placement === 'domain') this.hold(task.fn);
  }

  /**
   * Creates the domain of one function now (the domain host does this when it loads the function).
   * @throws KeyExhaustedError when no key is free.
   */
  prepare(fn: string): void {
    this.hold(fn);
  }

  /**
   * Runs `body` (a function's synchronous `run`) inside the function's domain on this thread: its
   * heap and the shared heap granted, every other domain of the addon denied (read-modify-write of the
   * addon's PKRU bits only), and afterwards exactly the bits that were there restored, also when it
   * throws. A guarded access to another domain's memory throws the addon's `DomainAccessError` (the
   * executor reports it as the step's `IsolationViolationError`, see `asIsolationViolation`; in the
   * domain host it crosses the wire with its code and domain first); an unguarded one faults and the
   * process dies (it cannot safely go on).
   *
   * @throws WorkflowValidationError when `run` returned a promise: its continuation would run outside
   *   the domain (PKRU belongs to the thread, not to the async task), so it is refused rather than
   *   half isolated. Declare `run` `async` and the planner isolates the function in a process instead.
   */
  run<T>(fn: string, path: string, body: (heap: FnHeap, shared: FnHeap) => T): T {
    const held = this.hold(fn);
    const shared = this.shared as HeldDomain;
    try {
      return held.domain.run(() => body(held.heap, shared.heap));
    } catch (error) {
      // run() returned a promise, which the domain refused (and dropped): the step's error says what to do instead.
      if (!(error instanceof DomainAsyncRunError)) throw error;
      throw new WorkflowValidationError([
        {
          path,
          message: `${fn} runs in protection domain "${domainNameOf(fn)}" but its run() returned a promise: a domain covers only synchronous code (PKRU belongs to the thread; after an await other code runs on it), and what it does after its first await runs outside the domain. Make run() synchronous, or declare it async so that the planner isolates it in a child process`,
        },
      ]);
    }
  }

  /** Whether `buffer` lies in a protected heap (such buffers are copied, never moved, to other threads). */
  isProtected(buffer: ArrayBuffer): boolean {
    return this.active && ownerOf(buffer) !== null;
  }

  /** Closes every domain: keys and pages go once the last buffer of each heap is garbage-collected. */
  close(): void {
    this.closed = true;
    for (const { domain } of this.fns.values()) domain.close();
    this.fns.clear();
    this.shared?.domain.close();
    this.shared = undefined;
  }

  private hold(fn: string): HeldDomain {
    const held = this.fns.get(fn);
    if (held) return held;
    if (this.closed) throw new Error('internal: the runtime\'s protection domains are closed');
    if (!this.shared) {
      const domain = createDomain(SHARED_HEAP_DOMAIN);
      this.shared = { domain, heap: protectedHeap(domain) };
    }
    const domain = createDomain(domainNameOf(fn), { shares: [{ domain: this.shared.domain, access: 'read-write' }] });
    const entry = { domain, heap: protectedHeap(domain) };
    this.fns.set(fn, entry);
    return entry;
  }
}

/**
 * An access to another domain's memory as core's `IsolationViolationError` for the step:
 * - the addon's refusal here (a guarded access that faulted, or an allocation in a heap the domain
 *   may not write: `DomainAccessError`);
 * - the same refusal in the domain host, which arrives rebuilt as a `RemoteError` with the addon's
 *   code (`ERR_MPK_ACCESS_DENIED`, or `ERR_MPK_PROTECTION_FAULT` for its subclass) and the domain;
 * - the death of the domain host from a protection-key fault (plain code touching a denied heap),
 *   which its signal handler reported before the process died.
 */
export function asIsolationViolation(error: unknown, path: string): IsolationViolationError | undefined {
  let violation: IsolationViolationError | undefined;
  const refused = error instanceof DomainAccessError || (error instanceof RemoteError && (error.code === 'ERR_MPK_ACCESS_DENIED' || error.code === 'ERR_MPK_PROTECTION_FAULT'));
  if (refused) {
    violation = new IsolationViolationError(path, error.domain || 'unknown', error.message);
  } else if (error instanceof RemoteError && error.code === 'ISOLATION_VIOLATION') {
    // Another runtime's IsolationViolationError already says "Step <path> violated ...": keep only its detail.
    const detail = error.message.replace(/^Step \S+ violated the isolation of domain \S+: /, '');
    violation = new IsolationViolationError(path, error.domain || 'unknown', detail);
  } else if (error instanceof TierCrashError && error.protectionFault) {
    const fault = error.protectionFault;
    const domain = fault.domain ?? `key ${fault.pkey}`;
    violation = new IsolationViolationError(
      path,
      domain,
      `an unguarded access to its memory (protection key ${fault.pkey}, address ${fault.address}) faulted; ${error.tier} ${error.where} could not safely go on and died, and was replaced`,
    );
  }
  if (violation) violation.cause = error;
  return violation;
}
