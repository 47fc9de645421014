/**
 * @faastlane/core: the workflow graph and its validation, the planner and the runtime.
 *
 * Data flows one way: the DSL (`@faastlane/dsl`) builds a `Workflow`, `Runtime.plan` turns its graph
 * into a `Plan`, and the runtime executes the plan.
 */
export * from './errors.js';
export * from './graph/ir.js';
export { stepPath, walkGraph } from './graph/paths.js';
export { findProblems, validateWorkflow } from './graph/validate.js';
export * from './functions/definition.js';
export { lookupFunction } from './functions/registry.js';
export { validateInput } from './functions/input-validation.js';
export * from './workflow.js';
export type { MachineInfo } from './planner/machine.js';
export { probeMachine } from './planner/machine.js';
export * from './planner/plan.js';
export {
  planWorkflow,
  THREAD_HOP_BREAK_EVEN_MS,
  DEFAULT_CONTAINER_HOP_MS,
  SHARED_HEAP_DOMAIN,
  domainNameOf,
  type PlanningContext,
  type DomainBudget,
} from './planner/planner.js';
export { PLAIN_HEAP, protectedHeap } from './domains/heaps.js';
export { DomainManager, asIsolationViolation } from './domains/manager.js';
export { Measurements, type FnMeasurement, type HopMeasurement } from './planner/measurements.js';
export { type Tier, type TierCall, type TierKind, TierCrashError } from './tiers/tier.js';
export { collectTransferables } from './tiers/transferables.js';
export { POOL_START_FAILED } from './tiers/pool.js';
export { WorkerPool, type WorkerPoolOptions } from './tiers/worker-pool.js';
export { ProcessPool, type ProcessPoolOptions } from './tiers/process-pool.js';
export { FunctionHost, type HostedCall } from './hosting/function-host.js';
export { RemoteError, wallClock, type WireSpan, type FnRef, type WireContext, type CallRequest, type CallResponse, type WireError } from './hosting/wire.js';
export type * from './runtime/events.js';
export type { WorkflowRun } from './runtime/run.js';
export { DEFAULT_BACKOFF } from './runtime/backoff.js';
export { Runtime, UNISOLATED, type RuntimeOptions, type InvokeOptions, type CloseOptions } from './runtime/runtime.js';
export type { TierOptions, ContainerOptions, BaselineOptions } from './runtime/tier-factories.js';
export * from './containers/index.js';
