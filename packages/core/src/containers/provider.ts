import { ContainerClient } from './client.js';
import type { HealthResponse, InitRequest } from './protocol.js';

/** One live container as a provider offers it to the tier. */
export interface ContainerEndpoint {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** How many calls it runs at once. */
  readonly concurrency: number;
  /** How messages name it, e.g. `pid 1234 at http://127.0.0.1:40123`. */
  readonly label: string;
}

/**
 * Where containers come from: the lifecycle side of the container tier (the tier schedules calls,
 * the client speaks the protocol). The embedded provider starts local container processes; the
 * remote provider uses containers deployed elsewhere.
 */
export interface ContainerProvider {
  /** The containers believed alive now. */
  endpoints(): readonly ContainerEndpoint[];
  /** How many containers are being started or checked right now (calls may wait for them). */
  readonly starting: number;
  /** Calls `listener` whenever the set of live containers changes; returns the unsubscribe function. */
  onChange(listener: () => void): () => void;
  /**
   * A call to `endpoint` failed at the connection level, or it stopped answering. The provider
   * checks it and, if it is dead, drops it (and replaces it, where it can). Either way it notifies
   * its listeners once the check is done: the tier stops using a suspect container until then.
   * `stillOurs`: calls the tier still runs there and waits for (not the ones it gave up on), which
   * hold call slots of their own (see `hasFreeSlot`).
   */
  suspect(endpoint: ContainerEndpoint, cause: unknown, stillOurs?: number): void;
  /** Adds `count` containers, where the provider can start them (an embedded one can). */
  start?(count: number): Promise<readonly ContainerEndpoint[]>;
  /** Stops or forgets every container. */
  close(): Promise<void>;
}

/** The parts both providers share: change listeners, and health checks and `/init` over a short-lived client. */
export abstract class ProviderBase {
  private readonly listeners = new Set<() => void>();

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  protected notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  /** `/health` of a container, or undefined when it does not answer within `timeoutMs`. */
  protected async probe(url: string, timeoutMs: number): Promise<HealthResponse | undefined> {
    const client = new ContainerClient(url, { encoding: 'json' });
    try {
      return await client.health(timeoutMs);
    } catch {
      return undefined;
    } finally {
      client.close();
    }
  }

  /** Sends `/init` (when there is anything to load) so that the container's first `/run` is warm. */
  protected async preload(url: string, init: InitRequest | undefined, timeoutMs: number): Promise<void> {
    if (!init || ((init.modules?.length ?? 0) === 0 && (init.functions?.length ?? 0) === 0)) return;
    const client = new ContainerClient(url, { encoding: 'json' });
    try {
      await client.init(init, timeoutMs);
    } finally {
      client.close();
    }
  }
}

/**
 * Whether a container that answered `/health` has a call slot free for the tier, counting
 * `stillOurs` of its running calls as the tier's own. A suspected container must: the tier stops
 * sending to one whose call it gave up on, and if that call's function ignores its cancellation it
 * keeps its slot, so new calls there would wait behind it, unseen by the tier.
 */
export function hasFreeSlot(health: HealthResponse | undefined, stillOurs = 0): boolean {
  return health !== undefined && health.running - stillOurs < health.concurrency;
}
