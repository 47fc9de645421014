import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Runtime } from '@faastlane/core';
import { Fn, map, parallel, task, workflow } from '@faastlane/dsl';

/** Sequential steps receive the previous step's output by reference: no copy, whatever its size. */
const seen: unknown[] = [];

interface Blob64 { readonly bytes: Uint8Array; readonly meta: { readonly tag: string } }

@Fn() class Produce { run(size: number): Blob64 { const b = { bytes: new Uint8Array(size), meta: { tag: 'p' } }; seen.push(b); return b; } }
@Fn() class Touch { run(input: Blob64): Blob64 { seen.push(input); input.bytes[0] = 7; return input; } }
@Fn() class Inner { run(input: Uint8Array): Uint8Array { seen.push(input); return input; } }
@Fn() class Left { run(input: Blob64): Blob64 { seen.push(input); return input; } }
@Fn() class Right { run(input: Blob64): Uint8Array { seen.push(input); return input.bytes; } }

let rt: Runtime;
beforeAll(async () => { rt = await Runtime.create(); });
afterAll(() => rt.close());

describe('state passes by reference', () => {
  test('a 64 MB buffer goes through a sequence without a copy', async () => {
    seen.length = 0;
    const wf = workflow('ref-seq').pipe(task(Produce), task(Touch), task(Touch, { name: 'Touch2' }));
    const out = await rt.invoke(wf, 64 * 1024 * 1024);
    expect(seen).toHaveLength(3);
    expect(seen[1]).toBe(seen[0]);
    expect(seen[2]).toBe(seen[0]);
    expect(out).toBe(seen[0]);
    expect(out.bytes.byteLength).toBe(64 * 1024 * 1024);
    expect(out.bytes[0]).toBe(7);
  });

  test('the workflow input itself reaches the first step by reference', async () => {
    seen.length = 0;
    const input = new Uint8Array(1024);
    const out = await rt.invoke(workflow('ref-input').pipe(task(Inner)), input);
    expect(seen[0]).toBe(input);
    expect(out).toBe(input);
  });

  test('parallel branches share the same input object, map items are the array elements', async () => {
    seen.length = 0;
    const input: Blob64 = { bytes: new Uint8Array(16), meta: { tag: 'x' } };
    const [left, right] = await rt.invoke(workflow('ref-par').pipe(parallel(task(Left), task(Right))), input);
    expect(left).toBe(input);
    expect(right).toBe(input.bytes);
    expect(seen).toEqual([input, input]);
    expect(seen[0]).toBe(seen[1]);

    seen.length = 0;
    const items = [new Uint8Array(1), new Uint8Array(2)];
    const out = await rt.invoke(workflow('ref-map').pipe(map(task(Inner))), items);
    expect(out[0]).toBe(items[0]);
    expect(out[1]).toBe(items[1]);
  });
});
