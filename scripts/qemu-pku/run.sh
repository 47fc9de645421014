#!/usr/bin/env bash
# Runs packages/native-mpk/test/pku-guest.mjs (the addon) and scripts/qemu-pku/runtime-guest.mjs (the
# runtime: workflows of `isolation: 'domain'` functions through the built @faastlane/core and
# @faastlane/dsl) under real Memory Protection Keys.
#
# Why QEMU: the development and CI machines have no PKU and KVM cannot add it, but QEMU's software
# emulation (TCG) with `-cpu max` implements PKU and OSPKE. This script boots a Debian cloud kernel
# with an initramfs holding busybox, this host's `node` with its shared libraries, the built addon,
# core and dsl (dist/ and their npm dependencies, staged by stage-runtime.mjs) and the test scripts,
# runs the tests in the guest and reports their result.
#
# Usage: bash scripts/qemu-pku/run.sh
# Env:   QEMU_PKU_TIMEOUT  seconds before the guest is considered hung (default 180)
#        QEMU_PKU_KEEP=1   keep the staging directory under .qemu/ for inspection
#        QEMU_PKU_SKIP_BUILD=1  use the existing build/ and dist/ as they are
# Exit:  0 when both guest suites passed; 1 when a test failed, 2 when the guest did not report,
#        3 when a prerequisite could not be installed or built.
# Cache: .qemu/ at the repository root (gitignored): the kernel and the node+libs base archive.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PKG="$ROOT/packages/native-mpk"
CACHE="$ROOT/.qemu"
TIMEOUT="${QEMU_PKU_TIMEOUT:-180}"
SENTINEL_RESULT='PKU-GUEST-RESULT:'
SENTINEL_EXIT='PKU-GUEST-EXIT'
RT_SENTINEL_RESULT='RUNTIME-GUEST-RESULT:'
RT_SENTINEL_EXIT='RUNTIME-GUEST-EXIT'
started=$(date +%s.%N)

log() { printf '[qemu-pku] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit "${2:-3}"; }
elapsed() { awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }'; }

mkdir -p "$CACHE"

# --- 1. host tools -------------------------------------------------------------------------------
apt_updated=0
apt_update_once() {
  if [ "$apt_updated" = 0 ]; then
    log "apt-get update"
    apt-get update -qq >/dev/null || die "apt-get update failed"
    apt_updated=1
  fi
}
is_static() { ! ldd "$1" >/dev/null 2>&1; }

missing=()
command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
{ [ -x /bin/busybox ] && is_static /bin/busybox; } || missing+=(busybox-static)
command -v cpio >/dev/null || missing+=(cpio)
if [ "${#missing[@]}" -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "missing ${missing[*]}; install them (apt-get install ${missing[*]}) or run as root"
  apt_update_once
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed"
fi
is_static /bin/busybox || die "/bin/busybox is not statically linked (install busybox-static)"

# --- 2. guest kernel (a Debian cloud kernel, unpacked; the host has no /boot) -----------------------
KERNEL="$CACHE/vmlinuz"
if [ ! -s "$KERNEL" ]; then
  version="$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-/ { print $2; exit }')"
  if [ -z "$version" ]; then
    apt_update_once
    version="$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-/ { print $2; exit }')"
  fi
  [ -n "$version" ] || die "cannot find the current linux-image-*-cloud-amd64 package"
  log "fetching kernel $version"
  work="$CACHE/kernel-download"
  rm -rf "$work" && mkdir -p "$work"
  (cd "$work" && apt-get download -qq "$version" >/dev/null 2>&1) || {
    apt_update_once
    (cd "$work" && apt-get download -qq "$version" >/dev/null) || die "apt-get download $version failed"
  }
  dpkg-deb -x "$work"/*.deb "$work/x" || die "dpkg-deb -x failed"
  cp "$(ls "$work"/x/boot/vmlinuz-* | head -n1)" "$KERNEL.tmp" && mv "$KERNEL.tmp" "$KERNEL"
  echo "$version" >"$CACHE/vmlinuz.version"
  rm -rf "$work"
fi

# --- 3. the addon and the loader -------------------------------------------------------------------
NODE_BIN="$(readlink -f "$(command -v node)")"
if [ "${QEMU_PKU_SKIP_BUILD:-0}" != 1 ]; then
  node "$PKG/scripts/build-native.mjs" >&2
  if [ -x "$ROOT/node_modules/.bin/tsc" ]; then
    "$ROOT/node_modules/.bin/tsc" -b "$PKG" "$ROOT/packages/core" "$ROOT/packages/dsl" \
      || die "tsc -b packages/native-mpk packages/core packages/dsl failed"
  fi
fi
ADDON="$PKG/build/Release/faastlane_mpk.node"
[ -f "$ADDON" ] || die "addon not built: $(head -n1 "$PKG/build/BUILD_FAILED.txt" 2>/dev/null || echo "$ADDON missing")"
for dist in "$PKG" "$ROOT/packages/core" "$ROOT/packages/dsl"; do
  [ -f "$dist/dist/index.js" ] || die "$dist/dist/index.js missing (run: npx tsc -b)"
done

# --- 4. initramfs: a cached base (busybox, node, its libraries, /init) + a fresh app archive --------
# The kernel unpacks concatenated cpio archives in order, so the 100 MB base is built once per node.
base_key="$(printf '%s %s %s' "$NODE_BIN" "$(stat -c '%s %Y' "$NODE_BIN")" "$(sha256sum "$0" | cut -c1-16)")"
BASE="$CACHE/base.cpio"
if [ ! -s "$BASE" ] || [ "$(cat "$BASE.key" 2>/dev/null)" != "$base_key" ]; then
  log "building the base initramfs (busybox + $NODE_BIN + libraries)"
  stage="$CACHE/stage-base"
  rm -rf "$stage" && mkdir -p "$stage"/{bin,dev,proc,sys,tmp,usr/bin,app}
  cp /bin/busybox "$stage/bin/busybox"
  cp "$NODE_BIN" "$stage/usr/bin/node"
  # Every library the dynamic loader would load for node, at the same absolute path.
  for lib in $(ldd "$NODE_BIN" | awk '/=> \// { print $3 } /^[ \t]*\/[^ ]+ \(/ { print $1 }'); do
    mkdir -p "$stage$(dirname "$lib")"
    cp -L "$lib" "$stage$lib"
  done
  cat >"$stage/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin HOME=/tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
echo "PKU-GUEST-CPU: $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -x -e pku -e ospke | tr '\n' ' ')"
sh /app/guest.sh
poweroff -f
INIT
  chmod +x "$stage/init"
  (cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet >"$BASE.tmp") || die "cpio (base) failed"
  mv "$BASE.tmp" "$BASE"
  echo "$base_key" >"$BASE.key"
  [ "${QEMU_PKU_KEEP:-0}" = 1 ] || rm -rf "$stage"
fi

stage="$CACHE/stage-app"
rm -rf "$stage" && mkdir -p "$stage/app/packages/native-mpk"
# The addon's guest test; the packages themselves (native-mpk with its addon, core, dsl), their npm
# dependencies (a flat node_modules), the fixtures and the runtime's guest script are staged below.
cp -r "$PKG/test" "$stage/app/packages/native-mpk/"
node "$ROOT/scripts/qemu-pku/stage-runtime.mjs" "$ROOT" "$stage" >&2 || die "staging the runtime test failed"
cat >"$stage/app/guest.sh" <<'GUEST'
cd /app/packages/native-mpk
node test/pku-guest.mjs
echo "PKU-GUEST-EXIT $?"
cd /app
node scripts/qemu-pku/runtime-guest.mjs
echo "RUNTIME-GUEST-EXIT $?"
GUEST
INITRD="$CACHE/initrd.cpio"
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet >"$CACHE/app.cpio") || die "cpio (app) failed"
cat "$BASE" "$CACHE/app.cpio" >"$INITRD"
[ "${QEMU_PKU_KEEP:-0}" = 1 ] || rm -rf "$stage"

# --- 5. boot -------------------------------------------------------------------------------------
log "booting $(cat "$CACHE/vmlinuz.version" 2>/dev/null || echo kernel) under TCG with -cpu max (timeout ${TIMEOUT}s; $(elapsed) s so far)"
OUTPUT="$CACHE/last-run.log"
set +e
timeout --foreground -k 5 "$TIMEOUT" qemu-system-x86_64 \
  -accel tcg -cpu max -m 2048 -nographic -no-reboot \
  -kernel "$KERNEL" -initrd "$INITRD" \
  -append "console=ttyS0 quiet panic=-1" </dev/null 2>&1 | tr -d '\r' | tee "$OUTPUT"
qemu_rc=${PIPESTATUS[0]}
set -e

# --- 6. verdict ----------------------------------------------------------------------------------
# (|| true: a missing line is an answer here, not an error for set -e/pipefail)
result="$(grep -o "^$SENTINEL_RESULT [A-Z]*" "$OUTPUT" | tail -n1 | awk '{ print $2 }' || true)"
guest_exit="$(grep -o "^$SENTINEL_EXIT [0-9]*" "$OUTPUT" | tail -n1 | awk '{ print $2 }' || true)"
summary="$(grep -E '^# [0-9]+ tests:' "$OUTPUT" | tail -n1 || true)"
rt_result="$(grep -o "^$RT_SENTINEL_RESULT [A-Z]*" "$OUTPUT" | tail -n1 | awk '{ print $2 }' || true)"
rt_exit="$(grep -o "^$RT_SENTINEL_EXIT [0-9]*" "$OUTPUT" | tail -n1 | awk '{ print $2 }' || true)"
rt_summary="$(grep -E '^# runtime: [0-9]+ checks:' "$OUTPUT" | tail -n1 || true)"
if [ -z "$result" ] || [ -z "$guest_exit" ] || [ -z "$rt_result" ] || [ -z "$rt_exit" ]; then
  [ "$qemu_rc" = 124 ] && log "the guest did not finish within ${TIMEOUT}s"
  log "FAIL: the guest did not report (qemu exit $qemu_rc); output in $OUTPUT; $(elapsed) s"
  exit 2
fi
if [ "$result" = PASS ] && [ "$guest_exit" = 0 ] && [ "$rt_result" = PASS ] && [ "$rt_exit" = 0 ]; then
  log "PASS: addon ${summary#\# }; ${rt_summary#\# } under real PKU in $(elapsed) s"
  exit 0
fi
log "FAIL: addon $result (exit $guest_exit, ${summary#\# }); runtime $rt_result (exit $rt_exit, ${rt_summary#\# }); output in $OUTPUT; $(elapsed) s"
exit 1
