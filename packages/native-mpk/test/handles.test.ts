// Handles need domains, so their real tests run under PKU (pku-guest.mjs in QEMU: a worker views a
// shared-heap block without a copy; the block lives while any view does; another domain on a worker
// cannot read a private one). Here: what they refuse, which needs no PKU.
import { describe, expect, test } from 'vitest';
import { addonStatus, DomainUsageError, handleOf, MpkUnavailableError, viewOf } from '../lib/index.js';

describe.skipIf(!addonStatus().loaded)('handles (addon loaded)', () => {
  test('ordinary memory has no handle', () => {
    expect(() => handleOf(new Uint8Array(8))).toThrow(DomainUsageError);
    expect(() => handleOf(new Uint8Array(8))).toThrow(/not memory of a protected heap/);
  });

  test('a handle to nothing (or a stale one) opens no view', () => {
    expect(() => viewOf({ id: 123456, offset: 0, length: 1, domain: 'x' })).toThrow(/the memory of this handle is gone/);
  });
});

describe.skipIf(addonStatus().loaded)('handles (no addon)', () => {
  test('say why', () => {
    expect(() => handleOf(new Uint8Array(8))).toThrow(MpkUnavailableError);
  });
});
