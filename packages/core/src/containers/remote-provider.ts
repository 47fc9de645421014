import type { InitRequest } from './protocol.js';
import { hasFreeSlot, ProviderBase, type ContainerEndpoint, type ContainerProvider } from './provider.js';

/** Options of the remote provider. */
export interface RemoteContainerOptions {
  /** Base URLs of deployed containers (Knative services, OpenWhisk actions behind a route, pods). */
  readonly urls: readonly string[];
  /** Calls each runs at once; default: what its `/health` reports. */
  readonly concurrency?: number;
  /** Loaded into each container when it is first found healthy (and when it comes back). */
  readonly init?: InitRequest;
  /** How long a health check may take (default 2 s). */
  readonly healthTimeoutMs?: number;
  /** How often containers that are down are checked again (default 5 s). */
  readonly recheckMs?: number;
}

/**
 * Containers deployed elsewhere, by URL. It cannot start or replace them: it health-checks each
 * (`GET /health`), offers the healthy ones, drops one that a call found unreachable and checks it
 * again until it answers. Every container must serve the same functions at the same module URLs
 * as this process names them (the same image, laid out the same way).
 */
export class RemoteContainerProvider extends ProviderBase implements ContainerProvider {
  private readonly live = new Map<string, ContainerEndpoint>();
  private readonly down = new Set<string>();
  /** Health checks in progress, by URL. */
  private readonly checking = new Map<string, Promise<void>>();
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  private constructor(private readonly options: RemoteContainerOptions) {
    super();
    this.timer = setInterval(() => {
      for (const url of this.down) void this.check(url, true);
    }, options.recheckMs ?? 5_000);
    this.timer.unref();
  }

  /** Checks every URL once; resolves with those that answered live (the others are checked again later). */
  static async create(options: RemoteContainerOptions): Promise<RemoteContainerProvider> {
    const provider = new RemoteContainerProvider(options);
    await Promise.all(options.urls.map((url) => provider.check(url.replace(/\/+$/, ''))));
    return provider;
  }

  get starting(): number {
    return this.checking.size;
  }

  endpoints(): readonly ContainerEndpoint[] {
    return [...this.live.values()];
  }

  suspect(endpoint: ContainerEndpoint, _cause?: unknown, stillOurs = 0): void {
    void this.check(endpoint.url, true, stillOurs).finally(() => this.notify());
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    this.live.clear();
    this.down.clear();
  }

  /**
   * Health-checks one URL (and loads `init` into it when it comes up); updates the live set. A
   * container suspected or down comes (back) only with a free call slot (`hasFreeSlot`).
   */
  private check(url: string, needsFreeSlot = false, stillOurs = 0): Promise<void> {
    if (this.closed) return Promise.resolve();
    let check = this.checking.get(url);
    if (!check) {
      check = this.recheck(url, needsFreeSlot, stillOurs).finally(() => this.checking.delete(url));
      this.checking.set(url, check);
    }
    return check;
  }

  private async recheck(url: string, needsFreeSlot: boolean, stillOurs: number): Promise<void> {
    try {
      const answer = await this.probe(url, this.options.healthTimeoutMs ?? 2_000);
      const health = needsFreeSlot && !hasFreeSlot(answer, stillOurs) ? undefined : answer;
      const wasLive = this.live.has(url);
      if (health && !wasLive) await this.preload(url, this.options.init, 30_000);
      if (this.closed) return;
      if (health) {
        this.down.delete(url);
        this.live.set(url, { url, concurrency: Math.max(1, this.options.concurrency ?? health.concurrency), label: url });
      } else {
        this.live.delete(url);
        this.down.add(url);
      }
      if (wasLive !== Boolean(health)) this.notify();
    } catch {
      // `/init` failed: the container answers but cannot serve these functions.
      this.live.delete(url);
      this.down.add(url);
      this.notify();
    }
  }
}
