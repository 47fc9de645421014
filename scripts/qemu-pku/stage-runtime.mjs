// Stages what the runtime-level guest test needs into a directory that becomes part of the QEMU
// initramfs: the built @faastlane/core, @faastlane/dsl and @faastlane/native-mpk (package.json, dist/,
// the addon), the test's fixture functions, and their npm dependencies in a flat node_modules.
//
// Usage: node scripts/qemu-pku/stage-runtime.mjs <repo-root> <stage-dir>
// Lays out <stage-dir>/app/{packages/<pkg>, node_modules/<dep>, node_modules/@faastlane/<pkg> -> ../../packages/<pkg>}.
// Dependencies are found by walking up from each package's real directory (pnpm's layout), copied
// once each (two versions of one package are an error), without what Node never loads here: type
// declarations, source maps, docs, TypeScript sources and the browser/ESM builds that the `node` and
// `require` conditions do not select. Prints the staged size.
import { cpSync, existsSync, mkdirSync, readFileSync, realpathSync, statSync, symlinkSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';

const [root, stage] = process.argv.slice(2);
if (!root || !stage) {
  console.error('usage: node stage-runtime.mjs <repo-root> <stage-dir>');
  process.exit(2);
}
const app = join(stage, 'app');
const WORKSPACE = ['core', 'dsl', 'native-mpk'];
const SKIP_DIRS = new Set(['src', 'bundles', 'types', 'typings', 'esm', 'esm5', 'esm2015', 'es6', 'umd', 'docs', 'test', 'tests', '__tests__', '.github']);
const BUILD_ONLY = new Set(['node-addon-api', 'node-gyp']);
const SKIP_FILE = /(\.d\.[cm]?ts|\.map|\.md|\.ts|\.tsbuildinfo)$/i;

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

/** The real directory of `dep` as seen from package directory `from` (Node's lookup: up the tree). */
function resolveDep(from, dep) {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', dep);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dirname(dir) === dir) throw new Error(`cannot find ${dep} from ${from}`);
  }
}

const copied = new Map(); // name -> real dir
let bytes = 0;

/**
 * Copies `src` to `dst` without what Node never loads here (SKIP_DIRS, SKIP_FILE) and without `src`'s
 * own nested node_modules (a package's dependencies are staged flat, as packages of their own).
 */
function copyFiltered(src, dst) {
  cpSync(src, dst, {
    recursive: true,
    dereference: true,
    filter: (path) => {
      const rel = relative(src, path);
      if (rel.split('/')[0] === 'node_modules') return false;
      const st = statSync(path);
      if (st.isDirectory()) return rel === '' || !SKIP_DIRS.has(basename(path));
      if (SKIP_FILE.test(path)) return false;
      bytes += st.size;
      return true;
    },
  });
}

function stageDep(name, from) {
  // Types, the workspace's own packages (staged above) and the addon's build-time headers are not loaded.
  if (name.startsWith('@types/') || name.startsWith('@faastlane/') || BUILD_ONLY.has(name)) return;
  const dir = resolveDep(from, name);
  const known = copied.get(name);
  if (known) {
    if (known !== dir) throw new Error(`two versions of ${name}: ${known} and ${dir} (a flat node_modules cannot hold both)`);
    return;
  }
  copied.set(name, dir);
  const dst = join(app, 'node_modules', name);
  mkdirSync(dirname(dst), { recursive: true });
  copyFiltered(dir, dst);
  for (const dep of Object.keys(readJson(join(dir, 'package.json')).dependencies ?? {})) stageDep(dep, dir);
}

for (const pkg of WORKSPACE) {
  const src = join(root, 'packages', pkg);
  const dst = join(app, 'packages', pkg);
  mkdirSync(dst, { recursive: true });
  cpSync(join(src, 'package.json'), join(dst, 'package.json'));
  copyFiltered(join(src, 'dist'), join(dst, 'dist'));
  mkdirSync(join(app, 'node_modules', '@faastlane'), { recursive: true });
  symlinkSync(`../../packages/${pkg}`, join(app, 'node_modules', '@faastlane', pkg));
  for (const dep of Object.keys(readJson(join(src, 'package.json')).dependencies ?? {})) stageDep(dep, src);
}
// The addon itself.
const addon = join(root, 'packages/native-mpk/build/Release/faastlane_mpk.node');
mkdirSync(join(app, 'packages/native-mpk/build/Release'), { recursive: true });
cpSync(addon, join(app, 'packages/native-mpk/build/Release/faastlane_mpk.node'));
bytes += statSync(addon).size;
// The fixture functions and the guest script.
mkdirSync(join(app, 'packages/core/test/fixtures'), { recursive: true });
cpSync(join(root, 'packages/core/test/fixtures/domains-functions.mjs'), join(app, 'packages/core/test/fixtures/domains-functions.mjs'));
mkdirSync(join(app, 'scripts/qemu-pku'), { recursive: true });
for (const f of ['runtime-guest.mjs']) cpSync(join(root, 'scripts/qemu-pku', f), join(app, 'scripts/qemu-pku', f));
console.log(`staged ${[...copied.keys()].join(', ')} and ${WORKSPACE.map((p) => '@faastlane/' + p).join(', ')}: ${(bytes / 1e6).toFixed(1)} MB`);
