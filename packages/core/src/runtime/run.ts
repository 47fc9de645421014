import type { Observable } from 'rxjs';
import type { WorkflowEvent } from './events.js';

/** A workflow run in progress, as returned by `runtime.start(...)`. */
export interface WorkflowRun<Out> {
  /** Unique id of this run; every event of the run carries it. */
  readonly id: string;
  readonly workflow: string;
  /**
   * The run's events: workflow and step started / completed / failed / retried, with timings and
   * step paths. Replays the events so far to late subscribers; completes when the run ends.
   */
  readonly events$: Observable<WorkflowEvent>;
  /** The workflow's output. Rejects with a typed `FaastlaneError` if the run fails or is cancelled. */
  readonly result: Promise<Out>;
  /**
   * Stops the run: no further step starts, running steps see their `ctx.signal` fire, and `result`
   * rejects with `WorkflowCancelledError` at once. Does nothing if the run already ended.
   */
  cancel(reason?: string): void;
}
