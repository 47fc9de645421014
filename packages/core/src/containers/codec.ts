/**
 * The two body encodings of the container protocol and how a request picks them: v8 serialisation
 * (the structured-clone format: typed arrays, Maps, Dates, cycles and errors survive, binary stays
 * binary) and tagged JSON (what a FaaS platform ships: text, binary as base64).
 */
import { deserialize, serialize } from 'node:v8';
import { parseTagged, stringifyTagged } from './tagged-json.js';

/** How bodies are encoded: `v8` (binary, fast) or `json` (tagged JSON, what FaaS platforms use). */
export type BodyEncoding = 'v8' | 'json';

/** The `content-type` of each encoding. */
export const CONTENT_TYPES: Readonly<Record<BodyEncoding, string>> = {
  v8: 'application/x-v8-serialized',
  json: 'application/json',
};

/** Encodes a body. */
export function encodeBody(value: unknown, encoding: BodyEncoding): Buffer {
  return encoding === 'v8' ? serialize(value) : Buffer.from(stringifyTagged(value), 'utf8');
}

/** Decodes a body. An empty body decodes as `{}` (a bodyless `POST /init`, say). */
export function decodeBody(body: Buffer, encoding: BodyEncoding): unknown {
  if (body.byteLength === 0) return {};
  return encoding === 'v8' ? deserialize(body) : parseTagged(body.toString('utf8'));
}

/** The encoding a `content-type` header names, or undefined for any other media type. */
export function encodingOf(contentType: string | undefined): BodyEncoding | undefined {
  const media = contentType?.split(';')[0]?.trim().toLowerCase();
  if (media === CONTENT_TYPES.v8) return 'v8';
  if (media === CONTENT_TYPES.json) return 'json';
  return undefined;
}

/**
 * The encoding to answer in: the first of ours that `accept` names, else the request's own, else
 * JSON (what a curl user reads).
 */
export function answerEncoding(accept: string | undefined, requestEncoding: BodyEncoding | undefined): BodyEncoding {
  for (const part of accept?.split(',') ?? []) {
    const encoding = encodingOf(part);
    if (encoding) return encoding;
  }
  return requestEncoding ?? 'json';
}
