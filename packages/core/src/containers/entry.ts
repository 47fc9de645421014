import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Path of the compiled container entry (`dist/containers/container-main.js`) that an embedded
 * provider starts with `node`.
 *
 * Why two cases: a child process runs plain Node, which cannot import TypeScript, so it must always
 * start the compiled JavaScript. When this module is itself the compiled `dist/containers/entry.js`,
 * that file sits beside it. When it is loaded from `src/containers/entry.ts` (vitest compiles
 * sources on the fly), `import.meta.url` ends in `.ts` and the compiled file lives in `dist` of the
 * same package: build with `tsc -b` before such tests.
 */
export function containerEntryPath(): string {
  const fromSource = import.meta.url.endsWith('.ts');
  const path = fileURLToPath(new URL(fromSource ? '../../dist/containers/container-main.js' : './container-main.js', import.meta.url));
  if (!existsSync(path)) throw new Error(`the container entry ${path} is missing${fromSource ? ': build the package (npx tsc -b) first' : ''}`);
  return path;
}
