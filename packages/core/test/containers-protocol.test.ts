import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainerClient, ContainerConnectionError } from '../src/containers/client.js';
import { EmbeddedContainerProvider } from '../src/containers/embedded-provider.js';
import { ContainerProtocolError } from '../src/containers/protocol.js';
import { ContainerServer } from '../src/containers/server.js';
import { fromWireError, type CallResponse, type WireContext } from '../src/hosting/wire.js';
import { fnRef, FIXTURE_MODULE } from './fixtures/containers/calls.js';

// One real container process for the whole file (started by the embedded provider, from the
// compiled entry: run `npx tsc -b` first).
let provider: EmbeddedContainerProvider;
let url: string;
const clients: ContainerClient[] = [];
const ctx: WireContext = { runId: 'run-1', workflow: 'protocol', stepPath: 'protocol/step', attempt: 1 };

function client(encoding: 'v8' | 'json' = 'v8'): ContainerClient {
  const c = new ContainerClient(url, { encoding });
  clients.push(c);
  return c;
}

/** A raw request, for what the client never sends. */
function raw(method: string, path: string, body?: string, contentType?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, url), { method, headers: contentType ? { 'content-type': contentType } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function until<T>(probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 3_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  provider = await EmbeddedContainerProvider.create({ count: 1 });
  url = provider.endpoints()[0]!.url;
});

afterAll(async () => {
  for (const c of clients) c.close();
  await provider.close();
});

describe('container protocol', () => {
  it('GET /health reports capacity, and the container is another process', async () => {
    const health = await client('json').health();
    expect(health).toMatchObject({ ok: true, concurrency: 1, running: 0, queued: 0 });
    expect(health.vcpus).toBeGreaterThanOrEqual(1);
    expect(health.pid).not.toBe(process.pid);
    expect(health.pid).toBe(provider.endpoints()[0]!.pid);
  });

  it('POST /init preloads functions, idempotently; a failed load answers 502', async () => {
    const c = client('json');
    const first = await c.init({ functions: [fnRef('Square'), fnRef('Stats')] });
    const again = await c.init({ functions: [fnRef('Square')], modules: [FIXTURE_MODULE] });
    expect(first.functions).toEqual(expect.arrayContaining([`${FIXTURE_MODULE}#Square`, `${FIXTURE_MODULE}#Stats`]));
    expect(again.functions).toEqual(first.functions);
    expect((await c.health()).functions).toEqual(first.functions);
    const failed = c.init({ functions: [fnRef('NoSuchFunction')] });
    await expect(failed).rejects.toBeInstanceOf(ContainerProtocolError);
    await expect(failed).rejects.toMatchObject({ status: 502, message: expect.stringContaining('NoSuchFunction') });
  });

  it('POST /run runs a function from the fixture module in the container process', async () => {
    const pid = await client().run(fnRef('Pid'), undefined, ctx).response;
    expect(pid).toMatchObject({ ok: true });
    expect((pid as { output: number }).output).toBe(provider.endpoints()[0]!.pid);
    expect((pid as { output: number }).output).not.toBe(process.pid);
    // Loaded by the call itself (no /init for it): /health lists it from then on.
    expect((await client().health()).functions).toContain(`${FIXTURE_MODULE}#Pid`);
  });

  it.each(['v8', 'json'] as const)('round-trips typed arrays losslessly in %s', async (encoding) => {
    const c = client(encoding);
    const data = new Float64Array([0.1, 0.2, Math.PI, -0]);
    const stats = (await c.run(fnRef('Stats'), { data }, ctx).response) as Extract<CallResponse, { ok: true }>;
    expect(stats.ok).toBe(true);
    const output = stats.output as { sum: number; kind: string; doubled: Float64Array };
    expect(output.kind).toBe('Float64Array');
    expect(output.doubled).toBeInstanceOf(Float64Array);
    expect([...output.doubled]).toEqual([...data].map((x) => x * 2));

    const input = { bytes: Buffer.from('abc'), words: new Uint16Array([1, 65535]), big: new BigInt64Array([-5n]), nested: [{ at: new Date(0), tags: new Set(['a']) }] };
    const echo = (await c.run(fnRef('Echo'), input, ctx).response) as Extract<CallResponse, { ok: true }>;
    expect(echo.output).toEqual(input);
  });

  it('a function error comes back as a CallResponse that rebuilds its name, message and code', async () => {
    for (const encoding of ['v8', 'json'] as const) {
      const answer = await client(encoding).run(fnRef('Fail'), 42, ctx).response;
      expect(answer.ok).toBe(false);
      if (answer.ok) continue;
      const error = fromWireError(answer.error);
      expect(error).toMatchObject({ name: 'TooBigError', message: '42 is too big', code: 'E_TOO_BIG' });
      expect(error.stack).toContain('functions.mjs');
    }
  });

  it('refused requests answer a status and {ok: false, error}', async () => {
    const cases = [
      [await raw('GET', '/nope'), 404],
      [await raw('GET', '/run'), 405],
      [await raw('POST', '/run', 'hello', 'text/plain'), 415],
      [await raw('POST', '/run', '{"id": 1}', 'application/json'), 400],
      [await raw('POST', '/run', '{not json', 'application/json'), 400],
      [await raw('POST', '/cancel', '{}', 'application/json'), 400],
    ] as const;
    for (const [answer, status] of cases) {
      expect(answer.status).toBe(status);
      expect(JSON.parse(answer.body)).toMatchObject({ ok: false, error: { name: 'ContainerProtocolError', message: expect.any(String) } });
    }
  });

  it('keeps the connection alive: many calls, one socket', async () => {
    const c = client();
    const before = (await c.health()).connections;
    for (let i = 0; i < 50; i++) await c.run(fnRef('Square'), i, ctx).response;
    const after = await c.health();
    expect(after.connections).toBe(before);
    expect(c.openSockets).toBe(1);
  });

  it('POST /cancel aborts the signal of a running call', async () => {
    const c = client();
    const { aborted } = ((await c.run(fnRef('Aborts'), undefined, ctx).response) as { output: { aborted: number } }).output;
    const slow = c.run(fnRef('Slow'), 10_000, ctx);
    await until(() => c.health(), (h) => h.running === 1);
    expect(await c.cancel(slow.id)).toBe(true);
    const answer = await slow.response;
    expect(answer).toMatchObject({ ok: false, error: { name: 'AbortError', message: expect.stringContaining('cancelled') } });
    const after = (await c.run(fnRef('Aborts'), undefined, ctx).response) as { output: { aborted: number } };
    expect(after.output.aborted).toBe(aborted + 1);
    expect(await c.cancel(slow.id)).toBe(false);
  });

  it('a client that hangs up aborts the signal of its call', async () => {
    const c = client();
    const count = async (): Promise<number> => ((await c.run(fnRef('Aborts'), undefined, ctx).response) as { output: { aborted: number } }).output.aborted;
    const before = await count();
    const slow = client().run(fnRef('Slow'), 10_000, ctx);
    await until(() => c.health(), (h) => h.running === 1);
    slow.hangUp();
    await expect(slow.response).rejects.toBeInstanceOf(ContainerConnectionError);
    expect(await until(count, (n) => n === before + 1)).toBe(before + 1);
  });
});

describe('container server options', () => {
  it('refuses modules outside its allowed prefixes (403)', async () => {
    const server = await ContainerServer.start({ allowedModules: ['file:///nowhere/'] });
    const c = new ContainerClient(server.url);
    try {
      await expect(c.run(fnRef('Square'), 2, ctx).response).rejects.toMatchObject({ status: 403 });
      await expect(c.init({ modules: [FIXTURE_MODULE] })).rejects.toMatchObject({ status: 403 });
    } finally {
      c.close();
      await server.close();
    }
  });

  it('queues calls beyond its concurrency', async () => {
    const server = await ContainerServer.start({ concurrency: 2 });
    const c = new ContainerClient(server.url);
    try {
      const calls = [0, 1, 2].map(() => c.run(fnRef('Slow'), 150, ctx));
      const health = await until(() => c.health(), (h) => h.running === 2 && h.queued === 1);
      expect(health).toMatchObject({ concurrency: 2, running: 2, queued: 1 });
      const answers = await Promise.all(calls.map((call) => call.response));
      expect(answers.every((a) => a.ok)).toBe(true);
    } finally {
      c.close();
      await server.close();
    }
  });
});
