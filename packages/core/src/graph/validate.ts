import { WorkflowValidationError, type ValidationProblem } from '../errors.js';
import type { Workflow } from '../workflow.js';
import { GRAPH_VERSION, type BackoffSpec, type FnSpec, type GraphNode, type WorkflowGraph } from './ir.js';
import { walkGraph } from './paths.js';

const ISOLATIONS = new Set(['none', 'domain', 'process']);
const CPU_HINTS = new Set(['bound', 'io']);
const NODE_KINDS = new Set(['task', 'pipe', 'parallel', 'map', 'choice', 'retry', 'timeout', 'catch']);

/**
 * Checks a workflow and returns every problem found (empty when it is valid).
 *
 * Works on a bare JSON graph too (then the live parts, function classes and callbacks, are not
 * checked). Problems that only show at run time (a `map` over a non-array) are raised by the runtime.
 */
export function findProblems(graph: WorkflowGraph, live?: Pick<Workflow<unknown, unknown>, 'functions' | 'callbacks' | 'compositionProblems'>): ValidationProblem[] {
  const problems: ValidationProblem[] = [...(live?.compositionProblems ?? [])];
  const name = typeof graph.name === 'string' && graph.name.length > 0 ? graph.name : '(unnamed workflow)';
  const report = (path: string, message: string): void => {
    problems.push({ path, message });
  };

  if (graph.version !== GRAPH_VERSION) report(name, `unsupported graph version ${String(graph.version)} (expected ${GRAPH_VERSION})`);
  if (!checkName(graph.name)) report(name, 'the workflow name must be a non-empty string without "/"');
  if (typeof graph.functions !== 'object' || graph.functions === null) {
    report(name, 'the graph has no function table');
    return problems;
  }
  if (!graph.root || typeof graph.root !== 'object' || !NODE_KINDS.has(graph.root.kind)) {
    report(name, 'the workflow has no valid root operator');
    return problems;
  }

  const seenPaths = new Set<string>();
  const checkedFunctions = new Set<string>();
  walkGraph(graph.root, name, (node, path) => {
    if (typeof node !== 'object' || node === null) {
      report(path, `an operator must be an object, got ${node === null ? 'null' : typeof node}`);
      return;
    }
    if (!NODE_KINDS.has(node.kind)) {
      report(path, `unknown operator kind "${String((node as { kind: unknown }).kind)}"`);
      return;
    }
    if (node.kind === 'task' || node.kind === 'parallel' || node.kind === 'map' || node.kind === 'choice') {
      if (!checkName(node.name)) report(path, `invalid step name ${JSON.stringify(node.name)}: use a non-empty name without "/", "[" or "]"`);
      else if (seenPaths.has(path)) report(path, `duplicate step name "${node.name}": step names must be unique in their scope`);
      seenPaths.add(path);
    }
    checkNode(node, path, graph, live, checkedFunctions, report);
  });
  return problems;
}

/** Throws a `WorkflowValidationError` listing every problem of the workflow, if it has any. */
export function validateWorkflow(workflow: Workflow<unknown, unknown>): void {
  const problems = findProblems(workflow.graph, workflow);
  if (problems.length > 0) throw new WorkflowValidationError(problems);
}

function checkNode(
  node: GraphNode,
  path: string,
  graph: WorkflowGraph,
  live: Pick<Workflow<unknown, unknown>, 'functions' | 'callbacks'> | undefined,
  checkedFunctions: Set<string>,
  report: (path: string, message: string) => void,
): void {
  switch (node.kind) {
    case 'task': {
      const spec = graph.functions[node.fn];
      if (!spec || (live && !live.functions.has(node.fn))) {
        report(path, `unknown function "${node.fn}": is its class decorated with @Fn()?`);
      } else if (!checkedFunctions.has(node.fn)) {
        checkedFunctions.add(node.fn);
        checkFnSpec(spec, path, report);
      }
      return;
    }
    case 'pipe':
      if (!Array.isArray(node.steps) || node.steps.length === 0) report(path, 'pipe() needs at least one operator');
      return;
    case 'parallel':
      if (!Array.isArray(node.branches) || node.branches.length === 0) report(path, 'parallel() needs at least one branch');
      return;
    case 'map':
      if (!isNode(node.body)) report(path, 'map() has no operator to run on each item');
      if (node.concurrency !== undefined && !isPositiveInteger(node.concurrency)) {
        report(path, `map concurrency must be a positive integer, got ${String(node.concurrency)}`);
      }
      return;
    case 'choice':
      if (!isNode(node.then)) report(path, 'choice() has no operator to run when the predicate holds');
      if (live && live.callbacks.get(node.predicate)?.kind !== 'predicate') report(path, `choice predicate "${node.predicate}" is missing`);
      return;
    case 'retry':
      if (!isNode(node.body)) report(path, 'retry() has no operator to retry');
      if (!isNonNegativeInteger(node.retries)) report(path, `retry count must be a non-negative integer, got ${String(node.retries)}`);
      if (node.backoff) checkBackoff(node.backoff, path, report);
      return;
    case 'timeout':
      if (!isNode(node.body)) report(path, 'timeout() has no operator to bound');
      if (!isTimerMs(node.ms)) report(path, `timeout must be a positive number of milliseconds up to ${MAX_TIMER_MS}, got ${String(node.ms)}`);
      return;
    case 'catch':
      if (!isNode(node.body)) report(path, 'catchError() has no operator to guard');
      if (live && live.callbacks.get(node.handler)?.kind !== 'handler') report(path, `catchError handler "${node.handler}" is missing`);
      return;
  }
}

function checkFnSpec(spec: FnSpec, path: string, report: (path: string, message: string) => void): void {
  const fn = `@Fn option of ${spec.name}:`;
  if (!ISOLATIONS.has(spec.isolation)) report(path, `${fn} isolation must be 'none', 'domain' or 'process', got ${JSON.stringify(spec.isolation)}`);
  if (spec.cpu !== undefined && !CPU_HINTS.has(spec.cpu)) report(path, `${fn} cpu must be 'bound' or 'io', got ${JSON.stringify(spec.cpu)}`);
  if (spec.timeoutMs !== undefined && !isTimerMs(spec.timeoutMs)) {
    report(path, `${fn} timeoutMs must be a positive number up to ${MAX_TIMER_MS}, got ${String(spec.timeoutMs)}`);
  }
  if (!isNonNegativeInteger(spec.retries)) report(path, `${fn} retries must be a non-negative integer, got ${String(spec.retries)}`);
  if (!checkName(spec.name)) report(path, `${fn} name must be a non-empty string without "/", "[" or "]"`);
  if (spec.module !== undefined && !isAbsoluteUrl(spec.module)) report(path, `${fn} module must be an absolute URL (import.meta.url), got ${JSON.stringify(spec.module)}`);
}

function isAbsoluteUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

function checkBackoff(b: BackoffSpec, path: string, report: (path: string, message: string) => void): void {
  if (!(b.initialMs >= 0) || !Number.isFinite(b.initialMs)) report(path, `backoff initialMs must be >= 0, got ${String(b.initialMs)}`);
  if (!(b.factor >= 1) || !Number.isFinite(b.factor)) report(path, `backoff factor must be >= 1, got ${String(b.factor)}`);
  if (!(b.maxMs >= b.initialMs)) report(path, `backoff maxMs must be >= initialMs, got ${String(b.maxMs)}`);
  else if (!(b.maxMs <= MAX_TIMER_MS)) report(path, `backoff maxMs must be at most ${MAX_TIMER_MS}, got ${String(b.maxMs)}`);
}

function isNode(value: unknown): boolean {
  return typeof value === 'object' && value !== null;
}

function checkName(name: unknown): boolean {
  return typeof name === 'string' && name.length > 0 && !/[/[\]]/.test(name);
}
const isPositiveInteger = (n: unknown): boolean => Number.isInteger(n) && (n as number) > 0;
const isNonNegativeInteger = (n: unknown): boolean => Number.isInteger(n) && (n as number) >= 0;
const isPositiveFinite = (n: unknown): boolean => typeof n === 'number' && Number.isFinite(n) && n > 0;
/**
 * The longest delay a Node timer keeps (2^31 - 1 ms, about 24.8 days): a longer one fires after 1 ms,
 * so a timeout past it would end its step at once.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;
const isTimerMs = (n: unknown): boolean => isPositiveFinite(n) && (n as number) <= MAX_TIMER_MS;
