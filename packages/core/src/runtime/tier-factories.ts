import type { RuntimeMode } from '../planner/plan.js';
import { ContainerTier } from '../containers/container-tier.js';
import { EmbeddedContainerProvider } from '../containers/embedded-provider.js';
import { FunctionPerContainerTier } from '../containers/function-per-container.js';
import type { FnRef } from '../hosting/wire.js';
import type { Tier } from '../tiers/tier.js';
import { DomainHostPool } from '../tiers/domain-host-pool.js';
import { ProcessPool } from '../tiers/process-pool.js';
import { WorkerPool } from '../tiers/worker-pool.js';
import type { TierFactories } from './tier-set.js';

/** How big the runtime's tiers are. */
export interface TierOptions {
  /**
   * Worker threads in the pool, at most (default: the vCPUs this process may use; 0: no thread tier).
   * One starts with the runtime; the others as calls queue for them.
   */
  readonly workerThreads?: number;
  /** Memory limits of each worker thread: one that exceeds them fails its step and is replaced. */
  readonly workerResourceLimits?: import('node:worker_threads').ResourceLimits;
  /**
   * Child processes per isolated function (default 1; 0: none, and the plan then says that isolated
   * functions run unisolated). Each isolated function gets its own, never shared with another.
   */
  readonly childProcesses?: number;
  /**
   * Processes of the domain host, where `isolation: 'domain'` functions run in their protection domains
   * when MPK is available and `domainHosting` is `'supervised'`. Each runs one call at a time and every
   * domain function of the runtime (default: the vCPUs, at most 4).
   */
  readonly domainHosts?: number;
  /**
   * Other containers that wide groups may spill to. Default: none in `faastlane` mode (a single
   * container, the paper's default); `false` disables them.
   */
  readonly containers?: ContainerOptions | false;
  /** The `function-per-container` baseline's scaling. */
  readonly baseline?: BaselineOptions;
}

/** Where the extra containers come from. */
export interface ContainerOptions {
  /** Local containers to start on loopback (the embedded provider); default 1 when this object is given. */
  readonly count?: number;
  /** Base URLs of deployed containers (the remote provider); used instead of local ones when given. */
  readonly urls?: readonly string[];
  /** Calls one container runs at once (default 1: a Node container computes on one thread). */
  readonly concurrency?: number;
}

/** Options of the `function-per-container` baseline. */
export interface BaselineOptions {
  /**
   * Warm containers per function, each running one call at a time, as FaaS platforms scale a
   * function out to its concurrent invocations (default 1). A function of the name maps to a count.
   */
  readonly containersPerFunction?: number | ((fn: string) => number);
}

/** The tier factories of a runtime in `mode`, sized from `options` and the machine. */
export function createTierFactories(mode: RuntimeMode, options: TierOptions & { workerThreads: number; domainHosts: number }): TierFactories {
  const processes = options.childProcesses ?? 1;
  return {
    workerThreads:
      options.workerThreads > 0
        ? () =>
            // One worker warm from the start; the others as calls queue for them: a machine's width of
            // them is more than most workflows use (on 16 vCPUs each took 7-30 MB of the applications' peak memory).
            WorkerPool.start({ size: options.workerThreads, initial: 1, ...(options.workerResourceLimits ? { resourceLimits: options.workerResourceLimits } : {}) })
        : undefined,
    childProcesses: processes > 0 ? () => ProcessPool.start({ size: processes }) : undefined,
    domainHost: processes > 0 ? () => DomainHostPool.start({ size: options.domainHosts }) : undefined,
    containers: mode === 'function-per-container' ? () => baselineTier(options.baseline) : spillTier(options.containers),
  };
}

/** The containers that wide groups spill to: local ones on loopback, or deployed ones by URL. */
function spillTier(options: ContainerOptions | false | undefined): (() => Promise<Tier>) | undefined {
  if (!options) return undefined;
  const concurrency = options.concurrency ?? 1;
  if (options.urls?.length) return () => ContainerTier.remote({ urls: [...options.urls!], concurrency });
  return () => ContainerTier.embedded({ count: options.count ?? 1, concurrency });
}

/** Every function in containers of its own, state as JSON over keep-alive HTTP. */
async function baselineTier(options: BaselineOptions = {}): Promise<Tier> {
  const per = options.containersPerFunction ?? 1;
  const count = (fn: FnRef): number => (typeof per === 'function' ? per(fn.name) : per);
  return new FunctionPerContainerTier({
    encoding: 'json',
    provider: (fn) => EmbeddedContainerProvider.create({ count: count(fn), concurrency: 1, init: { functions: [fn] } }),
  });
}
