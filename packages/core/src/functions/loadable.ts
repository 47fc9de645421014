/**
 * Whether a function can run away from the calling thread: a worker thread, a child process and a
 * container all import the module that declares it (`FnSpec.module`), so that module must be one they
 * can import, and importing it must not run the program.
 */
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FnSpec } from '../graph/ir.js';

/** `true` when the module declaring `spec` can be loaded on another thread or in another process, else why not. */
export function loadableElsewhere(spec: FnSpec, entry: string | undefined = entryScript()): true | string {
  if (!spec.module) return 'the module declaring it is unknown (give @Fn({ module: import.meta.url }))';
  let url: URL;
  try {
    url = new URL(spec.module);
  } catch {
    return `its module ${JSON.stringify(spec.module)} is not an absolute URL`;
  }
  if (!/\.(m|c)?js$/.test(url.pathname)) return `its module ${spec.module} is not plain JavaScript (compile it to load it in a worker)`;
  // Importing the entry script elsewhere would run the program there again: a worker would create a
  // runtime that starts workers that import it, and so on, until the starts time out.
  if (url.protocol === 'file:' && entry !== undefined && realModulePath(spec.module, url) === entry) {
    return `it is declared in the program's entry script ${pathToFileURL(entry).href}, which would run again wherever it is imported (declare it in a module of its own)`;
  }
  return true;
}

let entry: { readonly path: string | undefined } | undefined;

/** The real path of the script this process was started with (`node script.js`), if any; worked out once. */
export function entryScript(): string | undefined {
  entry ??= { path: process.argv[1] ? realFile(resolve(process.argv[1])) : undefined };
  return entry.path;
}

/** Real paths of function modules, by URL: the planner asks for every task of every plan it makes. */
const realPaths = new Map<string, string>();

function realModulePath(module: string, url: URL): string {
  let path = realPaths.get(module);
  if (path === undefined) {
    path = realFile(fileURLToPath(url));
    realPaths.set(module, path);
  }
  return path;
}

/** `path` with its links resolved, or as it is when it cannot be (a path that does not exist). */
function realFile(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
