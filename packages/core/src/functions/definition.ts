import type { CpuHint, FnSpec, Isolation } from '../graph/ir.js';
import { registerFunction } from './registry.js';

/** What a function receives besides its input. */
export interface FnContext {
  /** Id of this workflow run. */
  readonly runId: string;
  /** Name of the workflow. */
  readonly workflow: string;
  /** This step's path, e.g. `ml-prediction/parallel[1]/Render`. */
  readonly stepPath: string;
  /** The attempt being run, counted from 1. */
  readonly attempt: number;
  /**
   * Fires when the step times out or the run is cancelled. Long-running functions should honour it.
   * On the calling thread it is made when first read (most functions never do), so read it from the
   * context itself: a copy made with `{ ...ctx }` does not carry it.
   */
  readonly signal: AbortSignal;
  /**
   * The function's private heap. For `@Fn({ isolation: 'domain' })` placed in a protection domain
   * (the plan says `domain`), its pages carry the domain's memory protection key: while the function
   * runs, no other domain can touch them, and `heap.protected` is true. Everywhere else (other
   * functions, a domain function isolated in a child process because MPK is missing) it is ordinary
   * memory (`protected: false`), so the same code runs in every placement.
   *
   * Only memory allocated here (and in {@link FnContext.shared}) is protected: JS objects, strings and
   * globals live in V8's heap, which every domain of the process can reach.
   */
  readonly heap: FnHeap;
  /**
   * The shared heap, for what a function hands on: every domain of the runtime may read and write it,
   * so a buffer allocated here and returned reaches the next step (another domain included) by
   * reference, without a copy. A buffer of {@link FnContext.heap} returned as output stays private:
   * another domain that touches it faults.
   */
  readonly shared: FnHeap;
}

/** A typed-array class (`Uint8Array`, `Float64Array`, `BigInt64Array`, ...). */
export interface TypedArrayClass<T extends ArrayBufferView> {
  new (buffer: ArrayBuffer, byteOffset: number, length: number): T;
  readonly BYTES_PER_ELEMENT: number;
}

/**
 * A heap that a function allocates binary data in: `ctx.heap` (private) or `ctx.shared`.
 * Allocations are zeroed; their memory goes back to the heap when the buffer is garbage-collected.
 */
export interface FnHeap {
  /** The heap's name: the protection domain's name (`fn:Resize`, `faastlane:shared`), or `plain`. */
  readonly name: string;
  /** Whether the heap's pages are tagged with a memory protection key (MPK), i.e. really isolated. */
  readonly protected: boolean;
  /** A zeroed `ArrayBuffer` of `byteLength` bytes in this heap. */
  alloc(byteLength: number): ArrayBuffer;
  /** A zeroed `Uint8Array` of `length` bytes in this heap. */
  bytes(length: number): Uint8Array;
  /** A zeroed typed array of `length` elements in this heap, e.g. `heap.array(Float64Array, 1024)`. */
  array<T extends ArrayBufferView>(type: TypedArrayClass<T>, length: number): T;
  /** A copy of `bytes` in this heap. */
  copyIn(bytes: ArrayBuffer | ArrayBufferView): Uint8Array;
  /** Whether the bytes of `view` lie in this heap. */
  contains(view: ArrayBuffer | ArrayBufferView): boolean;
  /**
   * A guarded read: copies `length` bytes at `offset` of `view` (any memory) into ordinary memory,
   * obeying the current domain's rights. Reading another domain's heap this way fails the step with
   * `IsolationViolationError` instead of crashing the process (a plain `view[i]` would crash it).
   */
  read(view: ArrayBuffer | ArrayBufferView, offset?: number, length?: number): Uint8Array;
  /** A guarded write of `bytes` into `view` at `offset`; refused like {@link FnHeap.read}. */
  write(view: ArrayBuffer | ArrayBufferView, offset: number, bytes: ArrayBuffer | ArrayBufferView): void;
}

/** The instance side of a function class: a `run(input, ctx)` method. */
export interface FnInstance<In = never, Out = unknown> {
  run(input: In, ctx: FnContext): Out | Promise<Out>;
}

/** A class that can be declared as a function: constructed without arguments, has `run(input, ctx)`. */
// `any` input: the constraint must admit every `run` signature; the exact types are inferred by callers.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type FnClass = new () => { run(input: any, ctx: FnContext): unknown };

/** A class-validator DTO class (any class constructible without arguments). */
export type DtoClass = new () => object;

/** Options of `@Fn(...)`. All optional. */
export interface FnOptions {
  /** The function's name; defaults to the class name. Must be unique within a workflow. */
  readonly name?: string;
  /**
   * `none` (default): shares the process with its neighbours. `domain`: its own protection domain
   * (MPK) on the calling thread, with `ctx.heap` its protected heap and `ctx.shared` the shared heap
   * for its output; a separate process instead where MPK is absent, where the protection keys ran out,
   * or where `run` is `async` (a thread's key rights cannot follow an `await`, so a domain covers
   * only synchronous code; a non-async `run` that returns a promise in a domain fails its step with
   * `WorkflowValidationError`). `process`: always a separate process. The plan says which, and why.
   */
  readonly isolation?: Isolation;
  /** A hint: `bound` functions use a CPU, `io` functions mostly wait. */
  readonly cpu?: CpuHint;
  /**
   * Abort the attempt after this many milliseconds (`StepTimeoutError`): its `run`, and before it an
   * asynchronous input check, are each bounded by it. At most 2^31 - 1 (about 24.8 days, the longest
   * a Node timer keeps).
   */
  readonly timeoutMs?: number;
  /** How many times to retry a failed attempt (with backoff). Default 0. */
  readonly retries?: number;
  /** The input DTO class; defaults to the parameter type of `run` from decorator metadata. */
  readonly input?: DtoClass;
  /**
   * URL of the module that exports the class (`import.meta.url`). Found out from the call stack
   * when not given; give it only where that fails (bundled code, say).
   */
  readonly module?: string;
}

/**
 * Where `@Fn` keeps a class's definition: a registered symbol, so that every copy of the SDK in a
 * process (the main thread's, a worker's, a container's) finds definitions made by any other.
 */
export const FN_DEFINITION: unique symbol = Symbol.for('faastlane.fn.definition') as never;

/** The definition recorded on a class by `@Fn`, or undefined (subclasses do not inherit it). */
export function definitionOf(cls: unknown): FnDefinition | undefined {
  return typeof cls === 'function' && Object.hasOwn(cls, FN_DEFINITION)
    ? ((cls as unknown as Record<typeof FN_DEFINITION, FnDefinition>)[FN_DEFINITION])
    : undefined;
}

/** A declared function: its spec as the graph records it, plus the live class. */
export interface FnDefinition {
  readonly spec: FnSpec;
  readonly cls: FnClass;
  /** The DTO class inputs are validated against, if any. */
  readonly inputType: DtoClass | undefined;
}

/**
 * Turns a class and its `@Fn` options into a definition and records it on the class. Options are
 * recorded as given; the validator checks them.
 */
export function defineFunction(cls: FnClass, options: FnOptions, inputType: DtoClass | undefined, module: string | undefined): FnDefinition {
  const definition: FnDefinition = {
    cls,
    inputType,
    spec: {
      name: options.name ?? cls.name,
      isolation: options.isolation ?? 'none',
      cpu: options.cpu,
      timeoutMs: options.timeoutMs,
      retries: options.retries ?? 0,
      input: inputType?.name,
      module: options.module ?? module,
    },
  };
  Object.defineProperty(cls, FN_DEFINITION, { value: definition, configurable: true, enumerable: false });
  registerFunction(definition);
  return definition;
}
