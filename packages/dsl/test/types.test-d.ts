/**
 * Type tests: types flow through every operator, and composing a step whose input does not accept the
 * previous step's output does not compile. Each `@ts-expect-error` fails the type check if the line
 * under it compiles, so these prove both directions.
 */
import { describe, expectTypeOf, test } from 'vitest';
import type { FnContext, Workflow } from '@faastlane/core';
import { catchError, choice, Fn, map, named, parallel, pipe, retry, task, timeout, workflow, type Operator } from '../src/index.js';

interface Image { readonly pixels: Uint8Array; readonly width: number }
interface Tensor { readonly data: Float64Array }
interface Label { readonly label: string; readonly score: number }

@Fn() class Decode { run(input: { url: string }): Image { return { pixels: new Uint8Array(input.url.length), width: 1 }; } }
@Fn() class Resize { async run(input: Image, _ctx: FnContext): Promise<Tensor> { return { data: new Float64Array(input.width) }; } }
@Fn() class Predict { run(input: Tensor): Label { return { label: 'cat', score: input.data.length }; } }
@Fn() class Render { run(input: Tensor): string { return String(input.data.length); } }
@Fn() class Combine { run(input: readonly [Label, string]): { label: string; art: string } { return { label: input[0].label, art: input[1] }; } }
@Fn() class Count { run(input: string): number { return input.length; } }
@Fn() class Anything { run(): string { return 'x'; } }

describe('types flow through operators', () => {
  test('task takes run()\'s input and awaited output', () => {
    expectTypeOf(task(Resize)).toEqualTypeOf<Operator<Image, Tensor>>();
  });

  test('pipe chains and parallel makes a tuple', () => {
    const wf = workflow('ml').pipe(task(Decode), task(Resize), parallel(task(Predict), task(Render)), task(Combine));
    expectTypeOf(wf).toEqualTypeOf<Workflow<{ url: string }, { label: string; art: string }>>();
    const branches = parallel(task(Predict), task(Render));
    expectTypeOf(branches).toEqualTypeOf<Operator<Tensor, readonly [Label, string]>>();
  });

  test('map maps arrays, choice unions its arms, wrappers keep types', () => {
    expectTypeOf(map(task(Count))).toEqualTypeOf<Operator<readonly string[], number[]>>();
    expectTypeOf(choice((s: string) => s.length > 1, task(Count))).toEqualTypeOf<Operator<string, number | string>>();
    expectTypeOf(choice((s: string) => s.length > 1, task(Count), task(Anything))).toEqualTypeOf<Operator<string, number | string>>();
    expectTypeOf(retry(task(Count), { retries: 2 })).toEqualTypeOf<Operator<string, number>>();
    expectTypeOf(timeout(task(Count), 10)).toEqualTypeOf<Operator<string, number>>();
    expectTypeOf(catchError(task(Count), () => -1 as const)).toEqualTypeOf<Operator<string, number>>();
    expectTypeOf(catchError(task(Count), () => null)).toEqualTypeOf<Operator<string, number | null>>();
    expectTypeOf(named('n', task(Count))).toEqualTypeOf<Operator<string, number>>();
  });

  test('a pipe is itself an operator, usable in parallel and map', () => {
    const inner = pipe(task(Resize), task(Predict));
    expectTypeOf(inner).toEqualTypeOf<Operator<Image, Label>>();
    const wf = workflow('nested').pipe(map(pipe(task(Decode), inner)));
    expectTypeOf(wf).toEqualTypeOf<Workflow<readonly { url: string }[], Label[]>>();
  });

  test('a function without an input parameter accepts anything', () => {
    const wf = workflow('any').pipe(task(Predict), task(Anything), task(Count));
    expectTypeOf(wf).toEqualTypeOf<Workflow<Tensor, number>>();
  });
});

describe('mismatches do not compile', () => {
  test('pipe', () => {
    // @ts-expect-error Predict takes a Tensor, Decode returns an Image
    workflow('bad').pipe(task(Decode), task(Predict));
    // @ts-expect-error Count takes a string, Predict returns a Label
    pipe(task(Predict), task(Count));
  });

  test('parallel branches must accept the group input', () => {
    // @ts-expect-error Count takes a string, Resize returns a Tensor
    workflow('bad').pipe(task(Resize), parallel(task(Predict), task(Count)));
  });

  test('the step after parallel gets the tuple', () => {
    // @ts-expect-error Predict takes a Tensor, the group returns [Label, string]
    workflow('bad').pipe(task(Resize), parallel(task(Predict), task(Render)), task(Predict));
  });

  test('map needs an array and yields an array', () => {
    // @ts-expect-error map(Count) takes string[], Resize returns a Tensor
    workflow('bad').pipe(task(Resize), map(task(Count)));
    // @ts-expect-error Count takes a string, map returns number[]
    pipe(map(task(Count)), task(Count));
  });

  test('choice arms and wrappers', () => {
    // @ts-expect-error the predicate takes a string, Resize returns a Tensor
    pipe(task(Resize), choice((s: string) => s === 'a', task(Count)));
    // @ts-expect-error Count takes a string, the retried Predict returns a Label
    pipe(retry(task(Predict)), task(Count));
  });

  test('invoke checks the workflow input', () => {
    const wf = workflow('ok').pipe(task(Count));
    const invoke = <In, Out>(_wf: Workflow<In, Out>, _input: In): Out => undefined as Out;
    expectTypeOf(invoke(wf, 'text')).toEqualTypeOf<number>();
    // @ts-expect-error the workflow takes a string
    invoke(wf, 42);
  });

  test('@Fn needs a run method', () => {
    // @ts-expect-error no run()
    @Fn() class NoRun { go(): void {} }
    void NoRun;
  });
});
