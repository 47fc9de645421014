// `isolation: 'domain'` without MPK (this machine, CI): every domain function runs in a child process
// of its own, the plan says why, and one cannot reach another's private data. With real PKU the
// same functions run in protection domains: scripts/qemu-pku/run.sh (runtime-guest.mjs).
import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Runtime } from '@faastlane/core';
import { task, workflow } from '@faastlane/dsl';
// @ts-expect-error plain JavaScript fixture without declarations
import { Consume, FetchSecret, Produce, Stash, Steal } from '../packages/core/test/fixtures/domains-functions.mjs';

let rt: Runtime;
beforeAll(async () => {
  rt = await Runtime.create({ workerThreads: 0 });
});
afterAll(async () => {
  await rt.close();
});

describe("isolation 'domain' without MPK", () => {
  test('the plan places domain functions in child processes and says why', (ctx) => {
    if (rt.machine.mpk.available) ctx.skip();
    const plan = rt.plan(workflow('fallback').pipe(task(Produce), task(Consume)));
    expect(plan.tasks().map((t) => t.placement)).toEqual(['child-process', 'child-process']);
    expect(plan.explain()).toMatch(/Produce -> child-process: isolation 'domain' but MPK is unavailable \(.+\): a child process isolates it instead/);
  });

  test('ctx.heap and ctx.shared are ordinary memory there; the workflow runs the same', async (ctx) => {
    if (rt.machine.mpk.available) ctx.skip();
    const out = await rt.invoke(workflow('fallback-run').pipe(task(Produce), task(Consume)), 10);
    expect(out).toMatchObject({ total: 55, heap: 'plain', inShared: false });
    expect(out.data[0]).toBe(99);
    const alone = await rt.invoke(workflow('fallback-own').pipe(task(Produce)), 3);
    expect(alone).toMatchObject({ protected: false, heap: 'plain', sum: 5 });
  });

  test('one domain function cannot read the private data another kept (separate processes)', async (ctx) => {
    if (rt.machine.mpk.available) ctx.skip();
    expect(await rt.invoke(workflow('stash').pipe(task(Stash)), 'the patient has X')).toBe('kept');
    expect(await rt.invoke(workflow('steal').pipe(task(Steal)), null)).toBe('nothing');
    const [stash, steal] = [rt.plan(workflow('s1').pipe(task(Stash))).tasks()[0], rt.plan(workflow('s2').pipe(task(Steal))).tasks()[0]];
    expect([stash?.placement, steal?.placement]).toEqual(['child-process', 'child-process']);
  });

  test('an async domain function runs in its child process', async (ctx) => {
    if (rt.machine.mpk.available) ctx.skip();
    expect(await rt.invoke(workflow('async').pipe(task(FetchSecret)), 41)).toBe(42);
  });
});
