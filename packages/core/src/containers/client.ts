import { Agent, request as httpRequest, type IncomingMessage } from 'node:http';
import type { CallRequest, CallResponse, FnRef, WireContext } from '../hosting/wire.js';
import { CONTENT_TYPES, decodeBody, encodeBody, encodingOf, type BodyEncoding } from './codec.js';
import { ContainerPaths, ContainerProtocolError } from './protocol.js';
import type { CancelResponse, HealthResponse, InitRequest, InitResponse, ProtocolErrorResponse } from './protocol.js';

/** Options of a container client. */
export interface ContainerClientOptions {
  /** Body encoding of requests and answers. Default `v8`. */
  readonly encoding?: BodyEncoding;
  /**
   * Idle keep-alive sockets are closed after this long (default 30 s). It must be shorter than the
   * container's keep-alive timeout (65 s), so that the client, not the container, closes an idle
   * socket and no call is ever written into a socket the container is closing.
   */
  readonly idleSocketMs?: number;
}

/** The container could not be reached, or dropped the connection before it answered. */
export class ContainerConnectionError extends Error {
  /** The system error code when there is one (`ECONNREFUSED`, `ECONNRESET`, `ETIMEDOUT`, ...). */
  readonly code: string | undefined;

  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    const code = (cause as { code?: unknown } | null)?.code;
    super(`container ${url} is unreachable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'ContainerConnectionError';
    this.code = typeof code === 'string' ? code : undefined;
  }
}

/** A `/run` in flight: its answer, its id (for `/cancel`), and a way to hang up on it. */
export interface RunningCall {
  readonly id: number;
  readonly response: Promise<CallResponse>;
  /** Drops the connection: the container aborts the function's signal (the answer is lost). */
  hangUp(): void;
}

/**
 * Talks the container protocol to one container. It keeps one keep-alive `http.Agent`, so calls
 * reuse open connections instead of paying a TCP handshake each; one client per container.
 */
export class ContainerClient {
  readonly encoding: BodyEncoding;
  private readonly agent: Agent;
  private readonly base: URL;
  // Ids must be unique among the calls in flight on a container, which may have other clients:
  // each client counts from a random base.
  private nextId = Math.floor(Math.random() * 2 ** 31) * 2 ** 16;

  constructor(
    /** Base URL of the container, e.g. `http://127.0.0.1:40123`. */
    readonly url: string,
    options: ContainerClientOptions = {},
  ) {
    this.base = new URL(url);
    this.encoding = options.encoding ?? 'v8';
    this.agent = new Agent({ keepAlive: true, timeout: options.idleSocketMs ?? 30_000 });
  }

  /** Sockets this client has open to its container, busy or idle. */
  get openSockets(): number {
    const count = (sockets: NodeJS.ReadOnlyDict<unknown[]>): number => Object.values(sockets).reduce((n, list) => n + (list?.length ?? 0), 0);
    return count(this.agent.sockets) + count(this.agent.freeSockets);
  }

  /** `POST /run`: calls a function. The answer carries its output or its error (`ok: false`). */
  run(fn: FnRef, input: unknown, ctx: WireContext): RunningCall {
    const id = this.nextId++;
    const call: CallRequest = { id, fn, input, ctx };
    const exchange = this.exchange('POST', ContainerPaths.run, call);
    const response = exchange.result.then((value) => {
      const answer = value as Partial<CallResponse> | null;
      if (answer?.id !== id || typeof answer.ok !== 'boolean') throw new ContainerProtocolError(200, `${this.url}${ContainerPaths.run} answered something other than a CallResponse for call ${id}`);
      return answer as CallResponse;
    });
    return { id, response, hangUp: exchange.hangUp };
  }

  /** `POST /init`: loads modules and functions ahead of their first call. */
  init(request: InitRequest, timeoutMs?: number): Promise<InitResponse> {
    return this.exchange('POST', ContainerPaths.init, request, timeoutMs).result as Promise<InitResponse>;
  }

  /** `GET /health`. */
  health(timeoutMs?: number): Promise<HealthResponse> {
    return this.exchange('GET', ContainerPaths.health, undefined, timeoutMs).result as Promise<HealthResponse>;
  }

  /** `POST /cancel`: aborts the signal of call `id`; false when no such call was in flight. */
  async cancel(id: number, timeoutMs?: number): Promise<boolean> {
    const answer = (await this.exchange('POST', ContainerPaths.cancel, { id }, timeoutMs).result) as CancelResponse;
    return answer.cancelled;
  }

  /** Closes every socket. Calls in flight fail with `ContainerConnectionError`. */
  close(): void {
    this.agent.destroy();
  }

  private exchange(method: 'GET' | 'POST', path: string, body: unknown, timeoutMs?: number): { result: Promise<unknown>; hangUp: () => void } {
    let hangUp: () => void = () => undefined;
    let hungUp = false;
    const result = new Promise<unknown>((resolve, reject) => {
      const bytes = body === undefined ? undefined : encodeBody(body, this.encoding);
      const type = CONTENT_TYPES[this.encoding];
      const fail = (cause: unknown): void => reject(cause instanceof ContainerProtocolError ? cause : new ContainerConnectionError(this.url, cause));
      const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
      const idempotent = path !== ContainerPaths.run;
      const send = (retried: boolean): void => {
        const req = httpRequest(new URL(path, this.base), {
          method,
          agent: this.agent,
          headers: { accept: type, ...(bytes ? { 'content-type': type, 'content-length': bytes.byteLength } : {}) },
        });
        const timer =
          deadline === undefined
            ? undefined
            : setTimeout(() => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })), Math.max(0, deadline - Date.now()));
        hangUp = () => {
          hungUp = true;
          req.destroy(Object.assign(new Error('the caller hung up'), { code: 'ECONNABORTED' }));
        };
        let answered = false;
        req.on('error', (error) => {
          clearTimeout(timer);
          // A kept-alive socket that the container (or a proxy before it) closed as this request went
          // out: nothing was answered, so an idempotent request goes once more, on a fresh socket. Not
          // a `/run`: the connection may as well have died under a call that ran, and the tier decides
          // where a call runs again.
          if (idempotent && req.reusedSocket && !answered && !retried && !hungUp && isStaleSocket(error)) send(true);
          else fail(error);
        });
        req.on('response', (res) => {
          answered = true;
          readAll(res).then(
            (data) => {
              clearTimeout(timer);
              try {
                resolve(this.answer(path, res, data));
              } catch (error) {
                reject(error);
              }
            },
            (error: unknown) => {
              clearTimeout(timer);
              fail(error);
            },
          );
        });
        req.end(bytes);
      };
      send(false);
    });
    return { result, hangUp: () => hangUp() };
  }

  /** The decoded body of a 200 answer; a `ContainerProtocolError` for any other status. */
  private answer(path: string, res: IncomingMessage, data: Buffer): unknown {
    const encoding = encodingOf(res.headers['content-type']);
    let value: unknown;
    try {
      value = encoding ? decodeBody(data, encoding) : undefined;
    } catch (error) {
      throw new ContainerProtocolError(res.statusCode ?? 0, `${this.url}${path} answered an unreadable ${encoding} body: ${String(error)}`);
    }
    if (res.statusCode === 200 && encoding) return value;
    const remote = (value as Partial<ProtocolErrorResponse> | undefined)?.error;
    const detail = remote?.message ?? (encoding ? 'no error message' : data.toString('utf8', 0, 200));
    throw new ContainerProtocolError(res.statusCode ?? 0, `${this.url}${path} answered ${res.statusCode}: ${detail}`);
  }
}

/** The whole body of an answer; rejects if the connection drops before its end. */
function readAll(res: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () => (res.complete ? resolve(Buffer.concat(chunks)) : reject(new Error('the connection closed mid-answer'))));
    res.on('aborted', () => reject(Object.assign(new Error('the connection closed mid-answer'), { code: 'ECONNRESET' })));
    res.on('error', reject);
  });
}

/** The errors of a request sent on a kept-alive socket that the other end had closed. */
function isStaleSocket(error: Error & { code?: string }): boolean {
  return error.code === 'ECONNRESET' || error.code === 'EPIPE' || error.message === 'socket hang up';
}
