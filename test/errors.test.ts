import 'reflect-metadata';
import { IsInt, IsString, Min, Validate, ValidateNested, ValidatorConstraint, type ValidatorConstraintInterface } from 'class-validator';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import {
  InputValidationError,
  Runtime,
  RuntimeClosedError,
  StepFailedError,
  StepTimeoutError,
  WorkflowCancelledError,
  WorkflowValidationError,
  type FnContext,
  type WorkflowEvent,
} from '@faastlane/core';
import { Fn, map, parallel, retry, task, timeout, workflow, type Operator } from '@faastlane/dsl';

/** Erases an operator's types, to build workflows that are wrong on purpose. */
const untyped = (op: Operator<never, unknown>): Operator<unknown, unknown> => op as Operator<unknown, unknown>;

class Size { @IsInt() @Min(1) width!: number; @IsInt() @Min(1) height!: number; }
class ResizeIn {
  @IsString() name!: string;
  @ValidateNested() size!: Size;
}

class Resize {
  @Fn()
  run(input: ResizeIn): string { return `${input.name}:${input.size.width}x${input.size.height}`; }
}

@Fn({ input: Size })
class Area { run(input: Size): number { return input.width * input.height; } }

let flakyCalls = 0;
@Fn({ retries: 2 })
class Flaky { run(n: number): number { if (++flakyCalls < 3) throw new Error(`flake ${flakyCalls}`); return n; } }

@Fn() class NeverRetried { run(_n: number): number { throw new TypeError('no luck'); } }

@Fn({ retries: 1 })
class AlwaysFails { run(_n: number): number { throw new TypeError('bad things'); } }

// An object, not a `let`: TypeScript would narrow a reset `let` to `undefined` across the awaits below.
const seen: { signal?: AbortSignal } = {};
const lastSignal = (): AbortSignal | undefined => seen.signal;
@Fn({ timeoutMs: 30 })
class Sleepy {
  run(_n: number, ctx: FnContext): Promise<number> {
    seen.signal = ctx.signal;
    return new Promise((resolve) => setTimeout(() => resolve(1), 10_000).unref());
  }
}

/** Computes synchronously for `ms`: nothing can interrupt it on the calling thread. */
@Fn() class Busy { run(ms: number): number { const end = performance.now() + ms; while (performance.now() < end); return ms; } }

/** An async rule whose lookup never answers. */
@ValidatorConstraint({ name: 'stalls', async: true })
class Stalls implements ValidatorConstraintInterface { validate(): Promise<boolean> { return new Promise(() => undefined); } }
class StalledIn { @Validate(Stalls) id!: string; }
let stalledRuns = 0;
@Fn({ timeoutMs: 30, input: StalledIn })
class StalledCheck { run(_input: StalledIn): number { return ++stalledRuns; } }

@Fn() class Waits { run(ms: number): Promise<number> { return new Promise((resolve) => setTimeout(() => resolve(ms), ms)); } }

@Fn() class Forever { run(_n: number, ctx: FnContext): Promise<number> { seen.signal = ctx.signal; return new Promise(() => undefined); } }
@Fn() class Id { run(n: number): number { return n; } }
class NotDecorated { run(n: number): number { return n; } }

let rt: Runtime;
beforeAll(async () => { rt = await Runtime.create({ retryBackoff: { initialMs: 1, maxMs: 2 } }); });
afterAll(() => rt.close());

const collect = (events: WorkflowEvent[]) => (e: WorkflowEvent) => { events.push(e); };

describe('input validation', () => {
  test('an invalid input fails with InputValidationError, property paths included, and the function does not run', async () => {
    const wf = workflow('validate').pipe(task(Resize));
    const size = Object.assign(new Size(), { width: 0, height: 2 });
    const error = await rt.invoke(wf, { name: 7 as unknown as string, size }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputValidationError);
    const e = error as InputValidationError;
    expect(e.stepPath).toBe('validate/Resize');
    expect(e.inputType).toBe('ResizeIn');
    expect(e.violations.map((v) => v.property).sort()).toEqual(['name', 'size.width']);
    expect(e.violations.find((v) => v.property === 'size.width')?.constraints).toHaveProperty('min');
  });

  test('a valid plain object passes, validated through a view that leaves the input untouched', async () => {
    const input = { width: 3, height: 4 };
    expect(await rt.invoke(workflow('area').pipe(task(Area)), input)).toBe(12);
    expect(Object.getPrototypeOf(input)).toBe(Object.prototype);
  });

  test('a non-object input for a DTO is rejected', async () => {
    const error = await rt.invoke(workflow('area2').pipe(task(Area)), 5 as unknown as Size).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputValidationError);
    expect((error as InputValidationError).message).toMatch(/expected an object of Size, got number/);
  });

  test('validation errors are not retried', async () => {
    @Fn({ retries: 3, input: Size }) class Retried { run(s: Size): number { return s.width; } }
    const events: WorkflowEvent[] = [];
    const run = rt.start(workflow('no-retry').pipe(task(Retried)), { width: -1, height: 1 });
    run.events$.subscribe(collect(events));
    await expect(run.result).rejects.toBeInstanceOf(InputValidationError);
    expect(events.filter((e) => e.type === 'step.started')).toHaveLength(1);
  });
});

describe('failures, retries, timeouts', () => {
  test('@Fn({ retries }) retries with backoff and reports each attempt', async () => {
    flakyCalls = 0;
    const events: WorkflowEvent[] = [];
    const run = rt.start(workflow('flaky').pipe(task(Flaky)), 9);
    run.events$.subscribe(collect(events));
    expect(await run.result).toBe(9);
    expect(events.map((e) => (e.type.startsWith('step.') ? `${e.type}:${'attempt' in e ? e.attempt : ''}` : e.type))).toEqual([
      'workflow.started',
      'step.started:1', 'step.failed:1', 'step.retried:2',
      'step.started:2', 'step.failed:2', 'step.retried:3',
      'step.started:3', 'step.completed:3',
      'workflow.completed',
    ]);
  });

  test('a retry cancelled during its backoff ends the attempt it announced (@Fn retries and retry())', async () => {
    const patient = await Runtime.create({ retryBackoff: { initialMs: 10_000, maxMs: 10_000 } });
    const long = { initialMs: 10_000, factor: 1, maxMs: 10_000 };
    try {
      for (const wf of [workflow('cancel-backoff').pipe(task(AlwaysFails)), workflow('cancel-backoff-op').pipe(retry(task(NeverRetried), { retries: 1, backoff: long }))]) {
        const events: WorkflowEvent[] = [];
        const run = patient.start(wf, 1);
        run.events$.subscribe(collect(events));
        await vi.waitFor(() => expect(events.some((e) => e.type === 'step.retried')).toBe(true));
        run.cancel('stop waiting');
        await expect(run.result).rejects.toBeInstanceOf(WorkflowCancelledError);
        const retried = events.find((e) => e.type === 'step.retried');
        const last = events.filter((e) => e.type === 'step.failed').at(-1);
        expect(retried).toMatchObject({ attempt: 2 });
        expect(last).toMatchObject({ attempt: 2, willRetry: false, error: expect.any(WorkflowCancelledError) });
      }
    } finally {
      await patient.close();
    }
  });

  test('the last failure is a StepFailedError with the step path, attempt and cause', async () => {
    const wf = workflow('fails').pipe(task(Id), parallel(task(Id), task(AlwaysFails)));
    const error = await rt.invoke(wf, 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepFailedError);
    const e = error as StepFailedError;
    expect(e.stepPath).toBe('fails/parallel[1]/AlwaysFails');
    expect(e.attempt).toBe(2);
    expect(e.cause).toBeInstanceOf(TypeError);
    expect(e.message).toContain('bad things');
  });

  test('retry() re-runs a whole sub-pipeline', async () => {
    flakyCalls = -10; // Flaky's own retries are not enough on their own
    const wf = workflow('retry-op').pipe(retry(task(Flaky), { retries: 5, backoff: { initialMs: 1, factor: 1, maxMs: 1 } }));
    expect(await rt.invoke(wf, 4)).toBe(4);
  });

  test('a step timeout fails with StepTimeoutError and fires the step signal', async () => {
    delete seen.signal;
    const started = Date.now();
    const error = await rt.invoke(workflow('slow').pipe(task(Sleepy)), 1).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error).toBeInstanceOf(StepTimeoutError);
    expect((error as StepTimeoutError).stepPath).toBe('slow/Sleepy');
    expect(lastSignal()?.aborted).toBe(true);
  });

  test('timeout() bounds any operator', async () => {
    const error = await rt.invoke(workflow('bounded').pipe(timeout(task(Forever), 20)), 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepTimeoutError);
    expect((error as StepTimeoutError).stepPath).toBe('bounded/Forever');
    expect(lastSignal()?.aborted).toBe(true);
  });

  test('timeout() fails a body that ran synchronously past its budget (its timer could not fire meanwhile)', async () => {
    const error = await rt.invoke(workflow('sync-bounded').pipe(timeout(task(Busy), 20)), 60).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepTimeoutError);
    expect((error as StepTimeoutError).stepPath).toBe('sync-bounded/Busy');
    await expect(rt.invoke(workflow('sync-in-time').pipe(timeout(task(Busy), 5_000)), 1)).resolves.toBe(1);
  });

  test('a step timeout bounds an asynchronous input check that stalls, and the function never runs', async () => {
    const error = await rt.invoke(workflow('stalled-check').pipe(task(StalledCheck)), { id: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepTimeoutError);
    expect((error as StepTimeoutError).stepPath).toBe('stalled-check/StalledCheck');
    expect(stalledRuns).toBe(0);
  });

  test('map over a non-array fails with WorkflowValidationError naming the map', async () => {
    const error = await rt.invoke(workflow('not-array').pipe(task(Id), untyped(map(task(Id)))), 3).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowValidationError);
    expect((error as WorkflowValidationError).problems[0]?.path).toBe('not-array/map');
  });
});

describe('a failed branch stops its siblings', () => {
  test('siblings report that they were stopped, not the other branch\'s error', async () => {
    const events: WorkflowEvent[] = [];
    const run = rt.start(workflow('siblings').pipe(parallel(task(AlwaysFails), task(Forever))), 1);
    run.events$.subscribe(collect(events));
    const error = await run.result.catch((e: unknown) => e);
    expect((error as StepFailedError).stepPath).toBe('siblings/parallel[0]/AlwaysFails');
    const stopped = events.find((e) => e.type === 'step.failed' && e.path === 'siblings/parallel[1]/Forever');
    expect(stopped?.type === 'step.failed' && stopped.error).toBeInstanceOf(WorkflowCancelledError);
  });
});

describe('cancellation and shutdown', () => {
  test('cancel() rejects the result at once with WorkflowCancelledError and aborts the running step', async () => {
    delete seen.signal;
    const run = rt.start(workflow('cancel').pipe(task(Id), task(Forever), task(Id, { name: 'After' })), 1);
    const events: WorkflowEvent[] = [];
    run.events$.subscribe(collect(events));
    await new Promise((r) => setTimeout(r, 20));
    run.cancel('user pressed stop');
    const error = await run.result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowCancelledError);
    expect((error as WorkflowCancelledError).reason).toBe('user pressed stop');
    expect(lastSignal()?.aborted).toBe(true);
    expect(events.some((e) => e.type === 'step.started' && e.path === 'cancel/After')).toBe(false);
    expect(events.at(-1)?.type).toBe('workflow.failed');
  });

  test('an external AbortSignal cancels too', async () => {
    const controller = new AbortController();
    const result = rt.invoke(workflow('abort').pipe(task(Forever)), 1, { signal: controller.signal });
    setTimeout(() => controller.abort('enough'), 10);
    await expect(result).rejects.toBeInstanceOf(WorkflowCancelledError);
  });

  test('bad runtime options fail at create', async () => {
    await expect(Runtime.create({ childProcesses: 1.5 })).rejects.toThrow(/childProcesses must be a whole number/);
    await expect(Runtime.create({ mode: 'serverless' as never })).rejects.toThrow(/mode must be/);
  });

  test('a runtime closes after its runs finish, cancels stragglers after the grace period, then refuses work', async () => {
    const own = await Runtime.create();
    const done = own.invoke(workflow('quick').pipe(task(Id)), 5);
    const stuck = own.invoke(workflow('stuck').pipe(task(Forever)), 5);
    await own.close({ graceMs: 20 });
    expect(await done).toBe(5);
    await expect(stuck).rejects.toBeInstanceOf(WorkflowCancelledError);
    await expect(own.invoke(workflow('late').pipe(task(Id)), 1)).rejects.toBeInstanceOf(RuntimeClosedError);
  });

  test('close({ graceMs: Infinity }) waits for the runs; a second close is the same shutdown; events$ completes', async () => {
    const own = await Runtime.create();
    await expect(own.close({ graceMs: Number.NaN })).rejects.toBeInstanceOf(RangeError);
    let completed = false;
    own.events$.subscribe({ complete: () => (completed = true) });
    const slow = own.invoke(workflow('slow-but-sure').pipe(task(Waits)), 80);
    const first = own.close({ graceMs: Number.POSITIVE_INFINITY });
    const second = own.close();
    expect(second).toBe(first);
    await first;
    expect(await slow).toBe(80);
    expect(completed).toBe(true);
  });
});

describe('graph validation', () => {
  test('every problem of a graph is reported at once, each with its step path', () => {
    @Fn({ timeoutMs: -5, retries: 1.5, isolation: 'vm' as never }) class BadOptions { run(n: number): number { return n; } }
    const wf = workflow('broken').pipe(
      untyped(task(NotDecorated)),
      untyped(task(Id, { name: 'same' })),
      untyped(task(Id, { name: 'same' })),
      untyped(task(Id)),
      untyped(task(Id)),
      untyped(parallel()),
      untyped(map(task(BadOptions), { concurrency: 0 })),
    );
    let error: unknown;
    try { rt.plan(wf); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(WorkflowValidationError);
    const problems = (error as WorkflowValidationError).problems.map((p) => `${p.path}: ${p.message}`);
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^broken\/NotDecorated: unknown function "NotDecorated": is its class decorated with @Fn\(\)\?/),
      expect.stringMatching(/^broken\/same: duplicate step name "same"/),
      expect.stringMatching(/^broken\/parallel: parallel\(\) needs at least one branch/),
      expect.stringMatching(/^broken\/map: map concurrency must be a positive integer/),
      expect.stringMatching(/^broken\/map\[\*\]\/BadOptions: @Fn option of BadOptions: isolation must be/),
      expect.stringMatching(/timeoutMs must be a positive number up to 2147483647, got -5/),
      expect.stringMatching(/retries must be a non-negative integer, got 1.5/),
    ]));
    expect(problems).toHaveLength(7);
  });

  test('a timeout longer than a timer keeps (about 24.8 days) is refused, not left to fire after 1 ms', () => {
    @Fn({ timeoutMs: 2 ** 31 }) class TooPatient { run(n: number): number { return n; } }
    const problems = (plan: () => unknown): string[] => {
      try { plan(); } catch (e) { return (e as WorkflowValidationError).problems.map((p) => p.message); }
      return [];
    };
    expect(problems(() => rt.plan(workflow('patient-fn').pipe(task(TooPatient))))).toEqual([expect.stringMatching(/timeoutMs must be a positive number up to 2147483647, got 2147483648/)]);
    expect(problems(() => rt.plan(workflow('patient-op').pipe(timeout(task(Id), 30 * 86_400_000))))).toEqual([expect.stringMatching(/timeout must be a positive number of milliseconds up to 2147483647/)]);
  });

  test('a runtime refuses a second class under a function name it already runs', async () => {
    const own = await Runtime.create();
    try {
      const first = (() => { @Fn({ isolation: 'process' }) class Handler { run(n: number): number { return n; } } return Handler; })();
      const second = (() => { @Fn({ isolation: 'process' }) class Handler { run(n: number): number { return -n; } } return Handler; })();
      own.plan(workflow('first').pipe(task(first)));
      // The same class again is fine, in another workflow too.
      own.plan(workflow('first-again').pipe(task(first)));
      const error = (() => { try { own.plan(workflow('second').pipe(task(second))); } catch (e) { return e; } })();
      expect(error).toBeInstanceOf(WorkflowValidationError);
      expect((error as WorkflowValidationError).problems).toEqual([
        { path: 'second', message: expect.stringMatching(/^function "Handler" \(class Handler of .*errors\.test\.ts\) has the name of another function this runtime runs \(class Handler of .*\): .*@Fn\(\{ name \}\)$/) },
      ]);
    } finally {
      await own.close();
    }
  });

  test('invoke rejects an invalid workflow without running anything', async () => {
    await expect(rt.invoke(workflow('bad').pipe(task(NotDecorated)), 1)).rejects.toBeInstanceOf(WorkflowValidationError);
  });
});
