import { take } from 'rxjs';
import { describe, expect, test } from 'vitest';
import { EventLog } from '../src/runtime/event-log.js';
import type { WorkflowEvent } from '../src/runtime/events.js';

const event = (path: string): WorkflowEvent => ({ type: 'step.started', runId: 'r', workflow: 'w', at: 0, path, attempt: 1 });

describe('EventLog (a run events$)', () => {
  test('a subscriber gets the events so far, then the new ones, and completes with the run', () => {
    const log = new EventLog();
    log.push(event('a'));
    const seen: string[] = [];
    let completed = false;
    log.events$.subscribe({ next: (e) => seen.push((e as { path: string }).path), complete: () => (completed = true) });
    log.push(event('b'));
    expect(seen).toEqual(['a', 'b']);
    expect(completed).toBe(false);
    log.complete();
    expect(completed).toBe(true);
  });

  test('after the run, a subscriber gets every event and completes at once', () => {
    const log = new EventLog();
    log.push(event('a'));
    log.push(event('b'));
    log.complete();
    const seen: string[] = [];
    let completed = false;
    log.events$.subscribe({ next: (e) => seen.push((e as { path: string }).path), complete: () => (completed = true) });
    expect(seen).toEqual(['a', 'b']);
    expect(completed).toBe(true);
  });

  test('a subscriber added by a handler during a push gets that event once (from the replay), not twice', () => {
    const log = new EventLog();
    const late: string[] = [];
    const sub = log.events$.subscribe(() => {
      sub.unsubscribe();
      log.events$.subscribe((e) => late.push((e as { path: string }).path));
    });
    log.push(event('a'));
    log.push(event('b'));
    expect(late).toEqual(['a', 'b']);
  });

  test('an event pushed after the run completed is dropped, for current and later subscribers alike', () => {
    const log = new EventLog();
    const seen: string[] = [];
    log.events$.subscribe((e) => seen.push((e as { path: string }).path));
    log.push(event('a'));
    log.complete();
    log.push(event('late'));
    const later: string[] = [];
    log.events$.subscribe((e) => later.push((e as { path: string }).path));
    expect(seen).toEqual(['a']);
    expect(later).toEqual(['a']);
  });

  test('a subscriber that ends during the replay gets nothing more', () => {
    const log = new EventLog();
    log.push(event('a'));
    log.push(event('b'));
    const seen: string[] = [];
    log.events$.pipe(take(1)).subscribe((e) => seen.push((e as { path: string }).path));
    log.push(event('c'));
    expect(seen).toEqual(['a']);
  });

  test('unsubscribing stops delivery', () => {
    const log = new EventLog();
    const seen: string[] = [];
    const sub = log.events$.subscribe((e) => seen.push((e as { path: string }).path));
    log.push(event('a'));
    sub.unsubscribe();
    log.push(event('b'));
    expect(seen).toEqual(['a']);
  });
});
