import { Observable, type Subscriber } from 'rxjs';
import type { WorkflowEvent } from './events.js';

/**
 * One run's events, behind `run.events$`: each is kept, so that a late subscriber gets the ones so far
 * first, and pushed to the current subscribers; the stream completes when the run ends.
 *
 * Why not a `ReplaySubject`: an observed run emits twice between every two functions (one's
 * `step.completed`, the next one's `step.started`), and its `next` (an error context, a closed check,
 * a buffer trim, then the Subject's delivery) was part of that hand-off. Here it is a push and a loop.
 * As with the subject, nothing is taken once the run has completed.
 */
export class EventLog {
  private readonly kept: WorkflowEvent[] = [];
  /** Replaced, never changed in place: a push walks the list as it was when the event came. */
  private subscribers: readonly Subscriber<WorkflowEvent>[] = [];
  private ended = false;

  readonly events$ = new Observable<WorkflowEvent>((subscriber) => {
    for (const event of this.kept) {
      if (subscriber.closed) return;
      subscriber.next(event);
    }
    if (this.ended) {
      subscriber.complete();
      return;
    }
    this.subscribers = [...this.subscribers, subscriber];
    return () => {
      this.subscribers = this.subscribers.filter((s) => s !== subscriber);
    };
  });

  push(event: WorkflowEvent): void {
    // A group returns at its first failure: a sibling's late `step.failed` may come after the run ended.
    if (this.ended) return;
    this.kept.push(event);
    for (const subscriber of this.subscribers) subscriber.next(event);
  }

  /** The run is over: current subscribers complete, later ones get the events and complete at once. */
  complete(): void {
    this.ended = true;
    const subscribers = this.subscribers;
    this.subscribers = [];
    for (const subscriber of subscribers) subscriber.complete();
  }
}
