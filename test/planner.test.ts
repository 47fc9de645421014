import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { Measurements, planWorkflow, Runtime, UNISOLATED, WorkflowValidationError, type MachineInfo, type Plan, type PlanningContext, type TaskPlan } from '@faastlane/core';
import { Fn, map, parallel, pipe, task, workflow } from '@faastlane/dsl';
import { Aggregate, Burn, KeepSecret, PlainIncrement, Produce, ReceiveInProcess, ReceiveOnThread } from '@faastlane/examples/tiers/functions';

/** Declared in this TypeScript file: a worker could not import it. */
@Fn({ cpu: 'bound' }) class LocalBurn { run(n: { readonly seed: number }): number { return n.seed; } }
@Fn({ cpu: 'io' }) class Fetch { async run(n: number): Promise<number> { return n; } }
@Fn() class Unhinted { run(n: number): number { return n; } }

const noMpk: MachineInfo = { vcpus: 2, vcpuSource: 'os', mpk: { available: false, reason: 'CPU lacks PKU (CPUID.7.0:ECX bit 3)', freeKeys: 0 } };
const context = (over: Partial<PlanningContext> = {}): PlanningContext => ({
  mode: 'faastlane', machine: noMpk, workerThreads: 2, processes: true, containerCapacity: 0, measurements: new Measurements(), ...over,
});
const placements = (tasks: TaskPlan[]): Record<string, string> => Object.fromEntries(tasks.map((t) => [t.path, t.placement]));

const fanOut = workflow('fan').pipe(map(task(Burn)), task(Aggregate));

describe('placement', () => {
  test('a sequence is one lane on the main thread', () => {
    const plan = planWorkflow(workflow('seq').pipe(task(Produce), task(ReceiveOnThread)) as never, context());
    expect(placements(plan.tasks())).toEqual({ 'seq/Produce': 'main-thread', 'seq/ReceiveOnThread': 'main-thread' });
    expect(plan.root.kind).toBe('lane');
  });

  test('I/O-bound branches share the event loop; CPU-bound ones go to worker threads', () => {
    const io = planWorkflow(workflow('io').pipe(map(task(Fetch))) as never, context());
    expect(io.root.steps[0]).toMatchObject({ kind: 'group', executor: 'event-loop', reason: expect.stringMatching(/I\/O-bound/) });
    const cpu = planWorkflow(fanOut as never, context());
    expect(cpu.root.steps[0]).toMatchObject({ kind: 'group', executor: 'worker-threads', reason: expect.stringMatching(/CPU-bound branches on 2 worker thread/) });
    expect(placements(cpu.tasks())).toEqual({ 'fan/map[*]/Burn': 'worker-thread', 'fan/Aggregate': 'main-thread' });
  });

  test('a CPU-bound function whose module a worker cannot load stays on this thread, and the plan says why', () => {
    const plan = planWorkflow(workflow('local').pipe(parallel(task(LocalBurn), task(Burn))) as never, context());
    const [local, compiled] = plan.tasks();
    expect(local).toMatchObject({ placement: 'main-thread', reason: expect.stringMatching(/not plain JavaScript/) });
    expect(compiled).toMatchObject({ placement: 'worker-thread' });
  });

  test('unhinted functions start on the event loop and move to threads once measured CPU-bound', () => {
    const measurements = new Measurements();
    const wf = workflow('learn').pipe(parallel(task(PlainIncrement), task(PlainIncrement)));
    expect(planWorkflow(wf as never, context({ measurements })).root.steps[0]).toMatchObject({ executor: 'event-loop', reason: expect.stringMatching(/not measured yet/) });
    measurements.recordCall('PlainIncrement', 8, 7.9);
    const learned = planWorkflow(wf as never, context({ measurements }));
    expect(learned.root.steps[0]).toMatchObject({ executor: 'worker-threads' });
    expect(placements(learned.tasks())).toEqual({ 'learn/parallel[0]/PlainIncrement': 'worker-thread', 'learn/parallel[1]/PlainIncrement': 'worker-thread' });
  });

  test('a CPU-bound group whose functions no worker can load stays on the event loop, and says why', () => {
    const measurements = new Measurements();
    measurements.recordCall('Unhinted', 8, 7.9);
    // Declared in this TypeScript test file, so it cannot follow onto a worker.
    const plan = planWorkflow(workflow('held').pipe(parallel(task(Unhinted), task(Unhinted))) as never, context({ measurements }));
    expect(plan.root.steps[0]).toMatchObject({ executor: 'event-loop', reason: expect.stringMatching(/no worker thread can load their functions \(.*not plain JavaScript.*\)/) });
    expect(new Set(plan.tasks().map((t) => t.placement))).toEqual(new Set(['main-thread']));
    // A branch with a function a worker can load still sends it there; only the other stays here.
    const mixed = planWorkflow(workflow('mixed').pipe(parallel(pipe(task(Burn), task(Unhinted)), pipe(task(Burn), task(Unhinted)))) as never, context({ measurements }));
    expect(mixed.root.steps[0]).toMatchObject({ executor: 'worker-threads' });
    expect(placements(mixed.tasks())).toMatchObject({ 'mixed/parallel[0]/Burn': 'worker-thread', 'mixed/parallel[0]/Unhinted': 'main-thread' });
  });

  test('measured-tiny CPU-bound branches stay on the event loop: a thread hop would cost more', () => {
    const measurements = new Measurements();
    for (let i = 0; i < 20; i++) measurements.recordCall('Burn', 0.004, 0.004);
    const plan = planWorkflow(fanOut as never, context({ measurements }));
    expect(plan.root.steps[0]).toMatchObject({ executor: 'event-loop', reason: expect.stringMatching(/less than a thread hop/) });
  });

  test('near the break-even a group keeps its executor: it moves to threads at 2x a thread hop, back under 1x', () => {
    const measured = (ms: number): Measurements => {
      const m = new Measurements();
      for (let i = 0; i < 9; i++) m.recordCall('Burn', ms, ms);
      return m;
    };
    const executor = (ms: number, previous?: Plan): { plan: Plan; executor: unknown; reason: unknown } => {
      const plan = planWorkflow(fanOut as never, context({ measurements: measured(ms), previous }));
      const group = plan.root.steps[0] as { executor: unknown; reason: unknown };
      return { plan, executor: group.executor, reason: group.reason };
    };
    const onLoop = executor(0.05).plan;
    expect(executor(0.15, onLoop)).toMatchObject({ executor: 'event-loop', reason: expect.stringMatching(/stays on the event loop until a branch takes 0.2 ms/) });
    expect(executor(0.25, onLoop).executor).toBe('worker-threads');
    const onThreads = executor(0.5).plan;
    expect(executor(0.15, onThreads).executor).toBe('worker-threads');
    expect(executor(0.05, onThreads).executor).toBe('event-loop');
    expect(executor(0.15).executor).toBe('worker-threads'); // no plan before: the break-even alone
  });

  test('isolation: process and (without MPK) domain go to child processes; the plan says why', () => {
    const plan = planWorkflow(workflow('iso').pipe(task(Produce), task(ReceiveInProcess)) as never, context());
    const [, proc] = plan.tasks();
    const domain = planWorkflow(workflow('iso-domain').pipe(task(KeepSecret)) as never, context()).tasks()[0];
    expect(proc).toMatchObject({ placement: 'child-process', reason: expect.stringMatching(/isolation 'process'/) });
    expect(domain).toMatchObject({ placement: 'child-process', reason: expect.stringMatching(/MPK is unavailable \(CPU lacks PKU/) });
    const none = planWorkflow(workflow('iso2').pipe(task(ReceiveInProcess)) as never, context({ processes: false }));
    expect(none.tasks()[0]).toMatchObject({ placement: 'main-thread', reason: expect.stringMatching(/UNISOLATED/) });
  });

  test('a runtime that runs a function asking for isolation unisolated says so once, as a process warning', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => {
      if ((w as Error & { code?: string }).code === UNISOLATED) warnings.push(w);
    };
    process.on('warning', onWarning);
    const rt = await Runtime.create({ workerThreads: 0, childProcesses: 0 });
    try {
      const wf = workflow('unisolated').pipe(task(Produce), task(ReceiveInProcess));
      await rt.invoke(wf, 4);
      await rt.invoke(workflow('unisolated-again').pipe(task(ReceiveInProcess)), { bytes: new Uint8Array(2), sentAt: 0 });
      await expect.poll(() => warnings.length).toBe(1);
      expect(warnings[0]?.message).toMatch(/^ReceiveInProcess asks for isolation 'process' but runs unisolated on the calling thread: .*child processes are disabled in this runtime/);
      // A function that runs isolated, or asks for nothing, is not reported.
      expect(warnings.some((w) => w.message.startsWith('Produce'))).toBe(false);
    } finally {
      process.off('warning', onWarning);
      await rt.close();
    }
  });

  test('a wide group spills to containers only when measured branches pay for the hop', () => {
    const wide = workflow('wide').pipe(parallel(...Array.from({ length: 8 }, () => task(Burn))));
    const spill = (measurements: Measurements, containerCapacity: number) =>
      (planWorkflow(wide as never, context({ measurements, containerCapacity })).root.steps[0] as { spill: unknown }).spill;

    expect(spill(new Measurements(), 0)).toMatchObject({ enabled: false, reason: expect.stringMatching(/no container tier/) });
    expect(spill(new Measurements(), 4)).toMatchObject({ enabled: false, reason: expect.stringMatching(/not measured yet/) });
    const short = new Measurements();
    short.recordCall('Burn', 1, 1);
    expect(spill(short, 4)).toMatchObject({ enabled: false, reason: expect.stringMatching(/less than 3x the 2.00 ms container hop/) });
    const long = new Measurements();
    long.recordCall('Burn', 50, 50);
    expect(spill(long, 4)).toMatchObject({ enabled: true, beyond: 2, reason: expect.stringMatching(/go to other containers/) });
    const narrow = workflow('narrow').pipe(parallel(task(Burn), task(Burn)));
    expect((planWorkflow(narrow as never, context({ measurements: long, containerCapacity: 4 })).root.steps[0] as { spill: unknown }).spill)
      .toMatchObject({ enabled: false, reason: expect.stringMatching(/fit in 2 thread/) });
  });

  test('function-per-container mode puts every function in a container', () => {
    const plan = planWorkflow(fanOut as never, context({ mode: 'function-per-container', workerThreads: 0 }));
    expect(new Set(plan.tasks().map((t) => t.placement))).toEqual(new Set(['container']));
    expect(plan.root.steps[0]).toMatchObject({ executor: 'containers' });
    expect(plan.explain()).toContain('(function-per-container mode)');
  });

  test('function-per-container mode refuses functions no container can import, naming every such step', () => {
    const wf = workflow('lost').pipe(parallel(task(Burn), task(Burn)), task(Aggregate));
    // As if the module of Burn could not be found out (`@Fn` reads it from the call stack).
    const functions = { ...wf.graph.functions, Burn: { ...wf.graph.functions.Burn!, module: undefined } };
    const lost = Object.assign(Object.create(wf) as typeof wf, { graph: { ...wf.graph, functions } });
    const plan = (): Plan => planWorkflow(lost as never, context({ mode: 'function-per-container', workerThreads: 0 }));
    expect(plan).toThrow(WorkflowValidationError);
    expect(plan).toThrow(/2 problems:\n  - lost\/parallel\[0\]\/Burn: Burn cannot run in a container of the function-per-container baseline: the module declaring it is unknown.*\n  - lost\/parallel\[1\]\/Burn: /);
    // A TypeScript module is left to the containers (one may run with a loader for it).
    expect(planWorkflow(workflow('ts').pipe(task(LocalBurn)) as never, context({ mode: 'function-per-container', workerThreads: 0 })).tasks()[0]).toMatchObject({ placement: 'container' });
  });
});

describe('re-planning as measurements move', () => {
  test('a cold first call and a one-off pause do not hold a function\'s typical time', () => {
    const m = new Measurements();
    m.recordCall('Rule', 3, 3); // first call: module load and compilation
    expect(m.fn('Rule')?.typicalMs).toBe(3);
    m.recordCall('Rule', 0.02, 0.02); // the second replaces it
    expect(m.fn('Rule')).toMatchObject({ calls: 2, typicalMs: 0.02, cpuShare: 1 });
    m.recordCall('Rule', 0.02, 0.02);
    m.recordCall('Rule', 5, 0.02); // a GC pause, or a wait
    m.recordCall('Rule', 0.02, 0.02);
    expect(m.fn('Rule')).toMatchObject({ calls: 5, typicalMs: 0.02, cpuShare: 1 });
    for (let i = 0; i < 3; i++) m.recordCall('Rule', 0.02, 0.02);
    // A real change takes over once it is most of the last seven calls.
    for (let i = 0; i < 3; i++) m.recordCall('Rule', 1, 1);
    expect(m.fn('Rule')?.typicalMs).toBe(0.02);
    m.recordCall('Rule', 1, 1);
    expect(m.fn('Rule')?.typicalMs).toBe(1);
  });

  test('measurements saved to a file come back in a new runtime', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const file = join(mkdtempSync(join(tmpdir(), 'faastlane-measurements-')), 'm.json');
    const m = new Measurements(file);
    for (const ms of [4, 0.3, 0.2, 0.4]) m.recordCall('Burn', ms, ms);
    m.recordHop('container', 1.5);
    m.save();
    const back = new Measurements(file);
    expect(back.fn('Burn')).toMatchObject({ calls: 4, typicalMs: 0.3, cpuShare: 1 });
    expect(back.hop('container')).toMatchObject({ calls: 1, typicalMs: 1.5 });
    back.recordCall('Burn', 0.1, 0.1); // restored samples are not a warm-up call to drop
    expect(back.fn('Burn')?.typicalMs).toBeCloseTo(0.25);
  });

  test("a group whose measured branches drop under the thread break-even moves to the event loop, though no function changed class", async () => {
    const { Runtime } = await import('@faastlane/core');
    const rt = await Runtime.create({ workerThreads: 1 });
    try {
      const wf = workflow('drift').pipe(map(task(Burn)), task(Aggregate));
      // Measured at 0.3 ms a branch pays for a thread hop (0.1 ms break-even)...
      for (let i = 0; i < 5; i++) rt.measurements.recordCall('Burn', 0.3, 0.3);
      const before = rt.plan(wf);
      expect(before.root.steps[0]).toMatchObject({ executor: 'worker-threads' });
      // ...then it settles at 0.06 ms: the same size class (0.05-1 ms), so the version does not move.
      const version = rt.measurements.version;
      for (let i = 0; i < 4; i++) rt.measurements.recordCall('Burn', 0.06, 0.06);
      expect(rt.measurements.fn('Burn')?.typicalMs).toBe(0.06);
      expect(rt.measurements.version).toBe(version);
      // The plan was made at 5 recorded calls and serves 8 more before it is looked at again (9 now).
      expect(rt.plan(wf)).toBe(before);
      for (let i = 0; i < 4; i++) rt.measurements.recordCall('Burn', 0.06, 0.06);
      const after = rt.plan(wf);
      expect(after).not.toBe(before);
      expect(after.root.steps[0]).toMatchObject({ executor: 'event-loop', reason: expect.stringMatching(/less than a thread hop/) });
      // Placements that did not change keep the plan object (its tiers are prepared already).
      for (let i = 0; i < 300; i++) rt.measurements.recordCall('Burn', 0.06, 0.06);
      expect(rt.plan(wf)).toBe(after);
      // So do they when a function changes class (a median near a class boundary crosses it often).
      const settled = rt.measurements.version;
      for (let i = 0; i < 10; i++) rt.measurements.recordCall('Burn', 0.01, 0.01);
      expect(rt.measurements.version).not.toBe(settled);
      expect(rt.plan(wf)).toBe(after);
    } finally {
      await rt.close();
    }
  });
});

describe('functions declared in the entry script', () => {
  const fixture = fileURLToPath(new URL('./fixtures/entry-script.mjs', import.meta.url));

  /** Runs `node ...args` in `cwd` and returns the fixture's report. */
  const report = async (args: string[], cwd?: string): Promise<{ out: number; map: { executor: string; reason: string }; tasks: { path: string; placement: string }[] }> => {
    // Before the planner knew, the map went to workers, each of which ran the program again: the
    // call failed after the 30 s worker start timeout, if the process survived at all.
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, args, { timeout: 15_000, cwd }, (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out))),
    );
    return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as never;
  };

  test('stay on the calling thread: a worker importing the script would run the program again', async () => {
    const got = await report([fixture]);
    expect(got.out).toBe(30);
    expect(got.map).toMatchObject({ executor: 'event-loop', reason: expect.stringMatching(/no worker thread can load their functions \(it is declared in the program's entry script .*entry-script\.mjs/) });
    expect(got.tasks.map((t) => [t.path, t.placement])).toEqual([
      ['entry-script/map[*]/square', 'main-thread'],
      ['entry-script/total', 'main-thread'],
    ]);
  });

  test('also when the program was started as `node .` (the entry named by its package)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'entry-dot-'));
    try {
      copyFileSync(fixture, join(dir, 'app.mjs'));
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', main: 'app.mjs' }));
      // The fixture imports the workspace's packages.
      symlinkSync(fileURLToPath(new URL('../node_modules', import.meta.url)), join(dir, 'node_modules'));
      const got = await report(['.'], dir);
      expect(got.out).toBe(30);
      expect(got.map).toMatchObject({ executor: 'event-loop', reason: expect.stringMatching(/entry script .*app\.mjs/) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
