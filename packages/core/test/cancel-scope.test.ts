import { describe, expect, test } from 'vitest';
import { raceAbort, raceAbortThen, sleep } from '../src/runtime/abort.js';
import { CancelScope } from '../src/runtime/cancel-scope.js';

describe('CancelScope', () => {
  test('a child aborts with its parent, with the parent\'s reason; the parent does not abort with a child', () => {
    const run = new CancelScope();
    const group = run.child();
    const other = run.child();
    const seen: string[] = [];
    group.watch(() => seen.push(`group: ${String(group.reason)}`));
    group.abort('a branch failed');
    expect([group.aborted, run.aborted, other.aborted]).toEqual([true, false, false]);
    expect(seen).toEqual(['group: a branch failed']);

    const nested = other.child();
    nested.watch(() => seen.push(`nested: ${String(nested.reason)}`));
    run.abort('cancelled');
    expect([other.aborted, nested.aborted]).toEqual([true, true]);
    expect(nested.reason).toBe('cancelled');
    expect(group.reason).toBe('a branch failed'); // its own abort came first
    expect(seen).toEqual(['group: a branch failed', 'nested: cancelled']);
  });

  test('a child that nothing waits on costs no link, and still reads its parent\'s abort', () => {
    const run = new CancelScope();
    const idle = run.child();
    run.abort('stop');
    expect(idle.aborted).toBe(true);
    expect(idle.reason).toBe('stop');
  });

  test('its signal is made on first use, once, and aborts with the scope (or is born aborted)', () => {
    const run = new CancelScope();
    const group = run.child();
    const signal = group.signal;
    expect(group.signal).toBe(signal);
    expect(signal.aborted).toBe(false);
    run.abort('cancelled');
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe('cancelled');
    expect(run.child().signal.aborted).toBe(true);
  });

  test('a disposed scope no longer hears its parent; an unwatched waiter is not called', () => {
    const run = new CancelScope();
    const done = run.child();
    const calls: string[] = [];
    done.watch(() => calls.push('disposed'));
    done.dispose();
    const live = run.child();
    const unwatch = live.watch(() => calls.push('unwatched'));
    unwatch();
    live.watch(() => calls.push('live'));
    run.abort('x');
    expect(calls).toEqual(['live']);
  });

  test('watching a scope that has aborted already calls back a microtask later (unless unwatched)', async () => {
    const run = new CancelScope();
    run.abort('gone');
    const calls: string[] = [];
    run.child().watch(() => calls.push('late'));
    run.watch(() => calls.push('never'))();
    expect(calls).toEqual([]);
    await Promise.resolve();
    expect(calls).toEqual(['late']);
  });

  test('timeout(): a child that aborts with its reason after the time, unless disposed first', async () => {
    const run = new CancelScope();
    const late = run.timeout(5, () => new Error('too slow'));
    await expect(raceAbort(new Promise(() => undefined), late)).rejects.toThrow('too slow');
    expect(run.aborted).toBe(false);
    const done = run.timeout(5, () => new Error('never'));
    done.dispose();
    await sleep(20, run);
    expect(done.aborted).toBe(false);
  });

  test('raceAbort and sleep reject with the reason when the scope aborts, and settle normally otherwise', async () => {
    const run = new CancelScope();
    const group = run.child();
    await expect(raceAbort(Promise.resolve(1), group)).resolves.toBe(1);
    await expect(raceAbort(3, group)).resolves.toBe(3);
    const never = raceAbort(new Promise(() => undefined), group);
    const napping = sleep(60_000, group);
    run.abort(new Error('cancelled'));
    await expect(never).rejects.toThrow('cancelled');
    await expect(napping).rejects.toThrow('cancelled');
    await expect(sleep(1, new CancelScope())).resolves.toBeUndefined();
    await expect(raceAbort(Promise.resolve(2), group)).rejects.toThrow('cancelled');
    await expect(raceAbort(4, group)).rejects.toThrow('cancelled');
  });

  test('raceAbortThen settles with what its handlers make of the value, the failure or the abort, and cleans up once', async () => {
    let cleaned = 0;
    const cleanup = (): void => void cleaned++;
    // Both settle the race with a `number | string`.
    const twice = (v: number): number | string => v * 2;
    const named = (e: unknown): number | string => `failed: ${(e as Error).message}`;
    await expect(raceAbortThen(Promise.resolve(2), new CancelScope(), cleanup, twice, named)).resolves.toBe(4);
    await expect(raceAbortThen(Promise.reject(new Error('x')), new CancelScope(), cleanup, twice, named)).resolves.toBe('failed: x');
    // A handler that throws rejects; one that returns a promise is waited on.
    await expect(raceAbortThen(Promise.resolve(1), new CancelScope(), cleanup, () => { throw new RangeError('no'); }, named)).rejects.toThrow(RangeError);
    await expect(raceAbortThen(Promise.resolve(1), new CancelScope(), cleanup, (v) => Promise.resolve<number | string>(v + 1), named)).resolves.toBe(2);
    const scope = new CancelScope();
    const pending = raceAbortThen(new Promise<number>(() => undefined), scope, cleanup, twice, named);
    scope.abort(new Error('stop'));
    await expect(pending).resolves.toBe('failed: stop');
    await expect(raceAbortThen(Promise.resolve(1), scope, cleanup, twice, named)).resolves.toBe('failed: stop');
    // A thenable whose `then` throws fails like a rejection, and is cleaned up once.
    const broken = { then: (): never => { throw new Error('broken then'); } } as unknown as PromiseLike<number>;
    await expect(raceAbortThen(broken, new CancelScope(), cleanup, twice, named)).resolves.toBe('failed: broken then');
    await expect(raceAbortThen(broken, scope, cleanup, twice, named)).resolves.toBe('failed: stop');
    expect(cleaned).toBe(8);
  });
});
