import type { FaastlaneError } from '../errors.js';

interface EventBase {
  readonly runId: string;
  readonly workflow: string;
  /**
   * When the event happened, ms since the epoch: `performance.timeOrigin + performance.now()` of the
   * runtime's thread, finer than `Date.now()` and monotonic within a process (so it does not follow
   * the system clock if that is set, and may drift from `Date.now()` in a long-lived process).
   */
  readonly at: number;
}

/**
 * When a function ran, where it ran, on the clock of `performance.now()` in the thread that runs the
 * runtime (add `performance.timeOrigin` for ms since the epoch). A function on that thread is stamped
 * there to the clock's full resolution; one on another thread, process or container is stamped where
 * it ran, in ms since the epoch (a double of that size resolves about 0.24 us), and moved to this clock.
 */
export interface RanSpan {
  readonly start: number;
  readonly end: number;
}

export interface WorkflowStartedEvent extends EventBase {
  readonly type: 'workflow.started';
}
export interface WorkflowCompletedEvent extends EventBase {
  readonly type: 'workflow.completed';
  readonly durationMs: number;
}
export interface WorkflowFailedEvent extends EventBase {
  readonly type: 'workflow.failed';
  readonly durationMs: number;
  readonly error: FaastlaneError;
}
export interface StepStartedEvent extends EventBase {
  readonly type: 'step.started';
  readonly path: string;
  readonly attempt: number;
}
export interface StepCompletedEvent extends EventBase {
  readonly type: 'step.completed';
  readonly path: string;
  readonly attempt: number;
  /**
   * The step's time as the runtime saw it, from just before its `step.started` was emitted: the input
   * check, the function's run, and any hop to where it ran.
   */
  readonly durationMs: number;
  /**
   * When the function itself ran, where it ran (see `RanSpan`: comparable across this machine's
   * threads and processes): the gap from one function's `end` to the next one's `start` is their
   * interaction latency.
   */
  readonly ran?: RanSpan;
}
export interface StepFailedEvent extends EventBase {
  readonly type: 'step.failed';
  readonly path: string;
  readonly attempt: number;
  readonly durationMs: number;
  readonly error: FaastlaneError;
  /** Whether another attempt follows. */
  readonly willRetry: boolean;
}
export interface StepRetriedEvent extends EventBase {
  readonly type: 'step.retried';
  /** The step (or the operator wrapped in `retry`) being retried. */
  readonly path: string;
  /** The attempt about to start, counted from 1. */
  readonly attempt: number;
  readonly delayMs: number;
}

/** Everything a run reports, on `run.events$` and `runtime.events$`. */
export type WorkflowEvent =
  | WorkflowStartedEvent
  | WorkflowCompletedEvent
  | WorkflowFailedEvent
  | StepStartedEvent
  | StepCompletedEvent
  | StepFailedEvent
  | StepRetriedEvent;

/** Distributes `Omit<E, keyof EventBase>` over the union, for emitters that fill in the base. */
export type EventBody = WorkflowEvent extends infer E ? (E extends WorkflowEvent ? Omit<E, keyof EventBase> : never) : never;
