/**
 * Finds the `ArrayBuffer`s in a value that can be moved (transferred) to another thread instead of
 * copied: every `ArrayBuffer`, and the buffer of every typed array or `DataView`, reached through
 * plain objects, arrays, `Map`s and `Set`s.
 *
 * A buffer is moved only when that is safe to do behind the user's back: a view that covers only part
 * of its buffer (a Node `Buffer` from the shared pool, a `subarray`) is copied instead, since moving
 * the whole buffer would detach memory the view does not own. `SharedArrayBuffer`s are shared, never
 * moved.
 */
export function collectTransferables(value: unknown): ArrayBuffer[] {
  const found = new Set<ArrayBuffer>();
  const seen = new Set<object>();
  const visit = (v: unknown): void => {
    if (typeof v !== 'object' || v === null || seen.has(v)) return;
    seen.add(v);
    if (v instanceof ArrayBuffer) {
      if (v.byteLength > 0) found.add(v);
      return;
    }
    if (ArrayBuffer.isView(v)) {
      const buffer = v.buffer;
      if (buffer instanceof ArrayBuffer && v.byteOffset === 0 && v.byteLength === buffer.byteLength && buffer.byteLength > 0) found.add(buffer);
      return;
    }
    if (Array.isArray(v)) {
      for (const item of v) visit(item);
      return;
    }
    if (v instanceof Map) {
      for (const [k, item] of v) {
        visit(k);
        visit(item);
      }
      return;
    }
    if (v instanceof Set) {
      for (const item of v) visit(item);
      return;
    }
    const proto = Object.getPrototypeOf(v) as unknown;
    // Class instances other than plain objects are cloned as plain objects by structured clone; their
    // own fields are still walked.
    if (proto === Object.prototype || proto === null || typeof proto === 'object') {
      for (const key of Object.keys(v)) visit((v as Record<string, unknown>)[key]);
    }
  };
  visit(value);
  return [...found];
}
