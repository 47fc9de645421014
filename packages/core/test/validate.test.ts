import { describe, expect, test } from 'vitest';
import { findProblems, GRAPH_VERSION, type WorkflowGraph } from '../src/index.js';

const fn = (name: string) => ({ name, isolation: 'none' as const, cpu: undefined, timeoutMs: undefined, retries: 0, input: undefined, module: undefined });

describe('findProblems on JSON graphs', () => {
  test('a valid graph has no problems', () => {
    const graph: WorkflowGraph = {
      version: GRAPH_VERSION,
      name: 'ok',
      functions: { A: fn('A'), B: fn('B') },
      root: { kind: 'pipe', steps: [{ kind: 'task', name: 'A', fn: 'A' }, { kind: 'parallel', name: 'p', branches: [{ kind: 'task', name: 'B', fn: 'B' }] }] },
    };
    expect(findProblems(graph)).toEqual([]);
  });

  test('graphs read from JSON: wrong version, unknown kinds, missing lists, unknown functions, bad wrappers', () => {
    const graph = JSON.parse(JSON.stringify({
      version: 99,
      name: 'wf',
      functions: { A: fn('A') },
      root: {
        kind: 'pipe',
        steps: [
          { kind: 'task', name: 'A', fn: 'A' },
          { kind: 'teleport' },
          { kind: 'task', name: 'Z', fn: 'Z' },
          { kind: 'parallel', name: 'p' },
          { kind: 'timeout', ms: 0, body: { kind: 'task', name: 'A2', fn: 'A' } },
          { kind: 'retry', retries: -1, backoff: { initialMs: 5, factor: 0.5, maxMs: 1 }, body: { kind: 'task', name: 'A3', fn: 'A' } },
          { kind: 'pipe', steps: [] },
        ],
      },
    })) as WorkflowGraph;
    const messages = findProblems(graph).map((p) => `${p.path}: ${p.message}`);
    expect(messages).toEqual([
      'wf: unsupported graph version 99 (expected 1)',
      'wf: unknown operator kind "teleport"',
      'wf/Z: unknown function "Z": is its class decorated with @Fn()?',
      'wf/p: parallel() needs at least one branch',
      'wf: timeout must be a positive number of milliseconds up to 2147483647, got 0',
      'wf: retry count must be a non-negative integer, got -1',
      'wf: backoff factor must be >= 1, got 0.5',
      'wf: backoff maxMs must be >= initialMs, got 1',
      'wf: pipe() needs at least one operator',
    ]);
  });

  test('operators with missing parts are reported, not crashed on', () => {
    const graph = JSON.parse(JSON.stringify({
      version: 1,
      name: 'holes',
      functions: { A: fn('A') },
      root: {
        kind: 'pipe',
        steps: [
          { kind: 'map', name: 'm' },
          { kind: 'timeout', ms: 5 },
          { kind: 'choice', name: 'c', predicate: 'p' },
          { kind: 'task', fn: 'A' },
          { kind: 'parallel', name: 'p', branches: [null] },
        ],
      },
    })) as WorkflowGraph;
    expect(findProblems(graph).map((p) => `${p.path}: ${p.message}`)).toEqual([
      'holes/m: map() has no operator to run on each item',
      'holes: timeout() has no operator to bound',
      'holes/c: choice() has no operator to run when the predicate holds',
      'holes/undefined: invalid step name undefined: use a non-empty name without "/", "[" or "]"',
      'holes/p[0]: an operator must be an object, got null',
    ]);
    expect(findProblems({ version: 1, name: 'nofns', root: { kind: 'task', name: 'A', fn: 'A' } } as unknown as WorkflowGraph)).toEqual([
      { path: 'nofns', message: 'the graph has no function table' },
    ]);
  });

  test('names with path characters are refused', () => {
    const graph: WorkflowGraph = {
      version: GRAPH_VERSION,
      name: 'a/b',
      functions: { A: fn('A') },
      root: { kind: 'task', name: 'x[1]', fn: 'A' },
    };
    expect(findProblems(graph).map((p) => p.message)).toEqual([
      'the workflow name must be a non-empty string without "/"',
      'invalid step name "x[1]": use a non-empty name without "/", "[" or "]"',
    ]);
  });
});
