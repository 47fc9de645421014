// The cost probe of the benchmark: refused without MPK (here) and on an emulated CPU; the timing itself
// runs under PKU in pku-guest.mjs (QEMU), where only that it works is checked.
import { describe, expect, test } from 'vitest';
import { capabilities, emulatedCpu, measureDomainCosts } from '../lib/index.js';

describe('measureDomainCosts', () => {
  test.skipIf(capabilities().available)('without MPK it says why instead of timing', () => {
    expect(measureDomainCosts(10)).toEqual({ unavailable: capabilities().reason });
  });

  test('recognises QEMU TCG by its model name, and nothing else', () => {
    expect(emulatedCpu(() => 'processor\t: 0\nmodel name\t: QEMU TCG CPU version 2.5+\nflags\t: fpu pku ospke\n')).toBe('QEMU TCG CPU version 2.5+');
    expect(emulatedCpu(() => 'model name\t: AMD EPYC 9R14\n')).toBeUndefined();
    expect(emulatedCpu(() => { throw new Error('no /proc'); })).toBeUndefined();
  });
});
