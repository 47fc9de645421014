import { describe, expect, it } from 'vitest';
import { answerEncoding, decodeBody, encodeBody, encodingOf } from '../src/containers/codec.js';
import { parseTagged, stringifyTagged } from '../src/containers/tagged-json.js';

const roundTrip = (value: unknown): unknown => parseTagged(stringifyTagged(value));

describe('tagged JSON', () => {
  it('keeps every typed array, DataView, ArrayBuffer and Buffer, type and bytes', () => {
    const typed = [
      new Int8Array([-1, 2]),
      new Uint8Array([0, 255]),
      new Uint8ClampedArray([7]),
      new Int16Array([-300]),
      new Uint16Array([65535]),
      new Int32Array([-(2 ** 31)]),
      new Uint32Array([2 ** 32 - 1]),
      new Float32Array([1.5, -0.25]),
      new Float64Array([Math.PI, Number.NaN, -Infinity]),
      new BigInt64Array([-(2n ** 63n)]),
      new BigUint64Array([2n ** 64n - 1n]),
    ];
    const back = roundTrip({ typed }) as { typed: unknown[] };
    back.typed.forEach((array, i) => {
      expect((array as object).constructor).toBe(typed[i]!.constructor);
      expect(array).toEqual(typed[i]);
    });

    const buffer = Buffer.from('hello');
    const arrayBuffer = new Uint8Array([1, 2, 3]).buffer;
    const view = new DataView(new Uint8Array([9, 8, 7, 6]).buffer, 1, 2);
    const decoded = roundTrip({ buffer, arrayBuffer, view }) as { buffer: Buffer; arrayBuffer: ArrayBuffer; view: DataView };
    expect(Buffer.isBuffer(decoded.buffer)).toBe(true);
    expect(decoded.buffer.toString()).toBe('hello');
    expect(decoded.arrayBuffer).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(decoded.arrayBuffer)]).toEqual([1, 2, 3]);
    expect(decoded.view).toBeInstanceOf(DataView);
    expect([decoded.view.getUint8(0), decoded.view.getUint8(1), decoded.view.byteLength]).toEqual([8, 7, 2]);
  });

  it('encodes only the bytes a view covers (a subarray, a pooled Buffer)', () => {
    const whole = new Float64Array([1, 2, 3, 4]);
    const text = stringifyTagged(whole.subarray(1, 3));
    expect(text).toBe(JSON.stringify({ $bin: 'Float64Array', base64: Buffer.from(whole.buffer, 8, 16).toString('base64') }));
    expect(parseTagged(text)).toEqual(new Float64Array([2, 3]));
  });

  it('keeps Map, Set, Date, bigint, non-finite numbers, -0 and undefined', () => {
    const value = {
      map: new Map<unknown, unknown>([[1, { a: new Uint8Array([1]) }], ['k', new Set([2n])]]),
      date: new Date('2024-02-29T12:00:00.000Z'),
      invalid: new Date(Number.NaN),
      numbers: [Number.NaN, Infinity, -Infinity, -0, 0, 1.5],
      missing: undefined,
      list: [undefined, null],
    };
    const back = roundTrip(value) as typeof value;
    expect(back).toEqual(value);
    expect(Object.is(back.numbers[3], -0)).toBe(true);
    expect('missing' in back).toBe(true);
    expect(back.invalid.getTime()).toBeNaN();
    expect(roundTrip(undefined)).toBeUndefined();
  });

  it('never mistakes a user object for a tag: $-keys are escaped, __proto__ stays a key', () => {
    const value = JSON.parse('{"$bin":"Uint8Array","base64":"AQ==","$$x":1,"nested":{"$date":"x"},"__proto__":{"polluted":true}}') as object;
    const text = stringifyTagged(value);
    expect(text).toContain('"$$bin"');
    const back = parseTagged(text) as Record<string, unknown>;
    expect(back).toEqual(value);
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.keys(back)).toEqual(Object.keys(value));
  });

  it('honours toJSON of other objects and decodes plain JSON as itself', () => {
    class Money {
      toJSON(): string {
        return '3 EUR';
      }
    }
    expect(roundTrip({ price: new Money() })).toEqual({ price: '3 EUR' });
    expect(parseTagged('{"a":[1,"b",true,null]}')).toEqual({ a: [1, 'b', true, null] });
  });

  it('rejects a malformed tag instead of guessing', () => {
    expect(() => parseTagged('{"$bin":"Float64Array","base64":"AQ=="}')).toThrow(/whole Float64Array/);
    expect(() => parseTagged('{"$bin":"Nope","base64":""}')).toThrow(/unknown \$bin/);
  });
});

describe('body codec', () => {
  it('round-trips typed arrays in both encodings', () => {
    const value = { id: 1, data: new Float64Array([1.25, 2.5]), bytes: Buffer.from([1, 2]) };
    for (const encoding of ['v8', 'json'] as const) {
      const back = decodeBody(encodeBody(value, encoding), encoding) as typeof value;
      expect(back.data).toBeInstanceOf(Float64Array);
      expect([...back.data]).toEqual([1.25, 2.5]);
      expect(Buffer.isBuffer(back.bytes)).toBe(true);
    }
    expect(decodeBody(Buffer.alloc(0), 'json')).toEqual({});
  });

  it('reads content types and picks the answer encoding', () => {
    expect(encodingOf('application/json; charset=utf-8')).toBe('json');
    expect(encodingOf('application/x-v8-serialized')).toBe('v8');
    expect(encodingOf('text/plain')).toBeUndefined();
    expect(answerEncoding('text/html, application/x-v8-serialized', 'json')).toBe('v8');
    expect(answerEncoding(undefined, 'v8')).toBe('v8');
    expect(answerEncoding('*/*', undefined)).toBe('json');
  });
});
