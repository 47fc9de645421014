import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { loadableElsewhere } from '../src/functions/loadable.js';
import type { FnSpec } from '../src/graph/ir.js';

const dir = mkdtempSync(join(tmpdir(), 'loadable-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string): string => {
  const path = join(dir, name);
  writeFileSync(path, 'export {};\n');
  return path;
};
const spec = (module: string | undefined): FnSpec => ({ name: 'f', isolation: 'none', cpu: undefined, timeoutMs: undefined, retries: 0, input: undefined, module });

describe('loadableElsewhere', () => {
  test('a compiled module other than the entry script can be loaded elsewhere', () => {
    expect(loadableElsewhere(spec(pathToFileURL(file('functions.mjs')).href), file('main.mjs'))).toBe(true);
  });

  test('the entry script cannot, also when it is reached through a link', () => {
    const main = file('app.mjs');
    const link = join(dir, 'app-link.mjs');
    symlinkSync(main, link);
    expect(loadableElsewhere(spec(pathToFileURL(main).href), main)).toMatch(/declared in the program's entry script .*app\.mjs, which would run again/);
    expect(loadableElsewhere(spec(pathToFileURL(link).href), main)).toMatch(/entry script/);
  });

  test('nor an unknown module, a relative one, or TypeScript', () => {
    expect(loadableElsewhere(spec(undefined), undefined)).toMatch(/unknown/);
    expect(loadableElsewhere(spec('./functions.js'), undefined)).toMatch(/not an absolute URL/);
    expect(loadableElsewhere(spec(pathToFileURL(file('functions.ts')).href), undefined)).toMatch(/not plain JavaScript/);
  });

  test('nor a module that is not a file: a Windows path (it parses as a URL of scheme c:) or an https: URL', () => {
    expect(loadableElsewhere(spec('C:\\app\\dist\\functions.js'), undefined)).toMatch(/not a file: URL/);
    expect(loadableElsewhere(spec('https://cdn.example/fns/functions.mjs'), undefined)).toMatch(/not a file: URL/);
  });
});
