#include "keys.h"

#include <array>
#include <atomic>
#include <cerrno>
#include <mutex>
#include <sys/mman.h>

#include "pkey_sys.h"
#include "pkru.h"

#ifndef PKEY_DISABLE_ACCESS
#define PKEY_DISABLE_ACCESS 0x1
#endif

namespace fmpk {
namespace {

std::mutex g_mu;
std::atomic<uint32_t> g_owned{0};
std::atomic<uint32_t> g_ever{0};
std::array<std::string, kMaxPkeys> g_labels;
// The same labels as fixed, NUL-terminated bytes: a SIGSEGV handler may read these (no lock, no
// allocation), at worst seeing a label half rewritten, which only garbles a report of a dying process.
char g_signal_labels[kMaxPkeys][kSignalLabelBytes];

void SetSignalLabel(int key, const std::string& label) {
  // Byte 0 last: a handler reading meanwhile sees "" rather than a label without its terminator.
  char* out = g_signal_labels[key];
  const size_t n = label.size() < kSignalLabelBytes - 1 ? label.size() : kSignalLabelBytes - 1;
  out[0] = '\0';
  for (size_t i = 1; i < n; ++i) out[i] = label[i];
  out[n] = '\0';
  if (n > 0) out[0] = label[0];
}

}  // namespace

KeyAllocation AllocateKey(bool deny_here) {
  std::lock_guard<std::mutex> lock(g_mu);
  KeyAllocation r;
  int key = SysPkeyAlloc(0, deny_here ? PKEY_DISABLE_ACCESS : 0);
  if (key < 0) {
    r.error = errno;
    return r;
  }
  if (key >= kMaxPkeys) {
    // Cannot happen on x86-64 (16 keys); refuse rather than index out of range.
    SysPkeyFree(key);
    r.error = ENOSPC;
    return r;
  }
  r.key = key;
  g_owned.fetch_or(1u << key);
  g_ever.fetch_or(1u << key);
  g_labels[key].clear();
  SetSignalLabel(key, std::string());
  return r;
}

void ReleaseKey(int key) {
  if (key < 0 || key >= kMaxPkeys) return;
  std::lock_guard<std::mutex> lock(g_mu);
  if (!(g_owned.load() & (1u << key))) return;  // not ours: never free it
  g_owned.fetch_and(~(1u << key));
  g_labels[key].clear();
  SetSignalLabel(key, std::string());
  SysPkeyFree(key);
}

uint32_t OwnedKeySet() { return g_owned.load(); }

uint32_t EverOwnedKeySet() { return g_ever.load(); }

void SetKeyLabel(int key, const std::string& label) {
  if (key < 0 || key >= kMaxPkeys) return;
  std::lock_guard<std::mutex> lock(g_mu);
  g_labels[key] = label;
  SetSignalLabel(key, label);
}

const char* KeyLabelForSignal(int key) {
  if (key < 0 || key >= kMaxPkeys) return "";
  return g_signal_labels[key];
}

std::string KeyLabel(int key) {
  if (key < 0 || key >= kMaxPkeys) return std::string();
  std::lock_guard<std::mutex> lock(g_mu);
  return g_labels[key];
}

FreeKeyCount CountFreeKeys() {
  std::lock_guard<std::mutex> lock(g_mu);
  FreeKeyCount r;
  std::array<int, kMaxPkeys + 1> probed{};
  int n = 0;
  while (n <= kMaxPkeys) {
    // PKEY_DISABLE_ACCESS leaves this thread's bits for the key as the kernel's default (denied)
    // once it is freed again, so probing changes nothing observable.
    int key = SysPkeyAlloc(0, PKEY_DISABLE_ACCESS);
    if (key < 0) {
      r.first_errno = errno;
      break;
    }
    probed[n++] = key;
  }
  for (int i = 0; i < n; ++i) SysPkeyFree(probed[i]);  // exactly the keys this call allocated
  r.count = n;
  return r;
}

}  // namespace fmpk
