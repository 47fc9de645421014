import { guardedRead, guardedWrite, type ProtectionDomain } from '@faastlane/native-mpk';
import type { FnHeap, TypedArrayClass } from '../functions/definition.js';

type Binary = ArrayBuffer | ArrayBufferView;

const bytesOf = (b: Binary): Uint8Array => (b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength));

function checkRange(view: Uint8Array, offset: number, length: number): void {
  if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > view.byteLength) {
    throw new RangeError(`range ${offset}+${length} is outside a view of ${view.byteLength} bytes`);
  }
}

function typed<T extends ArrayBufferView>(heap: FnHeap, type: TypedArrayClass<T>, length: number): T {
  if (!Number.isInteger(length) || length < 0) throw new RangeError(`length must be a whole number, got ${length}`);
  return new type(heap.alloc(length * type.BYTES_PER_ELEMENT), 0, length);
}

/**
 * Ordinary memory, for every function not placed in a protection domain (and for a domain function
 * isolated in a child process instead). One instance serves every call: it costs nothing.
 */
export const PLAIN_HEAP: FnHeap = Object.freeze({
  name: 'plain',
  protected: false,
  alloc: (byteLength: number) => new ArrayBuffer(byteLength),
  bytes: (length: number) => new Uint8Array(length),
  array<T extends ArrayBufferView>(type: TypedArrayClass<T>, length: number): T {
    return typed(PLAIN_HEAP, type, length);
  },
  copyIn: (bytes: Binary) => bytesOf(bytes).slice(),
  // Ordinary memory is not told apart from the rest of the process's memory.
  contains: () => false,
  read(view: Binary, offset = 0, length?: number): Uint8Array {
    const src = bytesOf(view);
    const n = length ?? src.byteLength - offset;
    checkRange(src, offset, n);
    return src.slice(offset, offset + n);
  },
  write(view: Binary, offset: number, bytes: Binary): void {
    const dst = bytesOf(view);
    const src = bytesOf(bytes);
    checkRange(dst, offset, src.byteLength);
    dst.set(src, offset);
  },
});

/** The heap of a protection domain, as a function sees it (`ctx.heap`, `ctx.shared`). */
export function protectedHeap(domain: ProtectionDomain): FnHeap {
  const heap: FnHeap = Object.freeze({
    name: domain.name,
    protected: true,
    alloc: (byteLength: number) => domain.alloc(byteLength),
    bytes: (length: number) => domain.allocBytes(length),
    array<T extends ArrayBufferView>(type: TypedArrayClass<T>, length: number): T {
      return typed(heap, type, length);
    },
    copyIn: (bytes: Binary) => domain.copyIn(bytes),
    contains: (view: Binary) => domain.contains(view),
    read: (view: Binary, offset = 0, length?: number) => guardedRead(view, offset, length),
    write: (view: Binary, offset: number, bytes: Binary) => guardedWrite(view, offset, bytes),
  });
  return heap;
}
