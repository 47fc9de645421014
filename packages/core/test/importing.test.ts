import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { functionModuleBeingImported, importFunctionModule } from '../src/hosting/importing.js';
import { map, task, workflow } from '@faastlane/dsl';
import { Runtime } from '../src/runtime/runtime.js';
// @ts-expect-error plain JavaScript fixture without types
import { Square } from './fixtures/tier-functions.mjs';

/** This process's threads (Linux). */
const threads = (): number => readdirSync('/proc/self/task').length;
const settled = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 300));

describe('importFunctionModule', () => {
  test("the module's own code sees that it is being imported, other code of the thread does not", async () => {
    const url = new URL('./fixtures/records-import.mjs', import.meta.url).href;
    let meanwhile: string | undefined = 'not looked';
    const timer = setTimeout(() => (meanwhile = functionModuleBeingImported()), 5);
    const mod = (await importFunctionModule(url)) as { atTop: string | undefined; afterAwait: string | undefined };
    clearTimeout(timer);
    expect(mod.atTop).toBe(url);
    expect(mod.afterAwait).toBe(url);
    // A call already running in the host (a timer here) may invoke a workflow of its own.
    expect(meanwhile).toBeUndefined();
    expect(functionModuleBeingImported()).toBeUndefined();
  });

  test('what a module set up while it was imported no longer counts as importing once that import is over', async () => {
    const ticks = (await importFunctionModule(new URL('./fixtures/ticks.mjs', import.meta.url).href)) as { onTick(listener: () => void): void; stop(): void };
    const seen: (string | undefined)[] = [];
    ticks.onTick(() => seen.push(functionModuleBeingImported()));
    try {
      // Another import under way (its top-level await lasts 20 ms): the interval ticks meanwhile.
      await importFunctionModule(`${new URL('./fixtures/records-import.mjs', import.meta.url).href}?again`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    } finally {
      ticks.stop();
    }
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.filter((m) => m !== undefined)).toEqual([]);
  });
});

describe('a function module that sets up a runtime when it is imported', () => {
  test.skipIf(!existsSync('/proc/self/task'))('starts no worker thread in the host that imports it, where a runtime made anywhere else does', async () => {
    // libuv starts its thread pool at the first file read: have it up before counting.
    await readFile(fileURLToPath(import.meta.url));
    await settled();
    const before = threads();
    const mod = (await importFunctionModule(new URL('./fixtures/creates-runtime-on-import.mjs', import.meta.url).href)) as { runtime: Runtime };
    await settled();
    const afterImport = threads();
    const own = await Runtime.create({ workerThreads: 1, childProcesses: 0 });
    await settled();
    const afterCreate = threads();
    await own.close();
    // The copy still works: its first call that needs a worker thread starts one.
    const squares = workflow('copy-squares').pipe(map(task(Square)));
    expect([...mod.runtime.plan(squares).tasks()].map((t) => t.placement)).toEqual(['worker-thread']);
    const beforeCall = threads();
    expect(await mod.runtime.invoke(squares, [1, 2, 3])).toEqual([1, 4, 9]);
    const afterCall = threads();
    await mod.runtime.close();
    // At most as many: a thread of an earlier test may still be on its way out.
    expect(afterImport).toBeLessThanOrEqual(before);
    expect(afterCreate).toBeGreaterThan(afterImport);
    expect(afterCall).toBeGreaterThan(beforeCall);
  });
});

describe('a function module that runs a program when it is imported', () => {
  test('fails the step that needed it at once, with InvokedDuringImportError, instead of running the program again in each worker', async () => {
    const main = fileURLToPath(new URL('../../../test/fixtures/invokes-on-import-main.mjs', import.meta.url));
    // Without the check, each worker's copy of the program started workers of its own: the call
    // still hung after 45 s.
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [main], { timeout: 15_000 }, (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out))),
    );
    const { error } = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as { error?: { name: string; stepPath: string; message: string } };
    expect(error).toMatchObject({
      name: 'StepFailedError',
      stepPath: expect.stringMatching(/^doubles\/map\[\d\]\/double$/),
      message: expect.stringMatching(/InvokedDuringImportError: Workflow doubles was invoked while .*invokes-on-import\.mjs was being imported/),
    });
  });
});
