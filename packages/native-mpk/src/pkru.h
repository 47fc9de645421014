// The PKRU register: two bits per protection key, for the current thread only.
//   bit 2k   = AD (access disable), bit 2k+1 = WD (write disable).
//
// Precondition for every function that touches the register: CPUID reported OSPKE (see
// cpuid.h / probe.cc). Callers go through PkuUsable() before reaching these; executing them on a
// CPU without PKU raises SIGILL.
#pragma once

#include <cstdint>

namespace fmpk {

constexpr uint32_t kPkeyAccessDisable = 0x1;
constexpr uint32_t kPkeyWriteDisable = 0x2;
constexpr int kMaxPkeys = 16;  // x86 has keys 0..15; key 0 is the default for all memory

/** Rights of one key as stored in PKRU. */
enum class KeyRights : uint32_t { kReadWrite = 0, kNone = kPkeyAccessDisable, kReadOnly = kPkeyWriteDisable };

#if defined(__x86_64__)
// The raw opcodes are used so that no special assembler or -mpku flag is needed.
inline uint32_t ReadPkru() {
  uint32_t eax, edx;
  asm volatile(".byte 0x0f, 0x01, 0xee" : "=a"(eax), "=d"(edx) : "c"(0));
  return eax;
}

inline void WritePkru(uint32_t value) {
  asm volatile(".byte 0x0f, 0x01, 0xef" : : "a"(value), "c"(0), "d"(0) : "memory");
}
#else
inline uint32_t ReadPkru() { return 0; }
inline void WritePkru(uint32_t) {}
#endif

/** The two PKRU bits of `key`, shifted to positions 0..1. */
inline uint32_t KeyBits(uint32_t pkru, int key) { return (pkru >> (2 * key)) & 0x3u; }

/** `pkru` with the two bits of `key` replaced by `bits` (read-modify-write; other keys unchanged). */
inline uint32_t WithKeyBits(uint32_t pkru, int key, uint32_t bits) {
  const uint32_t shift = 2u * static_cast<uint32_t>(key);
  return (pkru & ~(0x3u << shift)) | ((bits & 0x3u) << shift);
}

/** A PKRU mask covering both bits of every key set in `key_set` (bit k = key k). */
inline uint32_t PkruMaskForKeys(uint32_t key_set) {
  uint32_t mask = 0;
  for (int k = 0; k < kMaxPkeys; ++k) {
    if (key_set & (1u << k)) mask |= 0x3u << (2 * k);
  }
  return mask;
}

}  // namespace fmpk
