// JS errors with a stable `code`, which the TypeScript loader turns into typed error classes.
#pragma once

#include <napi.h>

#include <string>

namespace fmpk {

/** Error codes shared with lib/errors.ts. */
namespace code {
constexpr const char* kUnavailable = "ERR_MPK_UNAVAILABLE";
constexpr const char* kKeysExhausted = "ERR_MPK_KEYS_EXHAUSTED";
constexpr const char* kDomainClosed = "ERR_MPK_DOMAIN_CLOSED";
constexpr const char* kUsage = "ERR_MPK_USAGE";
constexpr const char* kAccessDenied = "ERR_MPK_ACCESS_DENIED";
constexpr const char* kProtectionFault = "ERR_MPK_PROTECTION_FAULT";
constexpr const char* kAllocFailed = "ERR_MPK_ALLOC_FAILED";
}  // namespace code

/** An Error with `code` set; add properties with .Value().Set(...) before throwing. */
inline Napi::Error CodedError(Napi::Env env, const char* code, const std::string& message) {
  Napi::Error err = Napi::Error::New(env, message);
  err.Value().Set("code", code);
  return err;
}

}  // namespace fmpk
