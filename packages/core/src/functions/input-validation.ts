import { validate, type ValidationError } from 'class-validator';
import { InputValidationError, type InputViolation } from '../errors.js';
import type { DtoClass } from './definition.js';

/**
 * Validates a step input against its DTO class with class-validator, without copying the input.
 *
 * class-validator finds a class's rules through `value.constructor`. A plain object is therefore
 * validated through a *view*: an object whose prototype is the DTO's and whose own properties are the
 * input's property descriptors (the values are the same references, so a 64 MB array inside is not
 * copied). The function itself then receives the original input, untouched. Nested objects are
 * validated by their own class when they are instances of one (`@ValidateNested()`).
 */
export async function validateInput(stepPath: string, dto: DtoClass, input: unknown): Promise<void> {
  // Arrays and binary data are never DTOs (and a view over a 64 MB typed array would list 64M indices).
  if (typeof input !== 'object' || input === null || Array.isArray(input) || isBinary(input)) {
    throw new InputValidationError(stepPath, dto.name, [
      { property: '', constraints: { isObject: `expected an object of ${dto.name}, got ${kindOf(input)}` } },
    ]);
  }
  const target =
    input instanceof dto ? input : Object.create(dto.prototype, Object.getOwnPropertyDescriptors(input));
  const errors = await validate(target as object, { forbidUnknownValues: false, validationError: { target: false } });
  if (errors.length > 0) throw new InputValidationError(stepPath, dto.name, flatten(errors, ''));
}

function flatten(errors: readonly ValidationError[], prefix: string): InputViolation[] {
  const out: InputViolation[] = [];
  for (const e of errors) {
    const property = prefix ? `${prefix}.${e.property}` : e.property;
    if (e.constraints) out.push({ property, constraints: { ...e.constraints } });
    if (e.children?.length) out.push(...flatten(e.children, property));
  }
  return out;
}

function isBinary(value: object): boolean {
  return ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof SharedArrayBuffer;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object' && isBinary(value)) return `a ${value.constructor.name}`;
  return typeof value;
}
