import 'reflect-metadata';
import { IsInt } from 'class-validator';
import { describe, expect, test } from 'vitest';
import { findProblems } from '@faastlane/core';
import { catchError, choice, Fn, getFunctionDefinition, map, named, parallel, pipe, retry, task, timeout, workflow } from '../src/index.js';

class In { @IsInt() n!: number }

@Fn({ name: 'double', cpu: 'bound', timeoutMs: 100, retries: 2, isolation: 'process' })
class Double { run(input: In): number { return input.n * 2; } }

class OnMethod {
  @Fn({ cpu: 'io' })
  async run(input: In): Promise<number> { return input.n; }
}

@Fn({ timeoutMs: 50 })
class Both {
  @Fn({ retries: 4 })
  run(input: In): number { return input.n; }
}

@Fn() class Plain { run(n: number): number { return n; } }

describe('@Fn', () => {
  test('records options as the graph spec', () => {
    expect(getFunctionDefinition(Double)?.spec).toEqual({ module: expect.stringMatching(/dsl\.test\.ts$/),
      name: 'double', isolation: 'process', cpu: 'bound', timeoutMs: 100, retries: 2, input: undefined,
    });
  });

  test('on run(), the input DTO comes from decorator metadata', () => {
    expect(getFunctionDefinition(OnMethod)?.inputType).toBe(In);
    expect(getFunctionDefinition(OnMethod)?.spec).toMatchObject({ name: 'OnMethod', cpu: 'io', input: 'In' });
  });

  test('on the class and on run(), options merge and the class wins', () => {
    expect(getFunctionDefinition(Both)?.spec).toMatchObject({ timeoutMs: 50, retries: 4, input: 'In' });
  });

  test('primitive parameter types are not DTOs', () => {
    class P { @Fn() run(n: number): number { return n; } }
    expect(getFunctionDefinition(P)?.inputType).toBeUndefined();
    expect(getFunctionDefinition(Plain)?.inputType).toBeUndefined();
  });
});

describe('operators build the graph', () => {
  test('a workflow graph mirrors the operators', () => {
    const wf = workflow('g').pipe(
      task(Plain),
      named('fan', parallel(task(Plain, { name: 'a' }), pipe(task(Plain, { name: 'b' }), task(Plain, { name: 'c' })))),
      map(timeout(retry(task(OnMethod), { retries: 1 }), 500), { concurrency: 4 }) as never,
    );
    expect(wf.graph.functions).toHaveProperty('Plain');
    expect(wf.graph.functions).toHaveProperty('OnMethod');
    const root = wf.graph.root;
    expect(root.kind).toBe('pipe');
    expect(root).toMatchObject({
      steps: [
        { kind: 'task', name: 'Plain', fn: 'Plain' },
        { kind: 'parallel', name: 'fan', branches: [{ kind: 'task', name: 'a' }, { kind: 'pipe', steps: [{ name: 'b' }, { name: 'c' }] }] },
        { kind: 'map', name: 'map', concurrency: 4, body: { kind: 'timeout', ms: 500, body: { kind: 'retry', retries: 1, body: { kind: 'task', fn: 'OnMethod' } } } },
      ],
    });
    expect(findProblems(wf.graph, wf)).toEqual([]);
  });

  test('choice and catchError keep their callbacks by id', () => {
    const wf = workflow('cb').pipe(catchError(choice((n: number) => n > 0, task(Plain)), () => 0));
    const node = wf.graph.root;
    expect(node.kind).toBe('pipe');
    const ids = [...wf.callbacks.keys()];
    expect(ids).toHaveLength(2);
    expect(wf.callbacks.get(ids[0] ?? '')?.kind).toBe('predicate');
    expect(JSON.stringify(wf.graph)).toContain(ids[0]);
  });

  test('two classes under one function name are a composition problem', () => {
    @Fn({ name: 'same' }) class A { run(n: number): number { return n; } }
    @Fn({ name: 'same' }) class B { run(n: number): number { return n; } }
    const wf = workflow('clash').pipe(task(A), task(B, { name: 'other' }));
    expect(findProblems(wf.graph, wf).map((p) => p.message)).toEqual([
      'two different classes (A, B) are declared as function "same": give one another name with @Fn({ name })',
    ]);
  });

  test('an undecorated class named like a decorated function is a problem, not a call of the other class', () => {
    @Fn({ name: 'Resize' }) class Decorated { run(n: number): number { return n; } }
    class Resize { run(n: number): number { return -n; } }
    const wf = workflow('shadow').pipe(task(Decorated), task(Resize, { name: 'again' }));
    expect(findProblems(wf.graph, wf).map((p) => p.message)).toEqual([
      'class Resize given to task() is not decorated with @Fn(), and another class is declared as function "Resize": decorate it (with another name)',
    ]);
    // Once, however deep the two meet.
    const nested = workflow('shadow-nested').pipe(pipe(parallel(task(Decorated), task(Resize, { name: 'again' }))));
    expect(findProblems(nested.graph, nested).map((p) => p.message)).toHaveLength(1);
    // Alone, it is an unknown function, reported once, by the validator.
    const alone = workflow('alone').pipe(task(Resize));
    expect(findProblems(alone.graph, alone).map((p) => p.message)).toEqual(['unknown function "Resize": is its class decorated with @Fn()?']);
  });

  test('named() refuses operators without a name', () => {
    expect(() => named('x', pipe(task(Plain)))).toThrow(/needs a task, parallel, map or choice/);
  });
});
