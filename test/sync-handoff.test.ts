import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Runtime, StepFailedError, StepTimeoutError, WorkflowCancelledError, type FnContext, type Workflow, type WorkflowEvent } from '@faastlane/core';
import { IsInt, Min, Validate, ValidatorConstraint, type ValidatorConstraintInterface } from 'class-validator';
import { Fn, task, workflow } from '@faastlane/dsl';

// The executor hands a synchronous function's output straight to the next step, with no promise in
// between. These pin down that doing so keeps the order of events, retries, timeouts and cancellation.

@Fn() class AddOne { run(n: number): number { return n + 1; } }
@Fn() class Twice { run(n: number): number { return n * 2; } }
@Fn() class Later { async run(n: number): Promise<number> { await new Promise((r) => setTimeout(r, 1)); return n + 100; } }

let flaky = 0;
@Fn({ retries: 2 }) class SyncFlaky { run(n: number): number { if (++flaky % 3 !== 0) throw new Error(`flake ${flaky}`); return n; } }

@Fn({ timeoutMs: 5 }) class SlowSync { run(n: number): number { const end = performance.now() + 20; while (performance.now() < end); return n; } }

@Fn() class Hangs { run(_n: number, ctx: FnContext): Promise<number> { return new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('never seen')), { once: true })); } }

/** An asynchronous rule (a lookup elsewhere, say): it makes the input check a promise, so these steps take the validated path. */
@ValidatorConstraint({ async: true })
class KnownLater implements ValidatorConstraintInterface {
  async validate(value: unknown): Promise<boolean> {
    return typeof value === 'number';
  }
}
class Count { @IsInt() @Min(0) @Validate(KnownLater) n!: number; }
let validatedFlaky = 0;
@Fn({ input: Count, retries: 2 }) class ValidatedFlaky {
  async run(c: Count): Promise<Count> { await Promise.resolve(); if (++validatedFlaky % 3 !== 0) throw new Error(`flake ${validatedFlaky}`); return { n: c.n + 1 }; }
}
@Fn({ input: Count }) class ValidatedSync { run(c: Count): Count { return { n: c.n * 10 }; } }
@Fn({ input: Count }) class ValidatedBoom { async run(_c: Count): Promise<Count> { throw new RangeError('validated boom'); } }
@Fn({ input: Count }) class ValidatedHangs { run(_c: Count, ctx: FnContext): Promise<Count> { return new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('never seen')), { once: true })); } }

let rt: Runtime;
beforeAll(async () => { rt = await Runtime.create({ workerThreads: 1, retryBackoff: { initialMs: 1, maxMs: 1, factor: 1 } }); });
afterAll(() => rt.close());

const collect = async <In, Out>(wf: Workflow<In, Out>, input: In, onEvent?: (e: WorkflowEvent, cancel: (r?: string) => void) => void): Promise<{ events: WorkflowEvent[]; out: Promise<Out> }> => {
  const events: WorkflowEvent[] = [];
  const run = rt.start(wf, input);
  run.events$.subscribe((e) => { events.push(e); onEvent?.(e, run.cancel); });
  const out = run.result;
  await out.catch(() => undefined);
  return { events, out };
};

describe('synchronous steps hand their output straight on', () => {
  test('a chain of synchronous and asynchronous steps keeps its order of events and its output', async () => {
    const wf = workflow('sync-chain').pipe(task(AddOne), task(Twice), task(Later), task(AddOne, { name: 'again' }));
    const { events, out } = await collect(wf, 1);
    expect(await out).toBe(105);
    const steps = events.filter((e) => e.type === 'step.started' || e.type === 'step.completed').map((e) => `${e.type === 'step.started' ? '>' : '<'}${'path' in e ? e.path.split('/').at(-1) : ''}`);
    expect(steps).toEqual(['>AddOne', '<AddOne', '>Twice', '<Twice', '>Later', '<Later', '>again', '<again']);
    // Each function starts after the one before it ended, and the spans are on one clock.
    const spans = events.flatMap((e) => (e.type === 'step.completed' && e.ran ? [e.ran] : []));
    expect(spans).toHaveLength(4);
    for (let i = 1; i < spans.length; i++) expect(spans[i]!.start).toBeGreaterThanOrEqual(spans[i - 1]!.end);
  });

  test('start() still returns before a synchronous first step runs', async () => {
    const run = rt.start(workflow('sync-deferred').pipe(task(AddOne)), 1);
    const seen: string[] = [];
    run.events$.subscribe((e) => seen.push(e.type));
    expect(seen).toEqual([]);
    expect(await run.result).toBe(2);
  });

  test('a synchronous function that throws is retried, then succeeds', async () => {
    flaky = 0;
    const { events, out } = await collect(workflow('sync-retry').pipe(task(AddOne), task(SyncFlaky), task(Twice)), 3);
    expect(await out).toBe(8);
    expect(events.filter((e) => e.type === 'step.failed').map((e) => e.type === 'step.failed' && e.willRetry)).toEqual([true, true]);
    expect(events.filter((e) => e.type === 'step.retried')).toHaveLength(2);
  });

  test('a synchronous function over its timeout fails with StepTimeoutError', async () => {
    const { out } = await collect(workflow('sync-timeout').pipe(task(AddOne), task(SlowSync), task(Twice)), 1);
    await expect(out).rejects.toBeInstanceOf(StepTimeoutError);
  });

  test('validated steps (validation is asynchronous) keep their retries, errors, order and cancellation', async () => {
    validatedFlaky = 0;
    const { events, out } = await collect(workflow('validated').pipe(task(ValidatedFlaky), task(ValidatedSync)), { n: 1 });
    expect(await out).toEqual({ n: 20 });
    expect(events.filter((e) => e.type === 'step.failed').map((e) => e.type === 'step.failed' && e.willRetry)).toEqual([true, true]);
    const spans = events.flatMap((e) => (e.type === 'step.completed' && e.ran ? [e.ran] : []));
    expect(spans).toHaveLength(2);
    expect(spans[1]!.start).toBeGreaterThanOrEqual(spans[0]!.end);

    const boom = await collect(workflow('validated-boom').pipe(task(ValidatedSync), task(ValidatedBoom)), { n: 1 });
    await expect(boom.out).rejects.toBeInstanceOf(StepFailedError);
    await expect(boom.out).rejects.toMatchObject({ stepPath: 'validated-boom/ValidatedBoom' });

    const run = rt.start(workflow('validated-hang').pipe(task(ValidatedSync), task(ValidatedHangs)), { n: 1 });
    setTimeout(() => run.cancel('stop'), 5);
    await expect(run.result).rejects.toBeInstanceOf(WorkflowCancelledError);
  });

  test('a cancel from an event handler stops the chain before the next step starts', async () => {
    const wf = workflow('sync-cancel').pipe(task(AddOne), task(Twice), task(AddOne, { name: 'third' }));
    const { events, out } = await collect(wf, 1, (e, cancel) => {
      if (e.type === 'step.completed' && e.path.endsWith('/Twice')) cancel('enough');
    });
    await expect(out).rejects.toBeInstanceOf(WorkflowCancelledError);
    expect(events.some((e) => e.type === 'step.started' && e.path.endsWith('/third'))).toBe(false);
  });

  test('cancelling a run whose step is pending rejects at once, and the step reports it', async () => {
    const run = rt.start(workflow('sync-hang').pipe(task(AddOne), task(Hangs)), 1);
    const events: WorkflowEvent[] = [];
    run.events$.subscribe((e) => events.push(e));
    setTimeout(() => run.cancel('stop'), 5);
    await expect(run.result).rejects.toBeInstanceOf(WorkflowCancelledError);
    expect(events.find((e) => e.type === 'step.failed')).toMatchObject({ path: 'sync-hang/Hangs', willRetry: false });
  });

  test('a synchronous failure is a StepFailedError that names the step', async () => {
    @Fn() class Boom { run(_n: number): number { throw new RangeError('boom'); } }
    const { out } = await collect(workflow('sync-boom').pipe(task(AddOne), task(Boom)), 1);
    await expect(out).rejects.toBeInstanceOf(StepFailedError);
    await expect(out).rejects.toMatchObject({ stepPath: 'sync-boom/Boom' });
  });
});
