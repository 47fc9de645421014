import type { FaastlaneError } from '../errors.js';
import type { RanSpan } from '../hosting/wire.js';

interface EventBase {
  readonly runId: string;
  readonly workflow: string;
  /** Wall-clock time of the event, ms since the epoch. */
  readonly at: number;
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
  /** The step's time as the runtime saw it: the function's run plus any hop to where it ran. */
  readonly durationMs: number;
  /**
   * When the function itself ran, where it ran (ms since the epoch, comparable across this machine's
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
