// The fault-report line the addon's SIGSEGV handler writes (src/fault.cc) and its parser. The handler
// itself only runs on a real protection-key fault: pku-guest.mjs checks it under PKU (QEMU).
import { describe, expect, test } from 'vitest';
import { addonStatus, FAULT_REPORT_PREFIX, parseFaultReport, reportFaultsTo } from '../lib/index.js';

describe('fault reports', () => {
  test('parses the first report line among other output', () => {
    const text = `some log\n${FAULT_REPORT_PREFIX} pkey=3 address=0x7f12abcd0010 domain=fn:Anonymize\n${FAULT_REPORT_PREFIX} pkey=4 address=0x1 domain=x\n`;
    expect(parseFaultReport(text)).toEqual({ pkey: 3, address: 0x7f12abcd0010n, domain: 'fn:Anonymize' });
  });

  test('a key without a domain (not the addon\'s) has no domain; no report, no result', () => {
    expect(parseFaultReport(`${FAULT_REPORT_PREFIX} pkey=1 address=0xdead domain=`)).toEqual({ pkey: 1, address: 0xdeadn, domain: undefined });
    expect(parseFaultReport('Segmentation fault\n')).toBeUndefined();
    expect(parseFaultReport('')).toBeUndefined();
  });

  test.skipIf(!addonStatus().loaded)('reportFaultsTo works on any CPU (it only records where to write); -1 turns it off', () => {
    expect(reportFaultsTo(2)).toBe(true);
    expect(reportFaultsTo(-1)).toBe(true);
    expect(() => reportFaultsTo(-2)).toThrow(RangeError);
  });

  test.skipIf(addonStatus().loaded)('without the addon there is nothing to report from', () => {
    expect(reportFaultsTo(2)).toBe(false);
  });
});
