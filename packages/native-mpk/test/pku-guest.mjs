#!/usr/bin/env node
// Tests that need real Memory Protection Keys. Plain Node (no vitest), so it runs inside the QEMU
// guest of scripts/qemu-pku/run.sh as well as natively on a CPU with PKU; elsewhere it prints a skip
// message and checks only that everything reports "unavailable" cleanly.
//
// Output: TAP-like lines (`ok N - ...`, `not ok N - ...`), a summary, then the sentinel line
// `PKU-GUEST-RESULT: PASS|FAIL|SKIP` that run.sh looks for. Exit code 0 unless a test failed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Worker } from 'node:worker_threads';

const here = dirname(fileURLToPath(import.meta.url));
const indexUrl = new URL('../dist/index.js', import.meta.url).href;
const mpk = await import(indexUrl);
const {
  capabilities,
  addonStatus,
  createDomain,
  currentDomain,
  guardedRead,
  guardedWrite,
  guardedCopy,
  ownerOf,
  parseFaultReport,
  handleOf,
  viewOf,
  measureDomainCosts,
  emulatedCpu,
  readPkru,
  threadRights,
  MpkUnavailableError,
  ProtectionFaultError,
  DomainAccessError,
  DomainUsageError,
  DomainAsyncRunError,
  DomainClosedError,
  KeyExhaustedError,
} = mpk;

// The key-lifetime tests need to force garbage collection without a command-line flag.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');

const results = { pass: 0, fail: 0 };
let n = 0;
async function test(name, fn) {
  n += 1;
  try {
    await fn();
    results.pass += 1;
    console.log(`ok ${n} - ${name}`);
  } catch (err) {
    results.fail += 1;
    console.log(`not ok ${n} - ${name}`);
    for (const line of String(err?.stack ?? err).split('\n')) console.log(`  # ${line}`);
  }
}

function finish(skip = false) {
  console.log(`# ${n} tests: ${results.pass} passed, ${results.fail} failed`);
  const verdict = results.fail > 0 ? 'FAIL' : skip ? 'SKIP' : 'PASS';
  console.log(`PKU-GUEST-RESULT: ${verdict}`);
  process.exitCode = results.fail > 0 ? 1 : 0;
}

/**
 * Collects garbage until `done()` holds (or about 5 s pass). Finalizers of external buffers do not
 * run inside gc(): V8 frees backing stores on a sweeper thread and Node defers the callback to the
 * event loop, so this alternates gc() with short waits.
 */
async function collectUntil(done, rounds = 100) {
  for (let i = 0; i < rounds; i++) {
    if (done()) return true;
    gc();
    await new Promise((r) => setTimeout(r, i < 10 ? 1 : 50));
  }
  return done();
}

const KEY_BITS = (pkru, key) => (pkru >>> (2 * key)) & 3;
const rightsOf = (domain) => threadRights().find((r) => r.pkey === domain.pkey)?.rights;

const cpuinfo = (() => {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return '';
  }
})();
const hasPku = /^flags\s*:.*\bpku\b/m.test(cpuinfo);

console.log(`# node ${process.version} ${process.platform}-${process.arch}; addon: ${JSON.stringify(addonStatus())}`);
console.log(`# capabilities: ${JSON.stringify(capabilities())}`);

if (!hasPku) {
  console.log('# SKIP: this CPU has no PKU (/proc/cpuinfo lacks "pku"); the PKU tests need real protection keys.');
  console.log('#       Run them under QEMU with: bash scripts/qemu-pku/run.sh');
  await test('without PKU: capabilities report unavailable with a reason', () => {
    const c = capabilities();
    assert.equal(c.available, false);
    assert.equal(c.freeKeys, 0);
    assert.ok(c.reason.length > 0 && c.reason !== 'ok', c.reason);
  });
  await test('without PKU: createDomain throws MpkUnavailableError, never faults', () => {
    assert.throws(() => createDomain('x'), MpkUnavailableError);
  });
  finish(true);
} else {
  await runPkuTests();
  finish(false);
}

async function runPkuTests() {
  const initialCaps = capabilities();
  const initialFree = initialCaps.freeKeys;

  await test('capabilities: available, ok, CPU PKU and OSPKE set, free keys counted', () => {
    assert.equal(initialCaps.addonLoaded, true);
    assert.equal(initialCaps.available, true, initialCaps.reason);
    assert.equal(initialCaps.reason, 'ok');
    assert.equal(initialCaps.cpuPku, true);
    assert.equal(initialCaps.osPke, true);
    assert.ok(initialFree >= 1 && initialFree <= 15, `freeKeys=${initialFree}`);
    console.log(`  # freeKeys=${initialFree} (Node ${process.versions.node}; V8 of Node 20 holds one key)`);
  });

  await test('capabilities: probing frees exactly its own keys and leaves PKRU as it was', () => {
    const before = readPkru();
    const again = capabilities();
    assert.equal(again.freeKeys, initialFree);
    assert.equal(readPkru(), before, 'PKRU changed by the probe');
  });

  const a = createDomain('alpha');
  const b = createDomain('beta');

  await test('createDomain: distinct keys, not key 0, rights granted to the creating thread', () => {
    assert.notEqual(a.pkey, b.pkey);
    assert.ok(a.pkey > 0 && b.pkey > 0);
    assert.equal(rightsOf(a), 'read-write');
    assert.equal(rightsOf(b), 'read-write');
    assert.equal(capabilities().freeKeys, initialFree - 2);
    assert.deepEqual(
      threadRights().map((r) => r.domain).sort(),
      ['alpha', 'beta'],
    );
  });

  const aBytes = a.allocBytes(100);
  const bBytes = b.allocBytes(4096 * 20); // a large allocation: its own mapping
  await test('alloc: zeroed memory in the domain heap, usable from outside any domain', () => {
    assert.equal(aBytes.byteLength, 100);
    assert.ok(aBytes.every((x) => x === 0));
    assert.ok(bBytes.every((x) => x === 0));
    aBytes.set([1, 2, 3]);
    bBytes[0] = 42;
    assert.deepEqual([...aBytes.subarray(0, 3)], [1, 2, 3]);
    assert.equal(a.contains(aBytes), true);
    assert.equal(a.contains(bBytes), false);
    assert.deepEqual(ownerOf(bBytes), { domain: 'beta', pkey: b.pkey });
    assert.equal(ownerOf(new Uint8Array(8)), null);
    const s = a.stats();
    assert.equal(s.allocations, 1);
    assert.ok(s.mappedBytes >= 4096 && s.usedBytes >= 100, JSON.stringify(s));
  });

  await test('enter/leave: grants own key, denies the other domain, restores PKRU exactly', () => {
    const before = readPkru();
    const scope = a.enter();
    try {
      assert.equal(currentDomain(), a);
      assert.equal(rightsOf(a), 'read-write');
      assert.equal(rightsOf(b), 'none');
      const inside = readPkru();
      // Only the addon's keys changed: every other key's bits are as before (V8's key included).
      for (let k = 0; k < 16; k++) {
        if (k === a.pkey || k === b.pkey) continue;
        assert.equal(KEY_BITS(inside, k), KEY_BITS(before, k), `bits of key ${k} changed`);
      }
      aBytes[3] = 4; // own heap: direct JS access works
      assert.equal(aBytes[3], 4);
    } finally {
      scope.leave();
    }
    assert.equal(readPkru(), before);
    assert.equal(currentDomain(), undefined);
  });

  await test('guarded read of another domain faults into ProtectionFaultError naming it; PKRU restored', () => {
    a.run(() => {
      const inside = readPkru();
      const err = captureThrow(() => guardedRead(bBytes, 0, 16));
      assert.ok(err instanceof ProtectionFaultError, String(err));
      assert.ok(err instanceof DomainAccessError);
      assert.equal(err.code, 'ERR_MPK_PROTECTION_FAULT');
      assert.equal(err.domain, 'beta');
      assert.equal(err.accessor, 'alpha');
      assert.equal(err.pkey, b.pkey);
      assert.equal(err.access, 'read');
      assert.match(err.message, /domain "alpha" may not read memory of domain "beta"/);
      assert.equal(readPkru(), inside, 'PKRU not restored after the fault');
      // The domain's own memory is still fine afterwards.
      assert.deepEqual([...guardedRead(aBytes, 0, 4)], [1, 2, 3, 4]);
    });
    // And outside the domain the thread reads beta again.
    assert.equal(guardedRead(bBytes, 0, 1)[0], 42);
  });

  await test('guarded write into another domain faults with access "write"; nothing written', () => {
    a.run(() => {
      const err = captureThrow(() => guardedWrite(bBytes, 0, new Uint8Array([9, 9])));
      assert.ok(err instanceof ProtectionFaultError, String(err));
      assert.equal(err.access, 'write');
      assert.equal(err.domain, 'beta');
      const err2 = captureThrow(() => guardedCopy(bBytes, 10, aBytes, 0, 4));
      assert.ok(err2 instanceof ProtectionFaultError);
      assert.equal(err2.access, 'write');
      const err3 = captureThrow(() => guardedCopy(aBytes, 10, bBytes, 0, 4));
      assert.ok(err3 instanceof ProtectionFaultError);
      assert.equal(err3.access, 'read');
    });
    assert.equal(bBytes[0], 42);
  });

  await test('domain.read/write: guarded accessors scoped to the domain heap', () => {
    assert.deepEqual([...a.read(aBytes, 0, 2)], [1, 2]);
    a.write(aBytes, 50, new Uint8Array([7]));
    assert.equal(aBytes[50], 7);
    assert.throws(() => a.read(bBytes, 0, 1), RangeError);
    b.run(() => assert.throws(() => a.read(aBytes, 0, 1), ProtectionFaultError));
  });

  await test('faults are survivable repeatedly and wasm traps still work afterwards', async () => {
    for (let i = 0; i < 50; i++) {
      a.run(() => assert.throws(() => guardedRead(bBytes, i, 1), ProtectionFaultError));
    }
    // A wasm module whose load is out of bounds: the trap is delivered through Node's SIGSEGV
    // handler, which ours chains to.
    const wasm = new Uint8Array([
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
      0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f, // type: (i32) -> i32
      0x03, 0x02, 0x01, 0x00, // function 0 has type 0
      0x05, 0x03, 0x01, 0x00, 0x01, // memory: min 1 page
      0x07, 0x08, 0x01, 0x04, 0x6c, 0x6f, 0x61, 0x64, 0x00, 0x00, // export "load"
      0x0a, 0x09, 0x01, 0x07, 0x00, 0x20, 0x00, 0x28, 0x02, 0x00, 0x0b, // local.get 0; i32.load; end
    ]);
    const { instance } = await WebAssembly.instantiate(wasm);
    assert.equal(instance.exports.load(0), 0);
    assert.throws(() => instance.exports.load(0x7fff0000), WebAssembly.RuntimeError);
    assert.equal(instance.exports.load(4), 0);
  });

  await test('shares: read-only share readable but not writable, read-write share writable', () => {
    const shared = createDomain('shared');
    const input = shared.copyIn(new Uint8Array([5, 6, 7]));
    const reader = createDomain('reader', { shares: [{ domain: shared, access: 'read' }] });
    const writer = createDomain('writer', { shares: [shared] });
    try {
      reader.run(() => {
        assert.equal(rightsOf(shared), 'read');
        assert.equal(rightsOf(a), 'none');
        assert.deepEqual([...guardedRead(input)], [5, 6, 7]);
        assert.equal(input[1], 6); // direct JS read of a read-only share
        const err = captureThrow(() => guardedWrite(input, 0, new Uint8Array([1])));
        assert.ok(err instanceof ProtectionFaultError && err.access === 'write' && err.domain === 'shared', String(err));
        assert.throws(() => shared.alloc(8), DomainAccessError);
      });
      writer.run(() => {
        assert.equal(rightsOf(shared), 'read-write');
        guardedWrite(input, 0, new Uint8Array([8]));
        const out = shared.alloc(16); // writable share: allocation allowed
        assert.equal(out.byteLength, 16);
      });
      assert.equal(input[0], 8);
    } finally {
      reader.close();
      writer.close();
      shared.close();
    }
  });

  await test('guarded accessors take numbers only: a valueOf cannot move the range after it was checked', () => {
    const view = a.allocBytes(16);
    let reads = 0;
    const sly = { valueOf: () => (reads++ === 0 ? 0 : 1 << 20) };
    assert.throws(() => guardedWrite(view, sly, new Uint8Array(4)), TypeError);
    assert.throws(() => guardedRead(view, sly, 4), TypeError);
    assert.throws(() => guardedCopy(new Uint8Array(16), sly, view, 0, 4), TypeError);
    assert.equal(reads, 0, 'no valueOf ran');
    assert.throws(() => guardedRead(view, 8, 16), RangeError);
  });

  await test('scope discipline: nesting, out-of-order leave, entering a second domain', () => {
    const before = readPkru();
    const outer0 = a.enter();
    const inner0 = a.enter(); // same domain nests
    // Leaving the outer scope with the inner one open leaves both (the thread is not stuck in the
    // domain), restores PKRU, and reports it.
    assert.throws(() => outer0.leave(), (e) => e instanceof DomainUsageError && /1 scope\(s\) entered inside domain "alpha" were not left/.test(e.message));
    assert.equal(currentDomain(), undefined);
    assert.equal(readPkru(), before);
    assert.equal(inner0.active, false, 'the inner scope was left with the outer one');
    assert.throws(() => inner0.leave(), (e) => e instanceof DomainUsageError && /already left/.test(e.message));
    const outer = a.enter();
    const inner = a.enter();
    inner.leave();
    assert.throws(() => b.enter(), DomainUsageError);
    assert.throws(() => createDomain('inside'), DomainUsageError);
    assert.throws(() => b.alloc(8), DomainAccessError);
    outer.leave();
    assert.throws(() => outer.leave(), DomainUsageError);
    const err = captureThrow(() => a.run(() => { throw new Error('boom'); }));
    assert.equal(err.message, 'boom');
    assert.equal(currentDomain(), undefined, 'run() left the domain after a throw');
    const refused = captureThrow(() => a.run(async () => { throw new Error('late'); }));
    assert.ok(refused instanceof DomainAsyncRunError && refused instanceof DomainUsageError, `refused with ${refused}`);
    assert.equal(refused.domain, a.name);
    assert.equal(currentDomain(), undefined, 'run() left the domain before refusing the promise');
  });

  await test('key exhaustion: KeyExhaustedError after exactly freeKeys domains; keys come back on close', () => {
    const free = capabilities().freeKeys;
    const made = [];
    try {
      for (let i = 0; i < free; i++) made.push(createDomain(`filler-${i}`));
      assert.equal(capabilities().freeKeys, 0);
      assert.equal(capabilities().available, true, 'still available while the addon holds the keys');
      const err = captureThrow(() => createDomain('one-too-many'));
      assert.ok(err instanceof KeyExhaustedError, String(err));
      assert.equal(err.domain, 'one-too-many');
      assert.match(err.message, /no free protection key/);
    } finally {
      for (const d of made) d.close();
    }
    assert.equal(capabilities().freeKeys, free);
  });

  // The buffers are made and dropped in plain (non-async) helpers: a suspended async function keeps
  // its temporaries alive in its saved register file, which would keep a buffer reachable.
  await test('key lifetime: a closed domain keeps its key until its last buffer is collected', async () => {
    const owned = (key) => threadRights().some((r) => r.pkey === key);
    const key = (function useAndClose() {
      const d = createDomain('short-lived');
      const buf = d.allocBytes(64);
      buf[0] = 1;
      d.close();
      assert.throws(() => d.alloc(1), DomainClosedError);
      assert.throws(() => d.enter(), DomainClosedError);
      assert.equal(buf[0], 1, 'buffer still usable after close');
      assert.ok(owned(d.pkey), 'key freed while a buffer was alive');
      return d.pkey;
    })();
    assert.ok(await collectUntil(() => !owned(key)), 'key not freed after the buffer was collected');
    // Every earlier test's garbage goes too: only alpha and beta remain.
    assert.ok(await collectUntil(() => capabilities().freeKeys === initialFree - 2), `freeKeys=${capabilities().freeKeys}`);
  });

  await test('a freed key taken again by a domain made on another thread is denied to a thread inside a domain', async () => {
    const owned = (key) => threadRights().some((r) => r.pkey === key);
    const key = (() => {
      const d = createDomain('recycled');
      d.close();
      return d.pkey; // this thread made it: it keeps read-write on that key number after it is freed
    })();
    assert.ok(await collectUntil(() => !owned(key)), 'key not freed');
    const scope = a.enter();
    let w;
    try {
      // While this thread is inside `a`, a Worker creates a domain: it gets the freed key number back.
      const code = `
        const { parentPort, workerData } = require('node:worker_threads');
        import(workerData.indexUrl).then((m) => {
          const b = m.createDomain('taken-again');
          parentPort.postMessage(b.pkey);
          parentPort.once('message', () => { b.close(); parentPort.postMessage('done'); });
        }).catch((e) => parentPort.postMessage({ error: String(e) }));`;
      w = new Worker(code, { eval: true, workerData: { indexUrl } });
      const taken = await new Promise((resolve, reject) => {
        w.once('message', resolve);
        w.once('error', reject);
      });
      assert.equal(taken, key, 'the worker got another key number: nothing to check');
      assert.equal(KEY_BITS(readPkru(), key), 1, 'inside a, the key of the other thread\'s domain is denied');
      w.postMessage('close');
      await new Promise((resolve) => w.once('message', resolve));
    } finally {
      scope.leave();
      // Also when a check failed: a live worker would keep the guest from finishing.
      await w?.terminate();
    }
  });

  await test('heap reuse: freed blocks are zeroed before reuse', async () => {
    const d = createDomain('reuse');
    const dirtyAndDrop = () => {
      for (let i = 0; i < 64; i++) d.allocBytes(1000).fill(0xab);
    };
    const freshIsZero = () => d.allocBytes(1000).every((x) => x === 0);
    try {
      for (let round = 0; round < 3; round++) {
        dirtyAndDrop();
        assert.ok(await collectUntil(() => d.stats().allocations === 0), `not collected: ${JSON.stringify(d.stats())}`);
        assert.ok(freshIsZero(), 'reused block not zeroed');
      }
      assert.ok(d.stats().chunks <= 2, JSON.stringify(d.stats()));
    } finally {
      d.close();
    }
  });

  await test('a Worker started after createDomain inherits the creator thread rights', async () => {
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      import(workerData.indexUrl).then((m) => parentPort.postMessage(m.threadRights()))
        .catch((e) => parentPort.postMessage({ error: String(e) }));`;
    const rights = await new Promise((resolve, reject) => {
      const w = new Worker(code, { eval: true, workerData: { indexUrl } });
      w.once('message', (m) => { resolve(m); void w.terminate(); });
      w.once('error', reject);
    });
    assert.ok(Array.isArray(rights), JSON.stringify(rights));
    assert.equal(rights.find((r) => r.pkey === a.pkey)?.rights, 'read-write');
  });

  await test('on a Worker thread: its own domains, enter/leave and guarded faults work', async () => {
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      (async () => {
        const m = await import(workerData.indexUrl);
        const x = m.createDomain('worker-x');
        const y = m.createDomain('worker-y');
        const yb = y.allocBytes(32);
        yb[0] = 7;
        const out = { read: m.guardedRead(yb, 0, 1)[0] };
        x.run(() => {
          try { m.guardedRead(yb, 0, 1); out.fault = 'none'; }
          catch (e) { out.fault = e.name + ':' + e.domain + ':' + e.accessor; }
          out.rights = m.threadRights().filter((r) => r.domain.startsWith('worker-')).map((r) => r.domain + '=' + r.rights).sort();
        });
        x.close(); y.close();
        parentPort.postMessage(out);
      })().catch((e) => parentPort.postMessage({ error: String(e && e.stack || e) }));`;
    const out = await new Promise((resolve, reject) => {
      const w = new Worker(code, { eval: true, workerData: { indexUrl } });
      w.once('message', (m) => { resolve(m); void w.terminate(); });
      w.once('error', reject);
    });
    assert.deepEqual(out, {
      read: 7,
      fault: 'ProtectionFaultError:worker-y:worker-x',
      rights: ['worker-x=read-write', 'worker-y=none'],
    });
    // The main thread never entered: its rights are untouched by the worker's enter/leave.
    assert.equal(rightsOf(a), 'read-write');
  });

  await test('handles: a worker views a shared-heap block without a copy; the block lives while any view does', async () => {
    const shared = createDomain('handle-shared');
    let block = shared.allocBytes(64);
    block[0] = 17;
    const handle = handleOf(block.subarray(8, 40));
    assert.deepEqual({ ...handle, id: typeof handle.id }, { id: 'number', offset: 8, length: 32, domain: 'handle-shared' });
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      (async () => {
        const m = await import(workerData.indexUrl);
        const view = m.viewOf(workerData.handle);
        view[0] = 42;                      // byte 8 of the block
        parentPort.postMessage({ length: view.length, first: view[0], buffer: view.buffer.byteLength });
        parentPort.once('message', () => { view[1] = 43; parentPort.postMessage({ wrote: view[1], first: view[0] }); parentPort.once('message', () => process.exit(0)); });
      })().catch((e) => parentPort.postMessage({ error: String(e && e.stack || e) }));`;
    const w = new Worker(code, { eval: true, workerData: { indexUrl, handle } });
    const next = () => new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); });
    const first = await next();
    // The handle names bytes 8-40: the worker's buffer holds those, not the rest of the block.
    assert.deepEqual(first, { length: 32, first: 42, buffer: 32 });
    assert.equal(block[8], 42, "the worker's write is in this thread's buffer: one memory");
    // This thread lets go of its view: the worker's keeps the block.
    block = null;
    assert.ok(!(await collectUntil(() => shared.stats().allocations === 0, 5)), 'freed while the worker still viewed it');
    w.postMessage('write');
    // Still the block's memory, with what the worker wrote before: it was not freed under the worker.
    assert.deepEqual(await next(), { wrote: 43, first: 42 });
    const exited = new Promise((resolve) => w.once('exit', resolve));
    w.postMessage('exit');
    await exited;
    assert.ok(await collectUntil(() => shared.stats().allocations === 0), 'not freed after the last view (the worker exited)');
    assert.throws(() => viewOf(handle), DomainUsageError, 'a stale handle opened a view');
    shared.close();
  });

  await test('handles: on a concurrent worker thread, another domain cannot read a private heap it has a view of', async () => {
    const owner = createDomain('handle-private');
    const secret = owner.copyIn(new TextEncoder().encode('private'));
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      (async () => {
        const m = await import(workerData.indexUrl);
        const view = m.viewOf(workerData.handle);
        const other = m.createDomain('handle-intruder');
        const out = { outside: new TextDecoder().decode(m.guardedRead(view)) };
        other.run(() => {
          try { m.guardedRead(view); out.inside = 'read'; } catch (e) { out.inside = e.name + ':' + e.domain + ':' + e.accessor; }
        });
        other.close();
        parentPort.postMessage(out);
      })().catch((e) => parentPort.postMessage({ error: String(e && e.stack || e) }));`;
    const out = await new Promise((resolve, reject) => {
      const w = new Worker(code, { eval: true, workerData: { indexUrl, handle: handleOf(secret) } });
      w.once('message', (m) => { resolve(m); void w.terminate(); });
      w.once('error', reject);
    });
    assert.deepEqual(out, { outside: 'private', inside: 'ProtectionFaultError:handle-private:handle-intruder' });
    assert.equal(secret[0], 'p'.charCodeAt(0));
    owner.close();
  });

  await test('measureDomainCosts: refused on the emulated CPU, and works when asked to anyway (no timings reported)', () => {
    const model = emulatedCpu();
    if (model) {
      const refused = measureDomainCosts(10);
      assert.match(refused.unavailable ?? '', /emulated CPU \(.*\): timings under emulation mean nothing/, JSON.stringify(refused));
    }
    const costs = measureDomainCosts(200, { evenIfEmulated: true });
    assert.ok(costs.enterLeaveUs > 0 && costs.alloc64Us > 0, JSON.stringify(costs));
    console.log(`  # cpu: ${model ?? 'not emulated'}; the cost probe ran (its figures under emulation are not reported)`);
  });

  await test('an unguarded JS access to another domain kills the process with SIGSEGV (real isolation), reported first', () => {
    const child = spawnSync(process.execPath, [join(here, 'pku-guest-fault-child.mjs'), indexUrl], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.match(child.stdout, /entered alpha/, child.stdout + child.stderr);
    assert.doesNotMatch(child.stdout, /read beta/, 'the read of beta succeeded');
    assert.equal(child.signal, 'SIGSEGV', `child ended with status ${child.status} signal ${child.signal}`);
    const report = parseFaultReport(child.stderr);
    assert.ok(report, `no fault report on stderr: ${child.stderr}`);
    assert.equal(report.domain, 'beta', 'the report names the domain whose memory was touched');
    assert.ok(report.pkey > 0 && report.address > 0n, JSON.stringify({ ...report, address: String(report.address) }));
  });

  a.close();
  b.close();
}

function captureThrow(fn) {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new assert.AssertionError({ message: 'expected the call to throw' });
}
