/**
 * The shapes of the container protocol (see `packages/core/CONTAINER-PROTOCOL.md`): what a client
 * sends to a container's endpoints and what the container answers. `/run` carries the shared
 * `CallRequest` / `CallResponse` of `hosting/wire.ts`, so a container call looks like a call to any
 * other tier.
 */
import type { FnRef, WireError } from '../hosting/wire.js';

/** The endpoints of a container. */
export const ContainerPaths = {
  init: '/init',
  run: '/run',
  cancel: '/cancel',
  health: '/health',
} as const;

/** Body of `POST /init`: what to load before the first `/run`, so that it is warm. */
export interface InitRequest {
  /** Module URLs to import (their `@Fn` classes register themselves). */
  readonly modules?: readonly string[];
  /** Functions to load: their modules are imported and one instance of each is created. */
  readonly functions?: readonly FnRef[];
}

/** Answer of a successful `POST /init`: everything loaded so far (not only by this request). */
export interface InitResponse {
  readonly ok: true;
  readonly modules: readonly string[];
  /** `module#name` of every function loaded. */
  readonly functions: readonly string[];
}

/** Body of `POST /cancel`. */
export interface CancelRequest {
  /** The `id` of the `CallRequest` to cancel. */
  readonly id: number;
}

/** Answer of `POST /cancel`: `cancelled` is false when no call of that id was running or queued. */
export interface CancelResponse {
  readonly ok: true;
  readonly cancelled: boolean;
}

/** Answer of `GET /health`. */
export interface HealthResponse {
  readonly ok: true;
  /** The vCPUs the container may use (cgroup quota, else the CPUs the OS offers). */
  readonly vcpus: number;
  /** How many `/run` calls the container runs at once; further calls wait in its queue. */
  readonly concurrency: number;
  /** Calls running now. */
  readonly running: number;
  /** Calls waiting for a free slot. */
  readonly queued: number;
  /** `module#name` of every function loaded. */
  readonly functions: readonly string[];
  /** TCP connections accepted since start (a keep-alive client opens few). */
  readonly connections: number;
  readonly pid: number;
  readonly uptimeMs: number;
}

/**
 * Answer of any request the container could not serve as a request (malformed body, unknown path,
 * module not allowed, load failure in `/init`). A function that throws in `/run` is not one of
 * these: that is a `CallResponse` with `ok: false` and status 200.
 */
export interface ProtocolErrorResponse {
  readonly ok: false;
  readonly error: WireError;
}

/**
 * The line a container prints on stdout once it listens, so that whoever started it learns its port.
 * It is one JSON object on one line; any other stdout line is the functions' own output.
 */
export interface ReadyLine {
  readonly faastlane: 'container';
  readonly ready: true;
  readonly host: string;
  readonly port: number;
  readonly pid: number;
}

/** Tells a ready line from other output. */
export function parseReadyLine(line: string): ReadyLine | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(line) as Partial<ReadyLine>;
    return value.faastlane === 'container' && value.ready === true && typeof value.port === 'number' ? (value as ReadyLine) : undefined;
  } catch {
    return undefined;
  }
}

/** A request the container refused as a request: its status and the error it reports. */
export class ContainerProtocolError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ContainerProtocolError';
  }
}
