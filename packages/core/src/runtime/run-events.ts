import type { Subject } from 'rxjs';
import { wallClock, wallClockAt } from '../hosting/wire.js';
import type { EventLog } from './event-log.js';
import type { EventBody, RanSpan, WorkflowEvent } from './events.js';

/**
 * What one run reports, and to whom: the run's own `events$` (when it was started with `start`, kept
 * for late subscribers) and the runtime's `events$` (while someone listens there). A run started with
 * `invoke` while the runtime's `events$` has no listener builds no event at all.
 *
 * A step's `step.started` and `step.completed` come between every two functions of an observed run,
 * so each is one object literal, made with its final shape. The other events add their fields to the
 * run's with `Object.assign`, which takes a property transition per field: right after a function's
 * own work, with cold caches, that took 4 us of ML prediction's 20 us hand-off (per-gap probes).
 */
export class RunEvents {
  constructor(
    private readonly runId: string,
    private readonly workflow: string,
    private readonly log: EventLog | undefined,
    private readonly all: Subject<WorkflowEvent>,
  ) {}

  /** Whether anyone may read an event now. */
  get observed(): boolean {
    return this.log !== undefined || this.all.observed;
  }

  /** `now`: `performance.now()` as the step starts (the step's clock read serves its event too). */
  stepStarted(path: string, attempt: number, now: number): void {
    if (this.observed) this.send({ type: 'step.started', runId: this.runId, workflow: this.workflow, at: wallClockAt(now), path, attempt });
  }

  /**
   * `ran`: when the function ran where it ran, if that is known (not for a call that never reached it);
   * `now`: `performance.now()` as the step completed.
   */
  stepCompleted(path: string, attempt: number, durationMs: number, ran: RanSpan | undefined, now: number): void {
    if (!this.observed) return;
    const at = wallClockAt(now);
    this.send(
      ran
        ? { type: 'step.completed', runId: this.runId, workflow: this.workflow, at, path, attempt, durationMs, ran }
        : { type: 'step.completed', runId: this.runId, workflow: this.workflow, at, path, attempt, durationMs },
    );
  }

  /** Any other event: `body` and the run's fields. */
  emit(body: EventBody): void {
    if (this.observed) this.send(Object.assign({ runId: this.runId, workflow: this.workflow, at: wallClock() }, body) as WorkflowEvent);
  }

  private send(event: WorkflowEvent): void {
    this.log?.push(event);
    if (this.all.observed) this.all.next(event);
  }
}
