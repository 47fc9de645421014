import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';

import { ADDON_PATH_ENV, DEFAULT_ADDON_PATH, platformSupport, resolveAddonPath } from '../lib/index.js';
import { loadAddonFrom } from '../lib/load.js';

const pkgDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const scratch = mkdtempSync(join(tmpdir(), 'native-mpk-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('platformSupport()', () => {
  it('accepts only Linux on x86-64, and says why not elsewhere', () => {
    expect(platformSupport('linux', 'x64')).toEqual({ supported: true });
    expect(platformSupport('darwin', 'arm64')).toEqual({
      supported: false,
      reason: 'unsupported platform: darwin-arm64 (Memory Protection Keys need Linux on x86-64)',
    });
    expect(platformSupport('linux', 'arm64')).toMatchObject({ supported: false });
    expect(platformSupport('win32', 'x64')).toMatchObject({ supported: false });
  });
});

describe('resolveAddonPath()', () => {
  it(`defaults to build/Release and honours ${ADDON_PATH_ENV}`, () => {
    expect(resolveAddonPath({})).toBe(DEFAULT_ADDON_PATH);
    expect(resolveAddonPath({ [ADDON_PATH_ENV]: '' })).toBe(DEFAULT_ADDON_PATH);
    expect(resolveAddonPath({ [ADDON_PATH_ENV]: '/somewhere/x.node' })).toBe('/somewhere/x.node');
  });
});

describe.runIf(process.platform === 'linux' && process.arch === 'x64')('loadAddonFrom(): failures are reasons, not throws', () => {
  it('a missing file: "addon not built" naming the path', () => {
    const path = join(scratch, 'nowhere', 'build', 'Release', 'faastlane_mpk.node');
    const { status, binding } = loadAddonFrom(path);
    expect(binding).toBeUndefined();
    expect(status.loaded).toBe(false);
    expect(status).toMatchObject({ reason: expect.stringMatching(/^addon not built: .*does not exist/) });
  });

  it('a missing file with build/BUILD_FAILED.txt: the recorded reason', () => {
    const build = join(scratch, 'failed', 'build');
    mkdirSync(join(build, 'Release'), { recursive: true });
    writeFileSync(join(build, 'BUILD_FAILED.txt'), 'no C++ compiler found (looked for $CXX, c++, g++, clang++ on PATH)\n\nlog...\n');
    const { status } = loadAddonFrom(join(build, 'Release', 'faastlane_mpk.node'));
    expect(status).toEqual({
      loaded: false,
      reason: 'addon not built: no C++ compiler found (looked for $CXX, c++, g++, clang++ on PATH)',
      path: join(build, 'Release', 'faastlane_mpk.node'),
    });
  });

  it('a file that is not a loadable addon: "addon not built: failed to load ..."', () => {
    const bogus = join(scratch, 'bogus.node');
    writeFileSync(bogus, 'this is not an ELF file');
    const { status } = loadAddonFrom(bogus);
    expect(status).toMatchObject({ loaded: false, reason: expect.stringMatching(/^addon not built: failed to load .*bogus\.node: /) });
  });

  it(`the whole package with ${ADDON_PATH_ENV} pointing nowhere: unavailable, never throws`, async () => {
    vi.resetModules();
    vi.stubEnv(ADDON_PATH_ENV, join(scratch, 'missing', 'build', 'Release', 'faastlane_mpk.node'));
    try {
      const fresh = await import('../lib/index.js');
      const c = fresh.capabilities();
      expect(c.available).toBe(false);
      expect(c.addonLoaded).toBe(false);
      expect(c.freeKeys).toBe(0);
      expect(c.reason).toMatch(/^addon not built: /);
      expect(fresh.addonStatus()).toMatchObject({ loaded: false });
      expect(() => fresh.createDomain('x')).toThrow(fresh.MpkUnavailableError);
      expect(fresh.ownerOf(new Uint8Array(1))).toBeNull();
    } finally {
      vi.unstubAllEnvs();
      vi.resetModules();
    }
  });
});

describe.runIf(process.platform === 'linux' && process.arch === 'x64')('scripts/build-native.mjs', () => {
  it('without a compiler: exits 0, warns in one line, writes BUILD_FAILED.txt, and the loader reports it', () => {
    // A copy of the package whose PATH has no compiler; node_modules is linked so node-gyp resolves.
    const copy = join(scratch, 'pkg');
    mkdirSync(copy, { recursive: true });
    for (const f of ['package.json', 'binding.gyp', 'scripts', 'src']) cpSync(join(pkgDir, f), join(copy, f), { recursive: true });
    symlinkSync(join(pkgDir, 'node_modules'), join(copy, 'node_modules'));
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: join(scratch, 'empty-bin') };
    delete env.CXX;
    const res = spawnSync(process.execPath, [join(copy, 'scripts', 'build-native.mjs')], { env, encoding: 'utf8' });
    expect(res.status).toBe(0);
    const warning = res.stderr.trim().split('\n');
    expect(warning).toHaveLength(1);
    expect(warning[0]).toMatch(/^\[@faastlane\/native-mpk\] WARNING: native addon not built \(no C\+\+ compiler found/);
    const failed = join(copy, 'build', 'BUILD_FAILED.txt');
    expect(existsSync(failed)).toBe(true);
    expect(readFileSync(failed, 'utf8').split('\n')[0]).toBe('no C++ compiler found (looked for $CXX, c++, g++, clang++ on PATH)');
    const { status } = loadAddonFrom(join(copy, 'build', 'Release', 'faastlane_mpk.node'));
    expect(status).toMatchObject({ loaded: false, reason: 'addon not built: no C++ compiler found (looked for $CXX, c++, g++, clang++ on PATH)' });
  });

  it('FAASTLANE_MPK_SKIP_BUILD=1 records the skip as the reason', () => {
    const copy = join(scratch, 'pkg-skip');
    mkdirSync(copy, { recursive: true });
    cpSync(join(pkgDir, 'scripts'), join(copy, 'scripts'), { recursive: true });
    const res = spawnSync(process.execPath, [join(copy, 'scripts', 'build-native.mjs')], {
      env: { ...process.env, FAASTLANE_MPK_SKIP_BUILD: '1' },
      encoding: 'utf8',
    });
    expect(res.status).toBe(0);
    expect(readFileSync(join(copy, 'build', 'BUILD_FAILED.txt'), 'utf8')).toMatch(/^build skipped: FAASTLANE_MPK_SKIP_BUILD=1/);
  });
});
