/**
 * Whether a function can run away from the calling thread: a worker thread, a child process and a
 * container all import the module that declares it (`FnSpec.module`), so that module must be one they
 * can import, and importing it must not run the program.
 */
import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FnSpec } from '../graph/ir.js';

/** `true` when the module declaring `spec` can be loaded on another thread or in another process, else why not. */
export function loadableElsewhere(spec: FnSpec, entry: string | undefined = entryScript()): true | string {
  return remembered(loadable, spec, entry, () => {
    const url = moduleUrl(spec);
    if (typeof url === 'string') return url;
    if (!/\.(m|c)?js$/.test(url.pathname)) return `its module ${url.href} is not plain JavaScript (compile it to load it in a worker)`;
    return notTheEntry(url, entry);
  });
}

/**
 * `true` unless no container could ever import the module declaring `spec`: it is unknown, or it is
 * the entry script. (A container may have a loader for TypeScript, or be on another machine with
 * files of its own: what it can import is up to it.)
 */
export function importableByContainers(spec: FnSpec, entry: string | undefined = entryScript()): true | string {
  return remembered(importable, spec, entry, () => {
    const url = moduleUrl(spec);
    return typeof url === 'string' ? url : notTheEntry(url, entry);
  });
}

/**
 * Verdicts by function spec (and the entry they were worked out for): the planner asks about every
 * task of every plan it makes, and parsing the module's URL and its path each time took a tenth of a
 * run of FINRA-5's trivial-function shape (a cached plan is looked at again after 8, 16 and 32
 * recorded calls, then every 64).
 */
const loadable = new WeakMap<FnSpec, Verdict>();
const importable = new WeakMap<FnSpec, Verdict>();

interface Verdict {
  readonly entry: string | undefined;
  readonly verdict: true | string;
}

function remembered(verdicts: WeakMap<FnSpec, Verdict>, spec: FnSpec, entry: string | undefined, work: () => true | string): true | string {
  const known = verdicts.get(spec);
  if (known !== undefined && known.entry === entry) return known.verdict;
  const verdict = work();
  verdicts.set(spec, { entry, verdict });
  return verdict;
}

/** The URL of the module declaring `spec`, or why there is none. */
function moduleUrl(spec: FnSpec): URL | string {
  if (!spec.module) return 'the module declaring it is unknown (give @Fn({ module: import.meta.url }))';
  let url: URL;
  try {
    url = new URL(spec.module);
  } catch {
    return `its module ${JSON.stringify(spec.module)} is not an absolute URL`;
  }
  // What another thread, process or container can import: a file (a Windows path such as
  // `C:\\app\\fn.js` parses as a URL of scheme `c:`, and an https: module cannot be imported by Node).
  if (url.protocol !== 'file:') return `its module ${JSON.stringify(spec.module)} is not a file: URL (give pathToFileURL(path).href or import.meta.url)`;
  return url;
}

/**
 * Importing the entry script elsewhere would run the program there again: a worker would create a
 * runtime that starts workers that import it, and so on, until the starts time out.
 */
function notTheEntry(url: URL, entry: string | undefined): true | string {
  if (url.protocol === 'file:' && entry !== undefined && realFile(fileURLToPath(url)) === realFile(entry)) {
    return `it is declared in the program's entry script ${pathToFileURL(entry).href}, which would run again wherever it is imported (declare it in a module of its own)`;
  }
  return true;
}

/** `entryScript()` once worked out (`null`: no script, as under `node -e`). */
let entryMemo: string | null | undefined;

/**
 * The real path of the script this process was started with, if any; worked out once. `argv[1]` is
 * the path as typed (`node .`, `node app`): it is resolved as Node resolves the main entry (an added
 * `.js`, a folder's `index.js` or its package's `main`), and its links followed.
 */
export function entryScript(): string | undefined {
  entryMemo ??= process.argv[1] ? resolveEntry(resolve(process.argv[1])) : null;
  return entryMemo ?? undefined;
}

function resolveEntry(typed: string): string {
  try {
    return realFile(createRequire(import.meta.url).resolve(typed));
  } catch {
    return realFile(typed);
  }
}

/** `path` with its links resolved, or as it is when it cannot be (a path that does not exist). */
function realFile(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
