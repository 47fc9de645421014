#!/usr/bin/env node
// Runtime-level test of `@Fn({ isolation: 'domain' })` under real Memory Protection Keys: the built
// @faastlane/core + @faastlane/dsl run workflows of domain functions (packages/core/test/fixtures/
// domains-functions.mjs). Plain Node, so that it runs in the QEMU guest of scripts/qemu-pku/run.sh
// (and natively on a CPU with PKU). Without PKU it checks only the fallback (child processes) and
// reports SKIP.
//
// Output: `ok - ...` / `not ok - ...` lines, a summary, then `RUNTIME-GUEST-RESULT: PASS|FAIL|SKIP`.
// Exit code 0 unless a check failed. `--snoop` (internal): the child that must die of SIGSEGV.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { IsolationViolationError, Runtime, SHARED_HEAP_DOMAIN, WorkflowValidationError } from '@faastlane/core';
import { Fn, task, workflow } from '@faastlane/dsl';
import { capabilities, ownerOf, readPkru, threadRights } from '@faastlane/native-mpk';
import {
  Consume,
  FetchSecret,
  manyDomainFunctions,
  Peek,
  Produce,
  seen,
  Sneaky,
  Snoop,
  Stash,
  Steal,
} from '../../packages/core/test/fixtures/domains-functions.mjs';

/** Sets `peek` on its input: runs on the main thread, between two domains. */
class WithPeek {
  run(x) {
    return { ...x, peek: true };
  }
}
Fn()(WithPeek);

const caps = capabilities();

/**
 * `rt.close()` with a timer holding the event loop open: the process pool unrefs its children and
 * awaits their 'close' event, so with nothing else pending a top-level `await rt.close()` can find
 * the loop empty and Node exits with 13 (unsettled top-level await) before the event arrives.
 */
async function close(rt) {
  const keepAlive = setInterval(() => undefined, 1_000);
  try {
    await rt.close();
  } finally {
    clearInterval(keepAlive);
  }
}

if (process.argv.includes('--snoop')) {
  // The child: a plain JS read of another domain's heap. It must never print "survived".
  const rt = await Runtime.create({ workerThreads: 0, domainHosting: 'in-process' });
  console.log('snoop: starting');
  const out = await rt.invoke(workflow('snoop').pipe(task(Produce), task(Snoop)), 4).catch((e) => `error ${e}`);
  console.log(`snoop: survived with ${out}`);
  process.exit(0);
}

let passed = 0;
let failed = 0;
const t0 = Date.now();
async function check(name, fn) {
  const started = Date.now();
  try {
    await fn();
    passed++;
    // (times inside TCG emulation say nothing about real hardware: only for keeping the run short)
    console.log(`ok - ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    failed++;
    console.log(`not ok - ${name}`);
    for (const line of String(error?.stack ?? error).split('\n')) console.log(`  # ${line}`);
  }
}
function finish(skip) {
  console.log(`# runtime: ${passed + failed} checks: ${passed} passed, ${failed} failed (${Date.now() - t0} ms)`);
  console.log(`RUNTIME-GUEST-RESULT: ${failed > 0 ? 'FAIL' : skip ? 'SKIP' : 'PASS'}`);
  process.exit(failed > 0 ? 1 : 0);
}

if (!caps.available) {
  console.log(`# no MPK here (${caps.reason}): checking the process fallback only; run scripts/qemu-pku/run.sh for real PKU`);
  const rt = await Runtime.create({ workerThreads: 0 });
  await check('without MPK: domain functions are placed in child processes and the plan says why', () => {
    const plan = rt.plan(workflow('fallback').pipe(task(Produce), task(Consume)));
    assert.deepEqual(plan.tasks().map((t) => t.placement), ['child-process', 'child-process']);
    assert.match(plan.explain(), /MPK is unavailable/);
  });
  await check('without MPK: one domain function cannot read what another kept', async () => {
    assert.equal(await rt.invoke(workflow('stash').pipe(task(Stash)), 'the patient has X'), 'kept');
    assert.equal(await rt.invoke(workflow('steal').pipe(task(Steal)), null), 'nothing');
  });
  await close(rt);
  finish(true);
}

// In-process domains first (on this thread, state by reference); the supervised domain host (the
// default) after them.
const rt = await Runtime.create({ workerThreads: 0, domainHosting: 'in-process' });
const two = workflow('two-domains').pipe(task(Produce), task(Consume));

/** The PKRU bits (2 per key) of the keys the addon does not own now, e.g. Node 20's V8 key. */
const foreignMask = () => {
  const owned = new Set(threadRights().map((r) => r.pkey));
  let mask = 0;
  for (let k = 0; k < 16; k++) if (!owned.has(k)) mask |= 3 << (2 * k);
  return mask;
};
const pkruAtStart = readPkru();

/**
 * Invokes `wf` and checks that the thread's PKRU is exactly what it was before the run (the domains
 * the plan needs exist by then: creating a domain grants its key to the creating thread).
 */
async function invokeRestoring(wf, input) {
  rt.plan(wf);
  const before = readPkru();
  try {
    return await rt.invoke(wf, input);
  } finally {
    assert.equal(readPkru(), before, `PKRU after the run of ${wf.name} is not what it was before`);
  }
}

await check(`capabilities: MPK available with ${caps.freeKeys} free keys`, () => {
  assert.equal(caps.available, true);
  assert.ok(caps.freeKeys >= 3);
});

await check("the plan places both functions in 'domain' and explain() says where and why", () => {
  const plan = rt.plan(two);
  assert.deepEqual(plan.tasks().map((t) => [t.path, t.placement]), [['two-domains/Produce', 'domain'], ['two-domains/Consume', 'domain']]);
  const text = plan.explain();
  assert.match(text, /Produce -> domain: isolation 'domain': runs synchronously on the calling thread inside its own protection domain "fn:Produce"/);
  assert.match(text, /Consume -> domain: .*"fn:Consume"/);
  console.log(text.split('\n').map((l) => `  # ${l}`).join('\n'));
});

await check('a domain reads and writes its own protected heap (typed arrays in ctx.heap)', async () => {
  const out = await invokeRestoring(workflow('own-heap').pipe(task(Produce)), 8);
  assert.equal(out.protected, true);
  assert.equal(out.heap, 'fn:Produce');
  assert.equal(out.sum, [0, 1, 2, 3, 4, 5, 6, 7].reduce((a, i) => a + i * i, 0));
  assert.equal(out.ownsSecret, true);
  assert.equal(ownerOf(out.secret)?.domain, 'fn:Produce');
});

await check('the shared heap hands a buffer from one domain to the next without a copy', async () => {
  const out = await invokeRestoring(two, 10);
  assert.equal(out.heap, 'fn:Consume');
  assert.equal(out.total, 55, 'Consume read what Produce wrote');
  assert.equal(out.inShared, true);
  assert.equal(out.data, seen.produced, 'the same Uint8Array object');
  assert.equal(out.data.buffer, seen.produced.buffer, 'the same ArrayBuffer');
  assert.equal(seen.produced[0], 99, "Produce's view sees Consume's write: one memory");
  assert.equal(ownerOf(out.data)?.domain, SHARED_HEAP_DOMAIN);
});

await check('another domain cannot read a private heap: guarded read -> IsolationViolationError naming the step and the domain', async () => {
  const error = await invokeRestoring(workflow('guarded').pipe(task(Produce), task(WithPeek), task(Consume)), 4).then(
    () => assert.fail('the guarded read of fn:Produce succeeded from fn:Consume'),
    (e) => e,
  );
  assert.ok(error instanceof IsolationViolationError, `got ${error}`);
  assert.equal(error.stepPath, 'guarded/Consume');
  assert.equal(error.domain, 'fn:Produce');
  assert.match(error.message, /Step guarded\/Consume violated the isolation of domain fn:Produce/);
});

await check("keys the addon does not own (Node 20's V8 key) keep their PKRU bits through every run", () => {
  const mask = foreignMask();
  assert.equal((readPkru() & mask) >>> 0, (pkruAtStart & mask) >>> 0);
});

await check('a function returning a promise inside a domain is refused with a typed error naming the step', async () => {
  const error = await invokeRestoring(workflow('sneaky').pipe(task(Sneaky)), 1).then(() => assert.fail('accepted'), (e) => e);
  assert.ok(error instanceof WorkflowValidationError, `got ${error}`);
  assert.equal(error.stepPath, 'sneaky/Sneaky');
  assert.match(error.message, /returned a promise/);
});

// (Planned only: starting a child process costs over 10 s under TCG; the fallback runs in vitest.)
await check('an async domain function is placed in a child process, and the plan says why', () => {
  const [t] = rt.plan(workflow('async-domain').pipe(task(FetchSecret))).tasks();
  assert.equal(t.placement, 'child-process');
  assert.match(t.reason, /run\(\) is async/);
});

await check('an unguarded JS read of another domain kills the process with SIGSEGV (never silent)', () => {
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--snoop'], { encoding: 'utf8', timeout: 60_000 });
  assert.match(child.stdout, /snoop: starting/);
  assert.doesNotMatch(child.stdout, /survived/);
  assert.equal(child.signal, 'SIGSEGV', `exit ${child.status} signal ${child.signal}\n${child.stdout}${child.stderr}`);
});

await close(rt);

await check('key exhaustion: domains up to the free keys (one for the shared heap), the rest in child processes, the plan says which', async () => {
  const free = capabilities().freeKeys;
  const fns = manyDomainFunctions(free + 1);
  const rt2 = await Runtime.create({ workerThreads: 0, domainHosting: 'in-process' });
  const plan = rt2.plan(workflow('many').pipe(...fns.map((f) => task(f))));
  const placements = plan.tasks().map((t) => t.placement);
  assert.equal(placements.filter((p) => p === 'domain').length, free - 1, placements.join(','));
  assert.deepEqual(placements.slice(free - 1), ['child-process', 'child-process']);
  assert.match(plan.tasks()[free - 1].reason, /protection keys ran out \(\d+ free at plan time, taken by the shared heap and the domains of Domain0/);
  assert.equal(capabilities().freeKeys, 0, 'the plan holds every key it counted');
  await close(rt2);
});

// The supervised domain host: every domain function in one child process, each in its own domain
// there. Starting a process costs seconds under TCG, so these checks share one runtime, and one host
// process (Stash and Peek must meet in the same one, which several hosts would not promise).
const host = await Runtime.create({ workerThreads: 0, domainHosts: 1 });

await check('supervised (the default): the plan places domain functions in the domain host', () => {
  const plan = host.plan(workflow('hosted').pipe(task(Produce), task(Consume)));
  assert.deepEqual(plan.tasks().map((t) => t.placement), ['domain-host', 'domain-host']);
  assert.match(plan.explain(), /Produce -> domain-host: isolation 'domain': runs in the domain host .* inside its own protection domain "fn:Produce"/);
});

await check('supervised: two domains run in the host, each on its own protected heap; state comes back here between steps (a copy)', async () => {
  seen.produced = undefined;
  const out = await host.invoke(workflow('hosted-two').pipe(task(Produce), task(Consume)), 10);
  assert.equal(out.heap, 'fn:Consume');
  assert.equal(out.total, 55, 'Consume read what Produce wrote');
  // Each step is one call to the host, so Produce's output crossed IPC here and back: Consume got a
  // copy in ordinary memory, not the shared heap's buffer (that hand-off is the in-process hosting's).
  assert.equal(out.inShared, false, 'a supervised step gets its input over IPC');
  assert.equal(seen.produced, undefined, 'nothing ran in this process');
});

await check('supervised: a guarded read of another domain in the host fails the step with IsolationViolationError', async () => {
  const error = await host.invoke(workflow('hosted-guarded').pipe(task(Stash), task(Steal)), 'the patient has X').then(
    (out) => assert.fail(`the guarded read succeeded: ${out}`),
    (e) => e,
  );
  assert.ok(error instanceof IsolationViolationError, `got ${error?.stack ?? error}`);
  assert.equal(error.stepPath, 'hosted-guarded/Steal');
  assert.equal(error.domain, 'fn:Stash');
});

await check('supervised: an unguarded JS read of another domain kills the host, the step fails with IsolationViolationError naming it, and the runtime goes on', async () => {
  const error = await host.invoke(workflow('hosted-peek').pipe(task(Stash), task(Peek)), 'the patient has X').then(
    (out) => assert.fail(`the unguarded read returned ${out}`),
    (e) => e,
  );
  assert.ok(error instanceof IsolationViolationError, `got ${error?.stack ?? error}`);
  assert.equal(error.stepPath, 'hosted-peek/Peek');
  assert.equal(error.domain, 'fn:Stash');
  assert.match(error.message, /an unguarded access to its memory \(protection key \d+, address 0x[0-9a-f]+\) faulted; domain-host pid \d+ could not safely go on and died/);
  assert.ok(error.cause?.message.includes('SIGSEGV'), String(error.cause));
  // This process never ran the function, and a new host takes the next run.
  const out = await host.invoke(workflow('hosted-after').pipe(task(Produce), task(Consume)), 4);
  assert.equal(out.total, 10);
});

await close(host);

finish(false);
