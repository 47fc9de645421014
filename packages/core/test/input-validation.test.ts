import 'reflect-metadata';
import { IsInt, Max, Min, Validate, ValidateIf, ValidateNested, ValidatorConstraint, type ValidatorConstraintInterface } from 'class-validator';
import { describe, expect, test } from 'vitest';
import { InputValidationError, validateInput } from '../src/index.js';
import { checkInput } from '../src/functions/input-validation.js';

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

  test('an input of its own with a `constructor` key cannot point the rules elsewhere', async () => {
    for (const constructor of [{}, null, Inner]) {
      const input: object = JSON.parse('{"count": "abc", "inner": {"n": 1}}') as object;
      Object.defineProperty(input, 'constructor', { value: constructor, enumerable: true, writable: true, configurable: true });
      const error = await validateInput('wf/S', Dto, input).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InputValidationError);
      expect((error as InputValidationError).violations.map((v) => v.property)).toContain('count');
    }
    // Frozen with it (a proxy must answer a frozen property truly): still checked as a Dto.
    const frozen = Object.freeze({ constructor: {}, count: 99, inner: { n: 1 } });
    await expect(validateInput('wf/S', Dto, frozen)).rejects.toMatchObject({ violations: [expect.objectContaining({ property: 'count' })] });
  });

  test('a nested plain object is checked as the class its property declares', async () => {
    const error = await validateInput('wf/S', Dto, { count: 1, inner: { n: 'one' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputValidationError);
    expect((error as InputValidationError).violations).toEqual([{ property: 'inner.n', constraints: { isInt: 'n must be an integer number' } }]);
    await expect(validateInput('wf/S', Dto, { count: 1, inner: { n: 2 } })).resolves.toBeUndefined();
  });

  test('an input of another class is read through its own getters', async () => {
    class Order {
      #count = 4;
      get count(): number { return this.#count; }
      inner = Object.assign(new Inner(), { n: 1 });
    }
    await expect(validateInput('wf/S', Dto, new Order())).resolves.toBeUndefined();
  });

  test("plain data is checked with the DTO's own methods and decorated getters, as an instance would be", async () => {
    class Span {
      @IsInt() start!: number;
      @IsInt() end!: number;
      @ValidateIf((o: Span) => o.isOpen()) @IsInt() @Max(0) openEnd?: number;
      isOpen(): boolean { return this.end < 0; }
      @Min(0) get length(): number { return this.end - this.start; }
    }
    await expect(validateInput('wf/S', Span, { start: 1, end: 5 })).resolves.toBeUndefined();
    await expect(validateInput('wf/S', Span, { start: 5, end: 1 })).rejects.toMatchObject({ violations: [expect.objectContaining({ property: 'length' })] });
    await expect(validateInput('wf/S', Span, { start: 1, end: -1, openEnd: 3 })).rejects.toMatchObject({
      violations: expect.arrayContaining([expect.objectContaining({ property: 'openEnd' })]),
    });
  });

  test('binary data, arrays and primitives are not DTOs', async () => {
    for (const bad of [new Uint8Array(8), [1], 'x', null]) {
      await expect(validateInput('wf/S', Dto, bad)).rejects.toBeInstanceOf(InputValidationError);
    }
  });
});

class Flat { @IsInt() @Max(10) count!: number }
@ValidatorConstraint({ name: 'slowlyEven', async: true })
class SlowlyEven implements ValidatorConstraintInterface {
  async validate(n: unknown): Promise<boolean> {
    await new Promise((r) => setTimeout(r, 1));
    return typeof n === 'number' && n % 2 === 0;
  }
}
class Remote { @Validate(SlowlyEven) n!: number }

describe('checkInput (what the executor calls)', () => {
  test('is synchronous when every rule is: it returns nothing, or throws the violations at once', () => {
    expect(checkInput('wf/S', Flat, { count: 3 })).toBeUndefined();
    expect(() => checkInput('wf/S', Flat, { count: 11 })).toThrow(InputValidationError);
  });

  test('returns a promise where a rule may be asynchronous (an async constraint, a nested object)', async () => {
    const remote = checkInput('wf/S', Remote, { n: 3 });
    expect(remote).toBeInstanceOf(Promise);
    await expect(remote).rejects.toMatchObject({ violations: [{ property: 'n', constraints: { slowlyEven: expect.any(String) } }] });
    await expect(checkInput('wf/S', Remote, { n: 4 })).resolves.toBeUndefined();
    const nested = checkInput('wf/S', Dto, { count: 1, inner: Object.assign(new Inner(), { n: 1 }), data: new Float64Array(1) });
    expect(nested).toBeInstanceOf(Promise);
    await expect(nested).resolves.toBeUndefined();
  });
});
