import { getMetadataStorage, validate, validateSync, type ValidationError } from 'class-validator';
import { InputValidationError, type InputViolation } from '../errors.js';
import type { DtoClass } from './definition.js';

/**
 * Validates a step input against its DTO class with class-validator, without copying the input.
 *
 * class-validator finds a class's rules through `value.constructor`. An input that is not an instance
 * of the DTO (plain data, or an object of another class) is therefore validated through a *view*: a
 * proxy that answers `constructor` with the DTO and reads every property from the input itself (so a
 * 64 MB array inside is not copied, a getter of the input's own class works, and an input's own
 * `constructor` key cannot point the rules elsewhere). The function then receives the original input,
 * untouched. A nested object under `@ValidateNested()` is viewed as the class its property is declared
 * with (its `design:type`), unless it is an instance of a class already; items of a nested array are
 * checked by their own class, so they must be instances of it (the element type is not recorded).
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
  const target = viewAs(dto, input);
  const options = { forbidUnknownValues: false, validationError: { target: false } };
  if (rulesOf(dto).synchronous) return reject(stepPath, dto, validateSync(target as object, options));
  return validate(target as object, options).then((errors) => reject(stepPath, dto, errors));
}

/** `input` as class-validator should see it to check it against `dto` (see `validateInput`). */
function viewAs(dto: DtoClass, input: object): object {
  if (input instanceof dto) return input;
  const { nested } = rulesOf(dto);
  // A proxy must answer a frozen own property truly: an input with such a property where the view
  // answers otherwise (its `constructor`, a nested object viewed as its class) is viewed through a copy.
  const frozen = (key: string): boolean => {
    const own = Object.getOwnPropertyDescriptor(input, key);
    return own !== undefined && !own.configurable && own.writable !== true;
  };
  const target = frozen('constructor') || [...nested.keys()].some(frozen) ? looseCopy(input) : input;
  const view: object = new Proxy(target, {
    get(object, key) {
      if (key === 'constructor') return dto;
      // What the input lacks, the DTO's class may define (a method a @ValidateIf calls, a decorated
      // getter): read there, with the view as `this`, as on an instance of it.
      const value: unknown = key in object ? Reflect.get(object, key, object) : Reflect.get(dto.prototype as object, key, view);
      const declared = typeof key === 'string' ? nested.get(key) : undefined;
      return declared && isPlainObject(value) ? viewAs(declared, value) : value;
    },
  });
  return view;
}

/** A shallow copy of `input` whose own properties (but `constructor`) are plain, configurable values. */
function looseCopy(input: object): object {
  const copy = Object.create(Object.getPrototypeOf(input) as object | null) as object;
  for (const key of Reflect.ownKeys(input)) {
    if (key === 'constructor') continue;
    const { enumerable } = Object.getOwnPropertyDescriptor(input, key) as PropertyDescriptor;
    Object.defineProperty(copy, key, { value: Reflect.get(input, key, input) as unknown, enumerable, writable: true, configurable: true });
  }
  return copy;
}

/** Declared types that are not DTO classes: their values are checked by what they are. */
const NOT_DTOS = new Set<unknown>([Object, Array, Map, Set, Promise, String, Number, Boolean, Date]);

function isPlainObject(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function reject(stepPath: string, dto: DtoClass, errors: readonly ValidationError[]): void {
  if (errors.length > 0) throw new InputValidationError(stepPath, dto.name, flatten(errors, ''));
}

/** What checking an input against a DTO class needs to know of its rules, read once per class (its decorators ran when it was defined). */
interface Rules {
  /**
   * Whether `validateSync` checks all that `validate` would: none of its rules is an async custom
   * constraint or a promise's, and none validates a nested object (whose class, known only from the
   * value, might have async rules).
   */
  readonly synchronous: boolean;
  /** The properties under `@ValidateNested()` declared as a class (not an array, a map...), by name. */
  readonly nested: ReadonlyMap<string, DtoClass>;
}

const rulesByDto = new WeakMap<DtoClass, Rules>();

function rulesOf(dto: DtoClass): Rules {
  let rules = rulesByDto.get(dto);
  if (!rules) {
    const storage = getMetadataStorage();
    const reflect = Reflect as unknown as { getMetadata?: (key: string, target: object, property: string) => unknown };
    let synchronous = true;
    const nested = new Map<string, DtoClass>();
    for (const m of storage.getTargetValidationMetadatas(dto, '', true, false)) {
      if (m.type === 'nestedValidation') {
        synchronous = false;
        const type = reflect.getMetadata?.('design:type', dto.prototype as object, m.propertyName);
        if (typeof type === 'function' && !NOT_DTOS.has(type)) nested.set(m.propertyName, type as DtoClass);
      } else if (m.type === 'promiseValidation' || (m.type === 'customValidation' && storage.getTargetValidatorConstraints(m.constraintCls).some((c) => c.async))) {
        synchronous = false;
      }
    }
    rules = { synchronous, nested };
    rulesByDto.set(dto, rules);
  }
  return rules;
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
