import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { FunctionHost } from '../hosting/function-host.js';
import { importFunctionModule } from '../hosting/importing.js';
import { toWireError, type CallRequest, type CallResponse, type FnRef } from '../hosting/wire.js';
import { CallGate } from './call-gate.js';
import { answerEncoding, CONTENT_TYPES, decodeBody, encodeBody, encodingOf, type BodyEncoding } from './codec.js';
import {
  ContainerPaths,
  ContainerProtocolError,
  type CancelResponse,
  type HealthResponse,
  type InitRequest,
  type InitResponse,
  type ProtocolErrorResponse,
} from './protocol.js';

/** Options of a container server. */
export interface ContainerServerOptions {
  /** Interface to listen on. Default `127.0.0.1`: a container takes module URLs to import, so it is
   * reachable from elsewhere only when whoever deploys it says so. */
  readonly host?: string;
  /** Port; 0 (default) picks a free one. */
  readonly port?: number;
  /** How many `/run` calls run at once; the rest wait in order. Default 1: a Node container runs
   * JavaScript on one thread, so a second CPU-bound call would only slow the first down. Raise it
   * for functions that mostly wait on I/O. */
  readonly concurrency?: number;
  /** vCPUs reported by `/health`. Default: the CPUs the OS offers. */
  readonly vcpus?: number;
  /** URL prefixes of the modules a client may load; empty or absent allows any. */
  readonly allowedModules?: readonly string[];
  /** Largest request body accepted, in bytes (default 1 GiB). */
  readonly maxBodyBytes?: number;
}

/**
 * A container: an HTTP server that runs declared functions on request (the protocol is in
 * CONTAINER-PROTOCOL.md). It holds one `FunctionHost`, so function instances stay warm between
 * calls. `container-main.ts` runs one as a process; tests may run one in-process.
 */
export class ContainerServer {
  private readonly host = new FunctionHost();
  private readonly gate: CallGate;
  private readonly calls = new Map<number, AbortController>();
  private readonly modules = new Set<string>();
  private readonly started = Date.now();
  private connections = 0;
  private listening = { host: '', port: 0 };

  private constructor(
    private readonly server: Server,
    private readonly options: ContainerServerOptions,
  ) {
    this.gate = new CallGate(Math.max(1, options.concurrency ?? 1));
  }

  /** Starts a container server and waits until it listens. */
  static async start(options: ContainerServerOptions = {}): Promise<ContainerServer> {
    const server = createServer();
    const container = new ContainerServer(server, options);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void container.handle(req, res));
    server.on('connection', () => container.connections++);
    // Clients close idle keep-alive sockets first (see client.ts), so that they never send a call
    // down a socket this side is closing at that moment.
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const info = server.address() as AddressInfo;
    container.listening = { host: info.address, port: info.port };
    return container;
  }

  /** The address it listens (or listened) on. */
  get address(): { host: string; port: number } {
    return this.listening;
  }

  /** Its base URL, e.g. `http://127.0.0.1:40123`. */
  get url(): string {
    const { host, port } = this.listening;
    return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  /** Stops listening, aborts the calls in flight and drops every connection. */
  async close(): Promise<void> {
    for (const controller of this.calls.values()) controller.abort(abortError('the container is shutting down'));
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestEncoding = encodingOf(req.headers['content-type']);
    const encoding = answerEncoding(req.headers.accept, requestEncoding);
    try {
      const path = (req.url ?? '/').split('?')[0];
      if (path === ContainerPaths.health) {
        if (req.method !== 'GET') throw new ContainerProtocolError(405, 'GET /health takes no body');
        return send(res, 200, this.health(), encoding);
      }
      if (path !== ContainerPaths.init && path !== ContainerPaths.run && path !== ContainerPaths.cancel) {
        throw new ContainerProtocolError(404, `no endpoint ${path ?? ''}`);
      }
      if (req.method !== 'POST') throw new ContainerProtocolError(405, `${path} takes POST`);
      const body = await readBody(req, this.options.maxBodyBytes ?? 2 ** 30);
      if (body.byteLength > 0 && !requestEncoding) {
        throw new ContainerProtocolError(415, `content-type must be ${CONTENT_TYPES.v8} or ${CONTENT_TYPES.json}`);
      }
      let value: unknown;
      try {
        value = decodeBody(body, requestEncoding ?? 'json');
      } catch (error) {
        throw new ContainerProtocolError(400, `the body is not valid ${requestEncoding}: ${toWireError(error).message}`);
      }
      if (path === ContainerPaths.run) return await this.run(parseCallRequest(value), req, res, encoding);
      if (path === ContainerPaths.cancel) return send(res, 200, this.cancel(value), encoding);
      return send(res, 200, await this.init(value as InitRequest), encoding);
    } catch (error) {
      const status = error instanceof ContainerProtocolError ? error.status : 500;
      const wire = toWireError(error);
      // A refused request's stack would only show the container's own code.
      const answer: ProtocolErrorResponse = { ok: false, error: status < 500 ? { name: wire.name, message: wire.message } : wire };
      if (!res.headersSent && !res.destroyed) send(res, status, answer, encoding, status === 413);
    }
  }

  /** `/run`: runs the function, always answers a `CallResponse` (status 200) once it ran or failed. */
  private async run(request: CallRequest, req: IncomingMessage, res: ServerResponse, encoding: BodyEncoding): Promise<void> {
    this.checkAllowed(request.fn.module);
    if (this.calls.has(request.id)) throw new ContainerProtocolError(409, `a call with id ${request.id} is already in flight`);
    const controller = new AbortController();
    this.calls.set(request.id, controller);
    // A client that hangs up no longer wants the answer: the function's signal tells it to stop.
    const onClose = (): void => {
      if (!res.writableFinished) controller.abort(abortError('the client disconnected'));
    };
    res.on('close', onClose);
    if (res.destroyed || req.socket.destroyed) onClose();
    let response: CallResponse;
    try {
      const release = await this.gate.acquire(controller.signal);
      try {
        // The host loads the function at its first call (and remembers it for /health).
        const { output, ran } = await this.host.call(request.fn, request.input, request.ctx, controller.signal);
        response = { id: request.id, ok: true, output, ran };
      } finally {
        release();
      }
    } catch (error) {
      response = { id: request.id, ok: false, error: toWireError(error) };
    } finally {
      this.calls.delete(request.id);
    }
    if (res.destroyed) return;
    let bytes: Buffer;
    try {
      bytes = encodeBody(response, encoding);
    } catch (error) {
      // The output cannot cross the boundary (a function, a cycle in JSON, ...): that is the
      // function's failure, reported as such.
      bytes = encodeBody({ id: request.id, ok: false, error: toWireError(error) } satisfies CallResponse, encoding);
    }
    writeBytes(res, 200, bytes, encoding);
  }

  private cancel(value: unknown): CancelResponse {
    const id = (value as { id?: unknown }).id;
    if (typeof id !== 'number') throw new ContainerProtocolError(400, '/cancel needs {"id": <number>}');
    const controller = this.calls.get(id);
    controller?.abort(abortError(`call ${id} was cancelled by its caller`));
    return { ok: true, cancelled: controller !== undefined };
  }

  private async init(request: InitRequest): Promise<InitResponse> {
    const modules = request.modules ?? [];
    const functions = request.functions ?? [];
    if (!Array.isArray(modules) || !Array.isArray(functions) || !modules.every((m) => typeof m === 'string') || !functions.every(isFnRef)) {
      throw new ContainerProtocolError(400, '/init takes {"modules"?: string[], "functions"?: {"module", "name"}[]}');
    }
    for (const module of [...modules, ...functions.map((f) => f.module)]) this.checkAllowed(module);
    try {
      for (const module of modules) {
        await importFunctionModule(module);
        this.modules.add(module);
      }
      for (const fn of functions) {
        await this.host.load(fn);
        this.modules.add(fn.module);
      }
    } catch (error) {
      // The load failed, not the request: 502 as OpenWhisk answers a failed /init.
      const failure = new ContainerProtocolError(502, `init failed: ${toWireError(error).message}`);
      failure.stack = toWireError(error).stack;
      throw failure;
    }
    return { ok: true, modules: [...this.modules], functions: this.host.loadedFunctions() };
  }

  private health(): HealthResponse {
    return {
      ok: true,
      vcpus: this.options.vcpus ?? availableParallelism(),
      concurrency: this.gate.limit,
      running: this.gate.running,
      queued: this.gate.queued,
      functions: this.host.loadedFunctions(),
      connections: this.connections,
      pid: process.pid,
      uptimeMs: Date.now() - this.started,
    };
  }

  private checkAllowed(module: string): void {
    const allowed = this.options.allowedModules;
    if (allowed && allowed.length > 0 && !allowed.some((prefix) => module.startsWith(prefix))) {
      throw new ContainerProtocolError(403, `module ${module} is not allowed in this container`);
    }
  }
}

function parseCallRequest(value: unknown): CallRequest {
  const request = value as Partial<CallRequest> | null;
  const ctx = request?.ctx;
  if (
    typeof request?.id !== 'number' ||
    !isFnRef(request.fn) ||
    typeof ctx !== 'object' ||
    ctx === null ||
    typeof ctx.stepPath !== 'string' ||
    typeof ctx.runId !== 'string' ||
    typeof ctx.workflow !== 'string' ||
    typeof ctx.attempt !== 'number'
  ) {
    throw new ContainerProtocolError(400, '/run takes {"id", "fn": {"module", "name"}, "input", "ctx": {"runId", "workflow", "stepPath", "attempt"}}');
  }
  return request as CallRequest;
}

function isFnRef(value: unknown): value is FnRef {
  const fn = value as Partial<FnRef> | null;
  return typeof fn?.module === 'string' && typeof fn.name === 'string';
}


function abortError(message: string): Error {
  const error = new Error(message);
  error.name = 'AbortError';
  return error;
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () =>
      size <= limit ? resolve(Buffer.concat(chunks, size)) : reject(new ContainerProtocolError(413, `the body is larger than ${limit} bytes`)),
    );
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, encoding: BodyEncoding, close = false): void {
  writeBytes(res, status, encodeBody(body, encoding), encoding, close);
}

function writeBytes(res: ServerResponse, status: number, bytes: Buffer, encoding: BodyEncoding, close = false): void {
  res.writeHead(status, {
    'content-type': CONTENT_TYPES[encoding],
    'content-length': bytes.byteLength,
    ...(close ? { connection: 'close' } : {}),
  });
  res.end(bytes);
}
