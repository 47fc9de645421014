import { stepPath } from '../graph/paths.js';
import type { FnDefinition } from '../functions/definition.js';
import { RemoteError, spanHere, type BatchOutput } from '../hosting/wire.js';
import type { GroupPlan, TaskPlan } from '../planner/plan.js';
import type { Tier } from '../tiers/tier.js';
import { raceAbort } from './abort.js';
import type { CancelScope } from './cancel-scope.js';
import type { ExecutionEnv } from './executor.js';
import { keepProtected, type LaneMode } from './lane-mode.js';
import { WorkflowCancelledError } from '../errors.js';
import { asStepError, siblingFailed } from './step-errors.js';

// A wide map on worker threads, sent in chunks (the paper's chunked fork of a Map state): one message
// per chunk instead of one per item, so that a hop costs once per chunk.

/** Chunks per worker thread when a map is sent in batches: enough to even out uneven items. */
const CHUNKS_PER_THREAD = 4;

/** The one function a batchable map calls, and the tier it runs on. */
export interface MapBatch {
  readonly def: FnDefinition;
  readonly task: TaskPlan;
  readonly tier: Tier;
}

/**
 * Whether a map can send its items to the worker threads in chunks rather than one by one: its body
 * is a single function on the threads, with no retries or timeout of its own (those are per call),
 * nothing spilled, and more items than threads.
 */
export function batchable(env: ExecutionEnv, plan: GroupPlan, width: number, local: number): MapBatch | undefined {
  const body = plan.branches[0];
  const only = body?.steps.length === 1 ? body.steps[0] : undefined;
  if (plan.executor !== 'worker-threads' || only?.kind !== 'task' || only.placement !== 'worker-thread' || local < width) return undefined;
  const def = env.workflow.functions.get(only.fn);
  if (!def?.spec.module || def.spec.retries > 0 || def.spec.timeoutMs !== undefined || def.inputType) return undefined;
  const tier = env.tier('worker-thread', def.spec.name);
  if (width <= tier.capacity || (plan.concurrency !== undefined && plan.concurrency < tier.capacity)) return undefined;
  return { def, task: only, tier };
}

/**
 * Runs a map's items in chunks, a few per thread so that uneven items still balance: one message
 * per chunk instead of one per item. Events and measurements stay per item.
 */
export async function mapInBatches(
  env: ExecutionEnv,
  plan: GroupPlan,
  { def, task, tier }: MapBatch,
  items: readonly unknown[],
  scope: string,
  cancel: CancelScope,
  mode: LaneMode,
): Promise<unknown[]> {
  const size = Math.ceil(items.length / (tier.capacity * CHUNKS_PER_THREAD));
  const paths = items.map((_, i) => stepPath.child(stepPath.branch(scope, plan.name, i), task.name));
  const results = new Array<unknown>(items.length);
  const ctx = { runId: env.runId, workflow: env.workflow.name, attempt: 1 };
  const chunk = async (from: number): Promise<void> => {
    const to = Math.min(items.length, from + size);
    const chunkPaths = paths.slice(from, to);
    const started = performance.now();
    for (const path of chunkPaths) env.events.stepStarted(path, 1, started);
    try {
      const out = (await raceAbort(
        tier.call({
          fn: { module: def.spec.module as string, name: def.spec.name },
          input: items.slice(from, to),
          ctx: { ...ctx, stepPath: chunkPaths[0] ?? scope },
          signal: cancel.signal,
          transfer: true,
          keep: keepProtected(env.domains, mode.keep, items.slice(from, to)),
          batch: chunkPaths,
        }),
        cancel,
      )) as BatchOutput;
      const now = performance.now();
      out.outputs.forEach((output, k) => {
        results[from + k] = output;
        const span = spanHere(out.ran[k]);
        const durationMs = span.end - span.start;
        env.measurements.recordCall(def.spec.name, durationMs);
        env.events.stepCompleted(chunkPaths[k] ?? scope, 1, durationMs, span, now);
      });
    } catch (raw) {
      // A batch error names its item; a crash or an abort belongs to the chunk's first unfinished item.
      const item = raw instanceof RemoteError && raw.item !== undefined ? raw.item : 0;
      const error = asStepError(raw, chunkPaths[item] ?? scope, 1);
      // Every item of the chunk was reported started, and none of their outputs comes back: each
      // gets its end, the item that failed its own error, the others why they were dropped.
      const dropped = error instanceof WorkflowCancelledError ? error : siblingFailed(env.workflow.name, error, stepPath.child(scope, plan.name));
      const durationMs = performance.now() - started;
      chunkPaths.forEach((path, k) => {
        env.events.emit({ type: 'step.failed', path, attempt: 1, durationMs, error: k === item ? error : dropped, willRetry: false });
      });
      throw error;
    }
  };
  const chunks: Promise<void>[] = [];
  for (let from = 0; from < items.length; from += size) chunks.push(chunk(from));
  await Promise.all(
    chunks.map((c) =>
      c.catch((error: unknown) => {
        // The first failure stops the other chunks (their threads are terminated and replaced).
        cancel.abort(siblingFailed(env.workflow.name, error, stepPath.child(scope, plan.name)));
        throw error;
      }),
    ),
  );
  return results;
}
