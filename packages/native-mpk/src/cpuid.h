// CPUID leaf 7 feature bits for protection keys.
//
// Why CPUID first: RDPKRU/WRPKRU raise #UD (SIGILL) unless the CPU has PKU *and* the OS has set
// CR4.PKE. CPUID.(EAX=7,ECX=0):ECX bit 3 says the CPU supports PKU; bit 4 (OSPKE) says the kernel
// enabled it. Only when OSPKE is set may this addon execute RDPKRU or WRPKRU.
#pragma once

#include <cstdint>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace fmpk {

struct CpuFeatures {
  bool x86_64 = false;    // compiled for x86-64 at all
  bool leaf7 = false;     // CPUID reports leaf 7
  bool pku = false;       // CPUID.7.0:ECX bit 3
  bool ospke = false;     // CPUID.7.0:ECX bit 4
  uint32_t leaf7_ecx = 0;
};

inline CpuFeatures ReadCpuFeatures() {
  CpuFeatures f;
#if defined(__x86_64__)
  f.x86_64 = true;
  unsigned int max_leaf = __get_cpuid_max(0, nullptr);
  if (max_leaf < 7) return f;
  unsigned int a = 0, b = 0, c = 0, d = 0;
  __cpuid_count(7, 0, a, b, c, d);
  f.leaf7 = true;
  f.leaf7_ecx = c;
  f.pku = (c >> 3) & 1u;
  f.ospke = (c >> 4) & 1u;
#endif
  return f;
}

}  // namespace fmpk
