import 'reflect-metadata';
import { describe, expect, test } from 'vitest';
import { Measurements, planWorkflow, type MachineInfo, type PlanningContext, type TaskPlan } from '@faastlane/core';
import { parallel, task, workflow } from '@faastlane/dsl';
import { Burn } from '@faastlane/examples/tiers/functions';
// @ts-expect-error plain JavaScript fixture without declarations
import { Consume, FetchSecret, Produce, Stash, Steal } from './fixtures/domains-functions.mjs';

const mpk = (freeKeys: number): MachineInfo => ({ vcpus: 4, vcpuSource: 'os', mpk: { available: true, reason: 'ok', freeKeys } });
const noMpk: MachineInfo = { vcpus: 4, vcpuSource: 'os', mpk: { available: false, reason: 'CPU lacks PKU (CPUID.7.0:ECX bit 3)', freeKeys: 0 } };
/** In-process domains: key accounting and the calling-thread placement. The default (supervised) is tested below. */
const context = (machine: MachineInfo, over: Partial<PlanningContext> = {}): PlanningContext => ({
  mode: 'faastlane', machine, workerThreads: 4, processes: true, containerCapacity: 0, measurements: new Measurements(), domainHosting: 'in-process', ...over,
});
/** The runtime's default: domains in the supervised domain host. */
const supervised = (machine: MachineInfo, over: Partial<PlanningContext> = {}): PlanningContext => {
  const { domainHosting: _inProcess, ...rest } = context(machine, over);
  return rest;
};
const where = (tasks: TaskPlan[]): string[] => tasks.map((t) => `${t.name}:${t.placement}`);
const four = workflow('four').pipe(task(Produce), task(Consume), task(Stash), task(Steal));

describe("planner: isolation 'domain' in the supervised domain host (the default)", () => {
  test('domain functions go to the domain host, each in its own domain, with the same key accounting', () => {
    const plan = planWorkflow(four as never, supervised(mpk(3)));
    expect(where(plan.tasks())).toEqual(['Produce:domain-host', 'Consume:domain-host', 'Stash:child-process', 'Steal:child-process']);
    expect(plan.tasks()[0]?.reason).toMatch(
      /runs in the domain host \(a child process this runtime supervises, shared by its domain functions\) inside its own protection domain "fn:Produce" \(1 protection key, plus 1 for the shared heap; 1 of 3 free key\(s\) left after it\)/,
    );
    expect(plan.tasks()[0]?.reason).toMatch(/an unguarded access to one kills the host, not this process, and fails the step with IsolationViolationError/);
    expect(plan.explain()).toMatch(/Consume -> domain-host: /);
  });

  test('without child processes the domain stays in this process, and the plan says it is unsupervised', () => {
    const [t] = planWorkflow(workflow('one').pipe(task(Produce)) as never, supervised(mpk(3), { processes: false })).tasks();
    expect(t?.placement).toBe('domain');
    expect(t?.reason).toMatch(/not in the supervised domain host because child processes are disabled in this runtime: in a domain of this process, where an unguarded access to another domain's memory ends this process/);
    expect(t?.reason).toMatch(/^isolation 'domain': runs synchronously on the calling thread inside its own protection domain "fn:Produce"/);
    expect(t?.reason).not.toMatch(/runs in the domain host/);
  });

  test('an async run() still goes to a child process of its own', () => {
    const [t] = planWorkflow(workflow('async').pipe(task(FetchSecret)) as never, supervised(mpk(14))).tasks();
    expect(t?.placement).toBe('child-process');
  });
});

describe("planner: isolation 'domain' in-process with MPK available (fake MachineInfo)", () => {
  test('with N free keys, the first N-1 domain functions get domains (one key goes to the shared heap), the rest child processes', () => {
    const plan = planWorkflow(four as never, context(mpk(3)));
    expect(where(plan.tasks())).toEqual(['Produce:domain', 'Consume:domain', 'Stash:child-process', 'Steal:child-process']);
    const [produce, , stash] = plan.tasks();
    expect(produce?.reason).toMatch(/own protection domain "fn:Produce" \(1 protection key, plus 1 for the shared heap; 1 of 3 free key\(s\) left after it\)/);
    expect(stash?.reason).toMatch(/protection keys ran out \(3 free at plan time, taken by the shared heap and the domains of Produce, Consume\): a child process isolates it instead/);
    const text = plan.explain();
    expect(text).toMatch(/MPK available, 3 free keys/);
    expect(text).toMatch(/Produce -> domain: isolation 'domain': runs synchronously on the calling thread/);
    expect(text).toMatch(/Steal -> child-process: isolation 'domain' but the protection keys ran out/);
  });

  test('enough keys: every domain function in a domain; 14 keys (Node 20) take 13 functions', () => {
    expect(where(planWorkflow(four as never, context(mpk(5))).tasks())).toEqual(['Produce:domain', 'Consume:domain', 'Stash:domain', 'Steal:domain']);
    expect(planWorkflow(four as never, context(mpk(14))).tasks().every((t) => t.placement === 'domain')).toBe(true);
  });

  test('a function used twice needs one domain', () => {
    const twice = workflow('twice').pipe(task(Produce), task(Consume), task(Produce, { name: 'Again' }));
    expect(where(planWorkflow(twice as never, context(mpk(3))).tasks())).toEqual(['Produce:domain', 'Consume:domain', 'Again:domain']);
  });

  test('one free key is not enough for a domain and the shared heap', () => {
    const [t] = planWorkflow(workflow('one').pipe(task(Produce)) as never, context(mpk(1))).tasks();
    expect(t).toMatchObject({ placement: 'child-process', reason: expect.stringMatching(/keys ran out \(1 free at plan time; a domain needs 2 with the shared heap\)/) });
  });

  test('domains the runtime holds already need no key', () => {
    const held = { freeKeys: 0, held: new Set(['Produce']), sharedHeld: true };
    const plan = planWorkflow(four as never, context(mpk(0), { domains: held }));
    expect(where(plan.tasks())).toEqual(['Produce:domain', 'Consume:child-process', 'Stash:child-process', 'Steal:child-process']);
    expect(plan.tasks()[0]?.reason).toMatch(/its key is held already/);
    expect(plan.tasks()[1]?.reason).toMatch(/taken by the shared heap and the domains of Produce/);
  });

  test('an async run() is isolated in a child process: a domain covers only synchronous code', () => {
    const [t] = planWorkflow(workflow('async').pipe(task(FetchSecret)) as never, context(mpk(14))).tasks();
    expect(t).toMatchObject({ placement: 'child-process', reason: expect.stringMatching(/run\(\) is async: PKRU .* belongs to the thread/) });
  });

  test('a domain branch of a CPU-bound group runs in its domain on the calling thread; its siblings go to workers', () => {
    const plan = planWorkflow(workflow('mixed').pipe(parallel(task(Produce), task(Burn))) as never, context(mpk(14)));
    expect(plan.root.steps[0]).toMatchObject({ executor: 'worker-threads' });
    expect(where(plan.tasks())).toEqual(['Produce:domain', 'Burn:worker-thread']);
  });

  test('keys gone and no child processes: the rest run UNISOLATED, and the plan says so', () => {
    const plan = planWorkflow(four as never, context(mpk(2), { processes: false }));
    expect(where(plan.tasks())).toEqual(['Produce:domain', 'Consume:main-thread', 'Stash:main-thread', 'Steal:main-thread']);
    expect(plan.tasks()[1]?.reason).toMatch(/keys ran out.*UNISOLATED/);
  });

  test('without MPK nothing changes: child processes, with the probe reason', () => {
    const plan = planWorkflow(four as never, context(noMpk));
    expect(plan.tasks().every((t) => t.placement === 'child-process')).toBe(true);
    expect(plan.tasks()[0]?.reason).toMatch(/MPK is unavailable \(CPU lacks PKU \(CPUID.7.0:ECX bit 3\)\): a child process isolates it instead/);
  });

  test('the function-per-container baseline ignores domains', () => {
    const plan = planWorkflow(four as never, context(mpk(14), { mode: 'function-per-container', workerThreads: 0 }));
    expect(plan.tasks().every((t) => t.placement === 'container')).toBe(true);
  });
});
