/**
 * Tagged JSON: JSON that keeps what plain `JSON.stringify` loses, above all binary data, because
 * JSON over HTTP is how today's FaaS platforms ship state between functions, and the baseline mode
 * must pay that price (base64 and all) rather than a cheaper one.
 *
 * A value JSON cannot hold is written as an object with one reserved `$` key (CONTAINER-PROTOCOL.md
 * has the table):
 *
 * | value | JSON |
 * |---|---|
 * | `Uint8Array`, `Float64Array`, ... `DataView`, `Buffer` | `{"$bin":"Float64Array","base64":"..."}` (the view's own bytes, little-endian as on every platform Node runs on) |
 * | `ArrayBuffer`, `SharedArrayBuffer` | `{"$bin":"ArrayBuffer","base64":"..."}` |
 * | `Date` | `{"$date":"2024-01-01T00:00:00.000Z"}` (`null` for an invalid date) |
 * | `bigint` | `{"$bigint":"123"}` |
 * | `NaN`, `Infinity`, `-Infinity`, `-0` | `{"$num":"NaN"}` |
 * | `undefined` | `{"$undefined":true}` |
 * | `Map` | `{"$map":[[key, value], ...]}` |
 * | `Set` | `{"$set":[value, ...]}` |
 *
 * So that no user object is mistaken for a tag, every key of a user object that starts with `$`
 * gets one more `$` (`$bin` is sent as `$$bin`) and loses it again on the way in. Cycles are not
 * supported (JSON has no references); class instances arrive as plain objects, as with structured
 * clone.
 */

const BINARY_TYPES = {
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
} as const;

type TypedArrayName = keyof typeof BINARY_TYPES;
/** Every name a `$bin` tag may carry. */
export type BinaryTypeName = TypedArrayName | 'DataView' | 'Buffer' | 'ArrayBuffer' | 'SharedArrayBuffer';

/** Encodes a value as tagged JSON text. */
export function stringifyTagged(value: unknown): string {
  // The replacer sees values after `toJSON` (a Date as its string, a Buffer as `{type, data}`), so
  // it reads the raw value from the holder too; other objects keep their `toJSON`.
  return JSON.stringify(value, function replacer(this: Record<string, unknown>, key: string, value: unknown) {
    return encodeValue(this[key], value);
  });
}

/** Decodes tagged JSON text (plain JSON decodes as itself, but for keys starting with `$$`). */
export function parseTagged(text: string): unknown {
  return decodeValue(JSON.parse(text) as unknown);
}

function encodeValue(raw: unknown, json: unknown): unknown {
  switch (typeof raw) {
    case 'number':
      return Number.isFinite(raw) && !Object.is(raw, -0) ? raw : { $num: Object.is(raw, -0) ? '-0' : String(raw) };
    case 'bigint':
      return { $bigint: raw.toString() };
    case 'undefined':
      return { $undefined: true };
    case 'object':
      return raw === null || Array.isArray(raw) ? raw : encodeObject(raw, json);
    default:
      return json;
  }
}

function encodeObject(raw: object, json: unknown): unknown {
  if (ArrayBuffer.isView(raw)) {
    const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    return { $bin: binaryName(raw), base64: bytes.toString('base64') };
  }
  if (raw instanceof ArrayBuffer || raw instanceof SharedArrayBuffer) {
    return { $bin: raw instanceof ArrayBuffer ? 'ArrayBuffer' : 'SharedArrayBuffer', base64: Buffer.from(raw).toString('base64') };
  }
  if (raw instanceof Date) return { $date: Number.isNaN(raw.getTime()) ? null : raw.toISOString() };
  if (raw instanceof Map) return { $map: [...raw] };
  if (raw instanceof Set) return { $set: [...raw] };
  return typeof json === 'object' && json !== null && !Array.isArray(json) ? escapeKeys(json) : json;
}

function binaryName(view: ArrayBufferView): BinaryTypeName {
  if (Buffer.isBuffer(view)) return 'Buffer';
  if (view instanceof DataView) return 'DataView';
  const name = (view as { [Symbol.toStringTag]?: string })[Symbol.toStringTag];
  if (name && name in BINARY_TYPES) return name as TypedArrayName;
  throw new TypeError(`tagged JSON cannot encode a ${name ?? 'view'} (unknown binary type)`);
}

/** A copy of `raw` with `$` added to each `$`-key, or `raw` itself when it has none (the usual case). */
function escapeKeys(raw: object): object {
  let escaped = false;
  for (const key in raw) {
    if (key.startsWith('$')) {
      escaped = true;
      break;
    }
  }
  // `fromEntries` defines properties, so a key `__proto__` stays a key.
  return escaped ? Object.fromEntries(Object.entries(raw).map(([key, item]) => [key.startsWith('$') ? `$${key}` : key, item])) : raw;
}

/** Turns tags back into values, in place where the parsed tree can be reused. */
function decodeValue(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = decodeValue(value[i]);
    return value;
  }
  const record = value as Record<string, unknown>;
  if (typeof record.$bin === 'string') return decodeBinary(record.$bin, record.base64);
  if ('$num' in record) return Number(record.$num);
  if ('$bigint' in record) return BigInt(record.$bigint as string);
  if ('$undefined' in record) return undefined;
  if ('$date' in record) return new Date(record.$date === null ? Number.NaN : (record.$date as string));
  if (Array.isArray(record.$map)) return new Map(decodeValue(record.$map) as [unknown, unknown][]);
  if (Array.isArray(record.$set)) return new Set(decodeValue(record.$set) as unknown[]);
  let unescape = false;
  for (const key in record) {
    record[key] = decodeValue(record[key]);
    if (key.startsWith('$')) unescape = true;
  }
  if (!unescape) return record;
  return Object.fromEntries(Object.entries(record).map(([key, item]) => [key.startsWith('$$') ? key.slice(1) : key, item]));
}

function decodeBinary(name: string, base64: unknown): unknown {
  if (typeof base64 !== 'string') throw new TypeError(`tagged JSON: $bin ${name} has no base64 string`);
  const bytes = Buffer.from(base64, 'base64');
  if (name === 'Buffer') return bytes;
  // Copy into a buffer of our own: the decoded bytes may sit in Node's shared pool, at an offset
  // that a wider element type could not be aligned to.
  const own = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(own).set(bytes);
  if (name === 'ArrayBuffer') return own;
  if (name === 'SharedArrayBuffer') {
    const shared = new SharedArrayBuffer(bytes.byteLength);
    new Uint8Array(shared).set(bytes);
    return shared;
  }
  if (name === 'DataView') return new DataView(own);
  const ctor = (BINARY_TYPES as Record<string, (typeof BINARY_TYPES)[TypedArrayName]>)[name];
  if (!ctor) throw new TypeError(`tagged JSON: unknown $bin type ${name}`);
  if (own.byteLength % ctor.BYTES_PER_ELEMENT !== 0) throw new TypeError(`tagged JSON: ${bytes.byteLength} bytes are not a whole ${name}`);
  return new ctor(own);
}
