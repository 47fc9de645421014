import 'reflect-metadata';
import { describe, expect, test } from 'vitest';
import { ContainerUnavailableError } from '@faastlane/core';
import { map, task, workflow } from '@faastlane/dsl';
import { Crash, Produce, ReceiveOnThread, WhereAmI } from '@faastlane/examples/tiers/functions';
import { closingRuntimes } from './support/runtimes.js';

const create = closingRuntimes();

describe('function-per-container baseline', () => {
  test('every function runs in a container of its own and state crosses as JSON over HTTP', async () => {
    const rt = await create({ mode: 'function-per-container' });
    const wf = workflow('baseline').pipe(task(Produce), task(ReceiveOnThread));
    const plan = rt.plan(wf);
    expect(plan.tasks().map((t) => t.placement)).toEqual(['container', 'container']);
    expect(plan.explain()).toMatch(/function-per-container baseline/);
    const hopMs = await rt.invoke(wf, 1024);
    expect(hopMs).toBeGreaterThan(0);
    // The container hop is measured (round trip less the function's own time, read where it ran).
    expect(rt.measurements.hop('container')?.calls).toBe(2);
    expect(rt.measurements.fn('Produce')?.calls).toBe(1);

    const where = await rt.invoke(workflow('baseline-where').pipe(map(task(WhereAmI))), [1, 2]);
    for (const w of where) expect(w.pid).not.toBe(process.pid);
  });

  test('a function that kills its container fails its step with ContainerUnavailableError', async () => {
    const rt = await create({ mode: 'function-per-container' });
    const error = await rt.invoke(workflow('kill-container').pipe(task(Crash)), 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContainerUnavailableError);
    expect((error as ContainerUnavailableError).stepPath).toBe('kill-container/Crash');
  });
});

describe('spilling a wide group to other containers', () => {
  test('branches beyond the local share run in other containers once measured long enough', async () => {
    const rt = await create({ workerThreads: 2, containers: { count: 2 } });
    const wf = workflow('spill').pipe(map(task(WhereAmI)));
    expect(rt.plan(wf).root.steps[0]).toMatchObject({ executor: 'worker-threads', spill: { enabled: false, reason: expect.stringMatching(/not measured yet/) } });

    // As if earlier runs had measured it at 40 ms a call: well over the container hop.
    for (let i = 0; i < 5; i++) rt.measurements.recordCall('WhereAmI', 40);
    const plan = rt.plan(wf);
    expect(plan.root.steps[0]).toMatchObject({ spill: { enabled: true, beyond: 2 } });
    expect(plan.explain()).toMatch(/spill: .*go to other containers/);

    const out = await rt.invoke(wf, Array.from({ length: 8 }, (_, i) => i));
    const local = out.filter((w) => w.pid === process.pid);
    const remote = out.filter((w) => w.pid !== process.pid);
    expect(local.length).toBeGreaterThan(0);
    expect(remote.length).toBeGreaterThan(0);
    expect(local.every((w) => !w.mainThread)).toBe(true);
  });
});
