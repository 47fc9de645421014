// Module entry: the capability probe is always present; domain functions exist on every build but
// throw ERR_MPK_UNAVAILABLE (never fault) where CPUID says RDPKRU/WRPKRU cannot run.
#include <napi.h>

#include "domain.h"
#include "handles.h"
#include "probe.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("capabilities", Napi::Function::New(env, fmpk::CapabilitiesJs, "capabilities"));
  exports.Set("abiVersion", Napi::Number::New(env, 3));
  fmpk::InitDomain(env, exports);
  fmpk::InitScope(env, exports);
  fmpk::InitGuarded(env, exports);
  fmpk::InitHandles(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(faastlane_mpk, Init)
