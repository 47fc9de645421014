import 'reflect-metadata';
import { IsInt, Max, ValidateNested } from 'class-validator';
import { describe, expect, test } from 'vitest';
import { InputValidationError, validateInput } from '../src/index.js';

class Inner { @IsInt() n!: number }
class Dto {
  @IsInt() @Max(10) count!: number;
  @ValidateNested() inner!: Inner;
  data!: Float64Array;
}

describe('validateInput', () => {
  test('validates a plain object through a view, never copying or changing it', async () => {
    const data = new Float64Array(1 << 20);
    const input = { count: 3, inner: Object.assign(new Inner(), { n: 1 }), data };
    const inner = input.inner;
    await validateInput('wf/Step', Dto, input);
    expect(Object.getPrototypeOf(input)).toBe(Object.prototype);
    expect(Object.keys(input)).toEqual(['count', 'inner', 'data']);
    expect(input.inner).toBe(inner);
    expect(input.data).toBe(data);
  });

  test('reports every violation with its dotted property path', async () => {
    const input = { count: 11, inner: Object.assign(new Inner(), { n: 1.5 }), data: new Float64Array(1) };
    const error = await validateInput('wf/Step', Dto, input).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputValidationError);
    const e = error as InputValidationError;
    expect(e.stepPath).toBe('wf/Step');
    expect(e.violations).toEqual([
      { property: 'count', constraints: { max: 'count must not be greater than 10' } },
      { property: 'inner.n', constraints: { isInt: 'n must be an integer number' } },
    ]);
    expect(e.message).toContain('Input of step wf/Step is not a valid Dto');
  });

  test('binary data, arrays and primitives are not DTOs', async () => {
    for (const bad of [new Uint8Array(8), [1], 'x', null]) {
      await expect(validateInput('wf/S', Dto, bad)).rejects.toBeInstanceOf(InputValidationError);
    }
  });
});
