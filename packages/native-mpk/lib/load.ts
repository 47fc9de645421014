/**
 * Finding and loading the native addon. Nothing here throws: a missing, unbuilt or broken addon is
 * a state to report (MPK is an optional feature; the runtime falls back to process isolation).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { AddonStatus, NativeBinding } from './types.js';

/** The package root: lib/ (sources under vitest) and dist/ (built) both sit one level below it. */
const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Where `node-gyp rebuild` puts the addon. */
export const DEFAULT_ADDON_PATH = join(packageRoot, 'build', 'Release', 'faastlane_mpk.node');

/** Environment variable that overrides the addon's path (tests, relocated installs). */
export const ADDON_PATH_ENV = 'FAASTLANE_MPK_ADDON_PATH';

/** The addon ABI this loader speaks (src/addon.cc `abiVersion`). */
const ABI_VERSION = 3;

/** Whether MPK can exist on this platform at all; checked before anything is loaded. */
export function platformSupport(
  platform: string = process.platform,
  arch: string = process.arch,
): { supported: true } | { supported: false; reason: string } {
  if (platform === 'linux' && arch === 'x64') return { supported: true };
  return {
    supported: false,
    reason: `unsupported platform: ${platform}-${arch} (Memory Protection Keys need Linux on x86-64)`,
  };
}

/** The addon path: `$FAASTLANE_MPK_ADDON_PATH` when set and non-empty, else {@link DEFAULT_ADDON_PATH}. */
export function resolveAddonPath(env: NodeJS.ProcessEnv = process.env): string {
  const override = env[ADDON_PATH_ENV];
  return override ? resolve(override) : DEFAULT_ADDON_PATH;
}

/** The first line of build/BUILD_FAILED.txt next to `addonPath` (written by scripts/build-native.mjs). */
function recordedBuildFailure(addonPath: string): string | undefined {
  const file = join(dirname(dirname(addonPath)), 'BUILD_FAILED.txt');
  try {
    const first = readFileSync(file, 'utf8').split('\n')[0]?.trim();
    return first || undefined;
  } catch {
    return undefined;
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Loads the addon from `path` (or reports why it cannot). Never throws. Loading the same path twice
 * returns the same module (Node caches addons per process).
 */
export function loadAddonFrom(path: string): { status: AddonStatus; binding?: NativeBinding } {
  const platform = platformSupport();
  if (!platform.supported) return { status: { loaded: false, reason: platform.reason } };
  if (!existsSync(path)) {
    const recorded = recordedBuildFailure(path);
    const why = recorded ?? `${path} does not exist (build it with: pnpm --filter @faastlane/native-mpk build:native)`;
    return { status: { loaded: false, reason: `addon not built: ${why}`, path } };
  }
  let mod: unknown;
  try {
    mod = createRequire(import.meta.url)(path);
  } catch (err) {
    return { status: { loaded: false, reason: `addon not built: failed to load ${path}: ${message(err)}`, path } };
  }
  const binding = mod as Partial<NativeBinding> | null;
  if (!binding || typeof binding.capabilities !== 'function' || binding.abiVersion !== ABI_VERSION) {
    return {
      status: {
        loaded: false,
        reason: `addon not built: ${path} is not a compatible @faastlane/native-mpk addon (want ABI ${ABI_VERSION})`,
        path,
      },
    };
  }
  return { status: { loaded: true, path }, binding: binding as NativeBinding };
}

let cached: { status: AddonStatus; binding?: NativeBinding } | undefined;

/** Loads the addon on first use (from {@link resolveAddonPath}) and remembers the outcome. */
function loaded(): { status: AddonStatus; binding?: NativeBinding } {
  cached ??= loadAddonFrom(resolveAddonPath());
  return cached;
}

/**
 * Whether the native addon is loaded in this process, and if not, why.
 * The first call loads it; the outcome is fixed for the life of the process.
 */
export function addonStatus(): AddonStatus {
  return loaded().status;
}

/** @internal The loaded addon, or undefined. */
export function nativeBinding(): NativeBinding | undefined {
  return loaded().binding;
}
