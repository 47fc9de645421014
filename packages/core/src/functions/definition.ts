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
  /** Fires when the step times out or the run is cancelled. Long-running functions should honour it. */
  readonly signal: AbortSignal;
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
   * `none` (default): shares the process with its neighbours. `domain`: its own protected heap
   * (MPK), or a separate process where MPK is absent. `process`: always a separate process.
   */
  readonly isolation?: Isolation;
  /** A hint: `bound` functions use a CPU, `io` functions mostly wait. */
  readonly cpu?: CpuHint;
  /** Abort the attempt after this many milliseconds (`StepTimeoutError`). */
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
