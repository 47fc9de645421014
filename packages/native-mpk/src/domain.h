// Protection domains: a key and a protected heap (domain.cc), entered per thread (scope.cc).
#pragma once

#include <napi.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "heap.h"

namespace fmpk {

/** A heap a domain may use besides its own, read-only or read-write. */
struct Share {
  std::shared_ptr<ProtectedHeap> heap;
  bool read_only = false;
};

/** What a domain is, independent of the JS object that wraps it. */
struct DomainState {
  uint32_t id = 0;
  std::string name;
  std::shared_ptr<ProtectedHeap> heap;  // reset by close(); live buffers keep the heap itself alive
  int pkey = -1;                        // kept after close() for reporting only
  std::vector<Share> shares;
};

/** The innermost domain the calling thread has entered, or nullptr. */
std::shared_ptr<DomainState> CurrentDomain();

/** Pointer and length of an ArrayBuffer, TypedArray or DataView; throws TypeError otherwise. */
struct ByteView {
  uint8_t* data = nullptr;
  size_t length = 0;
};
ByteView GetByteView(Napi::Env env, Napi::Value value, const char* what);

/** Throws ERR_MPK_UNAVAILABLE unless RDPKRU/WRPKRU may run. */
void RequirePkru(Napi::Env env);

/** The state behind a NativeDomain object; throws TypeError for anything else. */
std::shared_ptr<DomainState> DomainFromJs(Napi::Env env, Napi::Value value);

/** Registers NativeDomain (class) and ownerOf (domain.cc). */
void InitDomain(Napi::Env env, Napi::Object exports);

/** Registers enter, leave, currentDomain, threadRights, pkru (scope.cc). */
void InitScope(Napi::Env env, Napi::Object exports);

/** Registers guardedRead, guardedWrite, guardedCopy (guarded.cc). */
void InitGuarded(Napi::Env env, Napi::Object exports);

}  // namespace fmpk
