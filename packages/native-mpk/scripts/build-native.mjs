#!/usr/bin/env node
// Builds the native addon with node-gyp, the way sharp / better-sqlite3 do at install time, with one
// difference: this script never fails the install. MPK is an optional acceleration; without the
// addon the runtime falls back to process isolation. On failure it writes the reason to
// build/BUILD_FAILED.txt (the loader reports that reason as the capability's `reason`) and exits 0.
//
// Environment:
//   FAASTLANE_MPK_SKIP_BUILD=1   do not build; record that as the reason.
//   FAASTLANE_MPK_FORCE_BUILD=1  rebuild even when the sources did not change.
//   npm_config_nodedir           where Node's headers are (default: the prefix of this `node`, when
//                                it ships include/node, so node-gyp downloads nothing).
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const buildDir = join(pkgDir, 'build');
const failedFile = join(buildDir, 'BUILD_FAILED.txt');
const stampFile = join(buildDir, 'BUILD_STAMP.txt');
const addonFile = join(buildDir, 'Release', 'faastlane_mpk.node');
const logFile = join(buildDir, 'build-native.log');
const tag = '[@faastlane/native-mpk]';

/** Records why there is no addon, warns in one line, and ends the install successfully. */
function giveUp(reason, details = '') {
  try {
    mkdirSync(buildDir, { recursive: true });
    rmSync(stampFile, { force: true });
    writeFileSync(failedFile, `${reason}\n${details ? `\n${details}\n` : ''}`);
  } catch {
    // Even an unwritable build/ must not fail the install; the loader then says "not built".
  }
  console.warn(
    `${tag} WARNING: native addon not built (${reason}); MPK protection domains are unavailable, ` +
      `the runtime falls back to process isolation. Details: ${failedFile}`,
  );
  process.exit(0);
}

/** True if `cmd` is an executable file somewhere on PATH (or an absolute path). */
function onPath(cmd) {
  if (!cmd) return false;
  const first = cmd.trim().split(/\s+/)[0];
  if (first.includes('/')) return existsSync(first);
  return (process.env.PATH ?? '').split(delimiter).some((d) => d && existsSync(join(d, first)));
}

/** A hash of everything the binary depends on, so an unchanged tree skips the compiler. */
function sourceStamp(apiVersion) {
  const h = createHash('sha256');
  h.update(`${process.version} ${process.platform} ${process.arch} node-addon-api@${apiVersion}\n`);
  h.update(readFileSync(join(pkgDir, 'binding.gyp')));
  const srcDir = join(pkgDir, 'src');
  for (const name of readdirSync(srcDir).sort()) {
    h.update(`\0${name}\0`);
    h.update(readFileSync(join(srcDir, name)));
  }
  return h.digest('hex');
}

function main() {
  if (process.env.FAASTLANE_MPK_SKIP_BUILD === '1') {
    giveUp('build skipped: FAASTLANE_MPK_SKIP_BUILD=1');
  }
  // MPK is an x86-64 feature and the pkey_* system calls are Linux's; elsewhere there is nothing to build.
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    giveUp(
      `unsupported platform: ${process.platform}-${process.arch} ` +
        '(Memory Protection Keys need Linux on x86-64)',
    );
  }

  const require = createRequire(join(pkgDir, 'package.json'));
  let nodeGyp;
  let apiVersion;
  try {
    nodeGyp = require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    giveUp('node-gyp is not installed (it is a devDependency of @faastlane/native-mpk)');
  }
  try {
    apiVersion = require('node-addon-api/package.json').version;
  } catch {
    giveUp('node-addon-api is not installed');
  }

  const cxx = [process.env.CXX, 'c++', 'g++', 'clang++'].find((c) => onPath(c));
  if (!cxx) giveUp('no C++ compiler found (looked for $CXX, c++, g++, clang++ on PATH)');
  if (!onPath(process.env.MAKE ?? 'make')) giveUp('`make` not found on PATH');
  const python = [process.env.PYTHON, 'python3', 'python'].find((c) => onPath(c));
  if (!python) giveUp('no Python found on PATH (node-gyp needs python3)');

  const stamp = sourceStamp(apiVersion);
  if (process.env.FAASTLANE_MPK_FORCE_BUILD !== '1' && existsSync(addonFile) && existsSync(stampFile)) {
    if (readFileSync(stampFile, 'utf8').trim() === stamp) {
      rmSync(failedFile, { force: true });
      console.log(`${tag} native addon up to date (${addonFile})`);
      return;
    }
  }

  const env = { ...process.env };
  // node-gyp reads npm's config only from npm_config_* variables; when this script is run directly
  // (not by npm/pnpm), point it at the headers that ship with this Node so it downloads nothing.
  if (!env.npm_config_nodedir) {
    const prefix = resolve(dirname(process.execPath), '..');
    if (existsSync(join(prefix, 'include', 'node', 'node_api.h'))) env.npm_config_nodedir = prefix;
  }

  const started = Date.now();
  const res = spawnSync(process.execPath, [nodeGyp, 'rebuild', '--jobs', 'max'], {
    cwd: pkgDir,
    env,
    encoding: 'utf8',
    timeout: 10 * 60 * 1000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const log = `${res.stdout ?? ''}${res.stderr ?? ''}`;
  try {
    mkdirSync(buildDir, { recursive: true });
    writeFileSync(logFile, log);
  } catch {
    // The log is a convenience only.
  }
  if (res.error || res.status !== 0 || !existsSync(addonFile)) {
    const why = res.error
      ? `could not run node-gyp: ${res.error.message}`
      : res.status !== 0
        ? `node-gyp rebuild failed (exit ${res.status ?? res.signal})`
        : `node-gyp succeeded but ${addonFile} is missing`;
    // The first compiler or gyp error line is usually the one that explains the failure.
    const firstError = log.split('\n').find((l) => /\berror\b|ERR!/i.test(l))?.trim();
    giveUp(firstError ? `${why}: ${firstError}` : why, log.split('\n').slice(-60).join('\n'));
  }
  writeFileSync(stampFile, `${stamp}\n`);
  rmSync(failedFile, { force: true });
  console.log(`${tag} built ${addonFile} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

try {
  main();
} catch (err) {
  giveUp(`build script error: ${err instanceof Error ? err.message : String(err)}`);
}
