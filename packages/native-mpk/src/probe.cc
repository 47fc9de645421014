#include "probe.h"

#include "keys.h"
#include "pkey_sys.h"

namespace fmpk {
namespace {

std::string ErrnoText(int e) {
  const char* name = ErrnoName(e);
  return name ? std::string(name) : "errno " + std::to_string(e);
}

std::string CpuReason(const CpuFeatures& cpu) {
  if (!cpu.x86_64) return "not an x86-64 build (protection keys are an x86-64 feature)";
  if (!cpu.leaf7) return "CPU lacks PKU (CPUID leaf 7 not supported)";
  if (!cpu.pku) return "CPU lacks PKU (CPUID.7.0:ECX bit 3)";
  if (!cpu.ospke) return "OS has not enabled PKU (no OSPKE, CPUID.7.0:ECX bit 4)";
  return std::string();
}

}  // namespace

bool PkruUsable() {
  // CPUID is cheap and its answer cannot change while the process runs.
  static const bool usable = [] {
    CpuFeatures f = ReadCpuFeatures();
    return f.x86_64 && f.pku && f.ospke;
  }();
  return usable;
}

std::string PkruUnusableReason() { return CpuReason(ReadCpuFeatures()); }

Capabilities ProbeCapabilities() {
  Capabilities c;
  c.cpu = ReadCpuFeatures();
  const std::string cpu_reason = CpuReason(c.cpu);
  // pkey_alloc is a plain system call: it is safe without PKU (the kernel answers EINVAL/ENOSPC/ENOSYS)
  // and its errno is worth reporting, so it is tried even when CPUID already said no.
  FreeKeyCount fk = CountFreeKeys();
  if (!cpu_reason.empty()) {
    c.available = false;
    c.reason = cpu_reason;
    c.free_keys = 0;
    // A kernel that hands out keys without OSPKE would be a surprise; the count is not trusted then.
    c.pkey_alloc_errno = fk.count > 0 ? 0 : fk.first_errno;
    return c;
  }
  c.free_keys = fk.count;
  if (fk.count > 0) {
    c.available = true;
    c.reason = "ok";
    return c;
  }
  c.pkey_alloc_errno = fk.first_errno;
  if (OwnedKeySet() != 0) {
    // Keys work in this process; the addon's own domains simply hold all that are left.
    c.available = true;
    c.reason = "ok";
    return c;
  }
  c.available = false;
  c.reason = "pkey_alloc failed: " + ErrnoText(fk.first_errno);
  if (fk.first_errno == ENOSPC) c.reason += " (every protection key is already taken by other code)";
  return c;
}

Napi::Value CapabilitiesJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Capabilities c = ProbeCapabilities();
  Napi::Object o = Napi::Object::New(env);
  o.Set("available", c.available);
  o.Set("reason", c.reason);
  o.Set("cpuPku", c.cpu.pku);
  o.Set("osPke", c.cpu.ospke);
  if (c.pkey_alloc_errno != 0) o.Set("pkeyAllocErrno", ErrnoText(c.pkey_alloc_errno));
  o.Set("freeKeys", c.free_keys);
  o.Set("leaf7Ecx", static_cast<double>(c.cpu.leaf7_ecx));
  o.Set("ownedKeys", static_cast<double>(OwnedKeySet()));
  return o;
}

}  // namespace fmpk
