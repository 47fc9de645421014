import type { RuntimeMode } from '../planner/plan.js';
import { ProcessPool } from '../tiers/process-pool.js';
import { WorkerPool } from '../tiers/worker-pool.js';
import type { TierFactories } from './tier-set.js';

/** How big the runtime's tiers are. */
export interface TierOptions {
  /** Worker threads in the pool (default: the vCPUs this process may use; 0: no thread tier). */
  readonly workerThreads?: number;
  /** Memory limits of each worker thread: one that exceeds them fails its step and is replaced. */
  readonly workerResourceLimits?: import('node:worker_threads').ResourceLimits;
  /**
   * Child processes per isolated function (default 1; 0: none, and the plan then says that isolated
   * functions run unisolated). Each isolated function gets its own, never shared with another.
   */
  readonly childProcesses?: number;
  /**
   * Other containers that wide groups may spill to. Default: none in `faastlane` mode (a single
   * container, the paper's default); `false` disables them.
   */
  readonly containers?: ContainerOptions | false;
}

/** Where the extra containers come from. */
export interface ContainerOptions {
  /** Local containers to start on loopback (the embedded provider). */
  readonly count?: number;
  /** Base URLs of deployed containers (the remote provider); used instead of local ones when given. */
  readonly urls?: readonly string[];
}

/** The tier factories of a runtime in `mode`, sized from `options` and the machine. */
export function createTierFactories(mode: RuntimeMode, options: TierOptions & { workerThreads: number }, vcpus: number): TierFactories {
  const processes = options.childProcesses ?? 1;
  return {
    workerThreads:
      options.workerThreads > 0
        ? () => WorkerPool.start({ size: options.workerThreads, ...(options.workerResourceLimits ? { resourceLimits: options.workerResourceLimits } : {}) })
        : undefined,
    childProcesses: processes > 0 ? () => ProcessPool.start({ size: processes }) : undefined,
    ...containerFactories(mode, options.containers, vcpus),
  };
}

function containerFactories(_mode: RuntimeMode, _options: ContainerOptions | false | undefined, _vcpus: number): Partial<TierFactories> {
  return {};
}
