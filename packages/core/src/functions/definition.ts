import type { CpuHint, FnSpec, Isolation } from '../graph/ir.js';

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
}

/** A declared function: its spec as the graph records it, plus the live class. */
export interface FnDefinition {
  readonly spec: FnSpec;
  readonly cls: FnClass;
  /** The DTO class inputs are validated against, if any. */
  readonly inputType: DtoClass | undefined;
}

/** Turns a class and its `@Fn` options into a definition. Options are recorded as given; the validator checks them. */
export function defineFunction(cls: FnClass, options: FnOptions, inputType: DtoClass | undefined): FnDefinition {
  return {
    cls,
    inputType,
    spec: {
      name: options.name ?? cls.name,
      isolation: options.isolation ?? 'none',
      cpu: options.cpu,
      timeoutMs: options.timeoutMs,
      retries: options.retries ?? 0,
      input: inputType?.name,
    },
  };
}
