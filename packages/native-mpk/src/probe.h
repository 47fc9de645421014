// The capability probe: can this process use protection keys, and if not, exactly why.
#pragma once

#include <napi.h>

#include <string>

#include "cpuid.h"

namespace fmpk {

struct Capabilities {
  CpuFeatures cpu;
  bool available = false;
  std::string reason;        // "ok" or why not
  int pkey_alloc_errno = 0;  // errno of the failed probe allocation; 0 when it succeeded or was not tried
  int free_keys = 0;         // keys the addon could still allocate now
};

/** Runs the probe now (CPUID, then pkey_alloc/pkey_free). Never executes RDPKRU/WRPKRU. */
Capabilities ProbeCapabilities();

/**
 * True when CPUID reports OSPKE, i.e. RDPKRU/WRPKRU are safe to execute. Cached after the first
 * call. Every path that touches PKRU checks this first.
 */
bool PkruUsable();

/** The reason string of the probe when PKRU is unusable ("CPU lacks PKU ..."). */
std::string PkruUnusableReason();

/** JS: capabilities() -> plain object (see lib/types.ts NativeCapabilities). */
Napi::Value CapabilitiesJs(const Napi::CallbackInfo& info);

}  // namespace fmpk
