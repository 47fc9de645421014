// Turning a protection-key fault inside the addon's own guarded copy into an error value.
//
// Why this is safe only here: the guarded region is a memcpy in a leaf function of the addon with
// no V8 frames, no locks and no allocations between sigsetjmp and the faulting access, so
// siglongjmp out of the SIGSEGV handler abandons nothing. Any other fault (JIT code, V8, libuv, or
// a fault that is not a pkey fault in the guarded range) is passed on to the handler that was
// installed before ours (Node's wasm trap handler, then the default action), i.e. it stays fatal.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fmpk {

struct GuardedRange {
  const void* begin = nullptr;
  size_t length = 0;
};

struct FaultInfo {
  bool faulted = false;
  int pkey = -1;          // si_pkey of the fault
  uintptr_t address = 0;  // si_addr of the fault
  bool no_slot = false;   // nothing was copied: too many threads in guarded copies at once
};

/** First word of a fault report line (see ReportFaultsTo). */
constexpr const char* kFaultReportPrefix = "faastlane-mpk-fault";

/**
 * From now on, a protection-key fault that is not the addon's own guarded copy (plain JS touching a
 * denied heap: fatal) is reported on `fd` as one line before the process dies:
 * `faastlane-mpk-fault pkey=<k> address=0x<hex> domain=<name of the key's domain>`. -1 stops it.
 * Installs the handler if needed.
 */
void ReportFaultsTo(int fd);

/** Installs the SIGSEGV handler once per process (chaining to the previous one). */
void InstallFaultHandler();

/**
 * memcpy(dst, src, n) with the current thread's PKRU. A pkey fault (SEGV_PKUERR) whose address lies
 * in `src` or `dst` ends the copy early and is reported in the result; PKRU is restored to its
 * value before the copy (after siglongjmp it would otherwise stay at the signal-handler default).
 * Precondition: PkruUsable() and InstallFaultHandler() was called.
 */
FaultInfo GuardedCopy(void* dst, const void* src, size_t n);

}  // namespace fmpk
