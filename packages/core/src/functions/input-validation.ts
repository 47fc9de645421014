import { getMetadataStorage, validate, validateSync, type ValidationError } from 'class-validator';
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
  await checkInput(stepPath, dto, input);
}

/**
 * `validateInput`, synchronously where the DTO's rules allow: returns (or throws) at once when every
 * rule is synchronous, else a promise. The executor checks every validated step's input between one
 * function and the next, where a promise costs a microtask turn or two.
 */
export function checkInput(stepPath: string, dto: DtoClass, input: unknown): void | Promise<void> {
  // Arrays and binary data are never DTOs (and a view over a 64 MB typed array would list 64M indices).
  if (typeof input !== 'object' || input === null || Array.isArray(input) || isBinary(input)) {
    throw new InputValidationError(stepPath, dto.name, [
      { property: '', constraints: { isObject: `expected an object of ${dto.name}, got ${kindOf(input)}` } },
    ]);
  }
  const target =
    input instanceof dto ? input : Object.create(dto.prototype, Object.getOwnPropertyDescriptors(input));
  const options = { forbidUnknownValues: false, validationError: { target: false } };
  if (synchronousRules(dto)) return reject(stepPath, dto, validateSync(target as object, options));
  return validate(target as object, options).then((errors) => reject(stepPath, dto, errors));
}

function reject(stepPath: string, dto: DtoClass, errors: readonly ValidationError[]): void {
  if (errors.length > 0) throw new InputValidationError(stepPath, dto.name, flatten(errors, ''));
}

const synchronous = new WeakMap<DtoClass, boolean>();

/**
 * Whether `validateSync` checks all that `validate` would for `dto`: none of its rules is an async
 * custom constraint or a promise's, and none validates a nested object (whose class, known only from
 * the value, might have async rules). Decided once per class: its decorators ran when it was defined.
 */
function synchronousRules(dto: DtoClass): boolean {
  let sync = synchronous.get(dto);
  if (sync === undefined) {
    const storage = getMetadataStorage();
    sync = storage.getTargetValidationMetadatas(dto, '', true, false).every((m) => {
      if (m.type === 'nestedValidation' || m.type === 'promiseValidation') return false;
      return m.type !== 'customValidation' || !storage.getTargetValidatorConstraints(m.constraintCls).some((c) => c.async);
    });
    synchronous.set(dto, sync);
  }
  return sync;
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
