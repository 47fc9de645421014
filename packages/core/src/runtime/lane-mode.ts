/**
 * How state crosses into another thread: which buffers a step may move (transfer) to a worker and
 * which it must copy because something else may still read them. The executor carries a `LaneMode`
 * down the plan and widens its `keep` set where a scope needs its input again.
 */
import type { DomainManager } from '../domains/manager.js';
import { forEachStep, type GroupPlan, type LanePlan, type StepPlan } from '../planner/plan.js';
import { collectTransferables } from '../tiers/transferables.js';

/**
 * How a lane is being run: which buffers must stay where they are, and whether its branch was
 * spilled to another container.
 *
 * A buffer handed to a worker thread is moved (transferred), not copied, unless something else may
 * still read it: the shared input of `parallel` branches, an item buffer that several `map` items
 * reach, the input a `retry` re-sends or a `catchError` handler gets. Those are kept for the whole
 * scope, so that a step that passes its input through cannot give them away either; only where a
 * step of the scope runs on a worker thread, since nothing else moves a buffer ({@link canMoveBuffers}).
 */
export interface LaneMode {
  readonly keep: ReadonlySet<ArrayBuffer>;
  /** The branch was spilled: its functions run in containers. */
  readonly spilled: boolean;
}

export const TOP: LaneMode = { keep: new Set(), spilled: false };

/** A branch's mode: `mode`'s buffers kept, spilled or not (`mode` itself when it says so already: no allocation per branch). */
export function branchMode(mode: LaneMode, spilled: boolean): LaneMode {
  return mode.spilled === spilled ? mode : { keep: mode.keep, spilled };
}

/** `mode` with the buffers reachable from `value` kept too, where `scope` can move one ({@link canMoveBuffers}). */
export function keeping(mode: LaneMode, scope: GroupPlan | LanePlan, value: unknown): LaneMode {
  if (!canMoveBuffers(scope)) return mode;
  const found = collectTransferables(value);
  if (found.length === 0) return mode;
  return { ...mode, keep: new Set([...mode.keep, ...found]) };
}

/**
 * `mode` with the buffers that more than one of `items` reaches kept too (each of the others belongs
 * to one item), where `scope` can move one.
 */
export function keepingShared(mode: LaneMode, scope: GroupPlan, items: readonly unknown[]): LaneMode {
  if (!canMoveBuffers(scope)) return mode;
  const seen = new Set<ArrayBuffer>();
  const shared: ArrayBuffer[] = [];
  for (const item of items) {
    for (const buffer of collectTransferables(item)) {
      if (seen.has(buffer)) shared.push(buffer);
      else seen.add(buffer);
    }
  }
  return shared.length === 0 ? mode : { ...mode, keep: new Set([...mode.keep, ...shared]) };
}

/**
 * `keep` plus the buffers of `input` that lie in a protected heap: those are copied, never moved, to
 * another thread (threads started before a domain have its key denied; moving the memory there
 * would fault) or process. Costs nothing while the runtime has no domain.
 */
export function keepProtected(domains: DomainManager | undefined, keep: ReadonlySet<ArrayBuffer>, input: unknown): ReadonlySet<ArrayBuffer> {
  if (!domains?.active) return keep;
  const guarded = collectTransferables(input).filter((b) => !keep.has(b) && domains.isProtected(b));
  return guarded.length === 0 ? keep : new Set([...keep, ...guarded]);
}

/** Per group or lane: whether a step in it, at any depth, runs on a worker thread. */
const moving = new WeakMap<GroupPlan | LanePlan, boolean>();

/**
 * Whether running `scope` (a group's branches, or a lane) can move a buffer away from this thread.
 * Only a worker thread takes buffers by transfer: this thread and a protection domain take them by
 * reference; a child process, the domain host and a container get copies. Where nothing can move,
 * a scope need not walk its input for buffers to keep: that walk reads the whole input once per run
 * (0.3-0.45 ms of the 1.9-2.1 ms hop from PHI's `identifyPhi` to its two child processes, for 40
 * notes that were then copied anyway). Worked out once per plan object.
 */
export function canMoveBuffers(scope: GroupPlan | LanePlan): boolean {
  let moves = moving.get(scope);
  if (moves === undefined) {
    let found = false;
    const visit = (step: StepPlan): void => {
      if (step.kind === 'task' && step.placement === 'worker-thread') found = true;
    };
    if (scope.kind === 'lane') forEachStep(scope, visit);
    else for (const branch of scope.branches) forEachStep(branch, visit);
    moves = found;
    moving.set(scope, moves);
  }
  return moves;
}
