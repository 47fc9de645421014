import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ContainerClient, ContainerConnectionError } from '../src/containers/client.js';

// A server that answers the first request on each connection and then closes that connection as the
// next request on it comes in, as a container or a proxy whose keep-alive timeout runs out does.
let server: Server | undefined;
let client: ContainerClient | undefined;

afterEach(async () => {
  client?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
  client = undefined;
});

async function closingServer(dropEvery: (n: number) => boolean): Promise<{ url: string; connections: () => number }> {
  const served = new WeakMap<Socket, number>();
  let connections = 0;
  server = createServer((req, res) => {
    const n = (served.get(req.socket) ?? 0) + 1;
    served.set(req.socket, n);
    if (dropEvery(n)) {
      req.socket.destroy();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', connection: 'keep-alive' });
    res.end(JSON.stringify({ ok: true, vcpus: 1, concurrency: 1, running: 0, queued: 0, functions: [], connections, pid: process.pid, uptimeMs: 0 }));
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => connections };
}

describe('ContainerClient on kept-alive connections', () => {
  it('sends an idempotent request again on a fresh connection when its kept-alive one was closed under it', async () => {
    const { url, connections } = await closingServer((n) => n > 1);
    client = new ContainerClient(url, { encoding: 'json' });
    await expect(client.health()).resolves.toMatchObject({ ok: true });
    // The kept-alive socket is reused, closed by the server as the request arrives, and the request retried once.
    await expect(client.health()).resolves.toMatchObject({ ok: true });
    expect(connections()).toBe(2);
  });

  it('does not send a /run again: the call may have run, and the tier decides where it runs again', async () => {
    const { url, connections } = await closingServer((n) => n > 1);
    client = new ContainerClient(url, { encoding: 'json' });
    await client.health();
    const ctx = { runId: 'r', workflow: 'w', stepPath: 'w/F', attempt: 1 };
    await expect(client.run({ module: 'file:///x.mjs', name: 'F' }, 1, ctx).response).rejects.toBeInstanceOf(ContainerConnectionError);
    expect(connections()).toBe(1);
  });

  it('fails with ContainerConnectionError when a fresh connection is dropped too', async () => {
    const { url } = await closingServer(() => true);
    client = new ContainerClient(url, { encoding: 'json' });
    await expect(client.health()).rejects.toBeInstanceOf(ContainerConnectionError);
  });
});
