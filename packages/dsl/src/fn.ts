import 'reflect-metadata';
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { defineFunction, definitionOf, type DtoClass, type FnClass, type FnDefinition, type FnOptions } from '@faastlane/core';

const methodOptions = new WeakMap<FnClass, { options: FnOptions; paramType: DtoClass | undefined }>();

/** The decorator `@Fn(...)` returns: usable on a function class, or on its `run` method. */
export interface FnDecorator {
  <C extends FnClass>(target: C): void;
  (target: object, propertyKey: 'run', descriptor: PropertyDescriptor): void;
}

/**
 * Declares a class as a workflow function. The class has a `run(input, ctx)` method and a
 * constructor without arguments; the runtime keeps one instance of it per runtime (like a warm container).
 *
 * Put it on the class, or on the `run` method. On the method, the input DTO defaults to `run`'s
 * parameter type (TypeScript emits parameter types only for decorated methods, so on the class
 * the DTO comes from `options.input`, or from `run` if it carries another decorator). Inputs are
 * validated with class-validator before `run` is called.
 *
 * The module that declares the class is found out from the call stack, so that worker threads,
 * child processes and containers can load the function with no glue code.
 *
 * ```ts
 * @Fn({ timeoutMs: 5_000, retries: 2, input: ResizeIn })
 * export class Resize { async run(input: ResizeIn, ctx: FnContext) { ... } }
 * ```
 */
export function Fn(options: FnOptions = {}): FnDecorator {
  const module = callerModule();
  return ((target: FnClass | object, propertyKey?: string | symbol) => {
    if (propertyKey === undefined) {
      const cls = target as FnClass;
      const fromMethod = methodOptions.get(cls);
      const merged: FnOptions = { ...fromMethod?.options, ...options };
      const paramType = fromMethod?.paramType ?? paramTypeOfRun(cls.prototype);
      defineFunction(cls, merged, merged.input ?? paramType, module);
      return;
    }
    // On `run`: runs before any class decorator, so keep it for a class `@Fn` to merge.
    const cls = (target as { constructor: FnClass }).constructor;
    const paramType = paramTypeOfRun(target);
    methodOptions.set(cls, { options, paramType });
    defineFunction(cls, options, options.input ?? paramType, module);
  }) as FnDecorator;
}

/** The definition `@Fn` recorded for a class, or undefined when the class is not decorated. */
export function getFunctionDefinition(cls: FnClass): FnDefinition | undefined {
  return definitionOf(cls);
}

/** URL of the module whose code called `Fn(...)`: the module that declares the function. */
function callerModule(): string | undefined {
  const original = Error.prepareStackTrace;
  try {
    Error.prepareStackTrace = (_error, frames) => frames;
    const holder: { stack?: unknown } = {};
    Error.captureStackTrace(holder, Fn);
    const frames = holder.stack as NodeJS.CallSite[] | undefined;
    const file = frames?.[0]?.getFileName();
    if (!file) return undefined;
    // ESM frames are file: URLs; CommonJS ones are paths (`C:\\app\\fns.js` on Windows, `\\\\server\\share\\...`).
    return file.startsWith('file:') ? file : isAbsolute(file) ? pathToFileURL(file).href : undefined;
  } catch {
    return undefined;
  } finally {
    Error.prepareStackTrace = original;
  }
}

/** The first parameter type of `run` from decorator metadata, if it is a user class (a DTO). */
function paramTypeOfRun(prototype: object): DtoClass | undefined {
  const types = Reflect.getMetadata('design:paramtypes', prototype, 'run') as unknown[] | undefined;
  const first = types?.[0];
  return typeof first === 'function' && !isBuiltin(first) ? (first as DtoClass) : undefined;
}

const BUILTINS = new Set<unknown>([
  Object, Function, Array, String, Number, Boolean, Symbol, BigInt, Promise, Map, Set, WeakMap, WeakSet, Date, RegExp, Error,
  ArrayBuffer, SharedArrayBuffer, DataView, Uint8Array, Uint8ClampedArray, Int8Array, Uint16Array, Int16Array,
  Uint32Array, Int32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array, Buffer,
]);

function isBuiltin(ctor: unknown): boolean {
  return BUILTINS.has(ctor);
}
