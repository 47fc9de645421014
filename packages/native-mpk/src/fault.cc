#include "fault.h"

#include <csetjmp>
#include <csignal>
#include <cstring>
#include <atomic>
#include <mutex>
#include <sys/syscall.h>
#include <unistd.h>

#include "keys.h"
#include "pkru.h"

#ifndef SEGV_PKUERR
#define SEGV_PKUERR 4
#endif

namespace fmpk {
namespace {

// State of one guarded copy, on the copying thread's stack.
struct GuardState {
  sigjmp_buf env;
  uintptr_t src_lo, src_hi, dst_lo, dst_hi;
  volatile int pkey;
  volatile uintptr_t address;
};

// Threads inside a guarded copy, found by thread id. Why not thread_local: in a dlopen'd library a
// TLS variable may be allocated lazily (malloc) on first access, which a signal handler must not
// cause, and every SIGSEGV of the process (wasm traps on any thread) passes through the handler.
constexpr int kSlots = 64;
struct Slot {
  std::atomic<pid_t> tid;
  std::atomic<GuardState*> state;
};
Slot g_slots[kSlots];
std::atomic<int> g_active{0};

pid_t CurrentTid() { return static_cast<pid_t>(syscall(SYS_gettid)); }

/** Claims a slot for this thread; -1 when all are taken. */
int ClaimSlot(pid_t tid, GuardState* state) {
  for (int i = 0; i < kSlots; ++i) {
    pid_t expected = 0;
    if (g_slots[i].tid.compare_exchange_strong(expected, tid)) {
      g_slots[i].state.store(state);
      g_active.fetch_add(1);
      return i;
    }
  }
  return -1;
}

void ReleaseSlot(int i) {
  g_slots[i].state.store(nullptr);
  g_slots[i].tid.store(0);
  g_active.fetch_sub(1);
}

/** Async-signal-safe: atomics and a system call only. */
GuardState* GuardOfThread(pid_t tid) {
  for (int i = 0; i < kSlots; ++i) {
    if (g_slots[i].tid.load() == tid) return g_slots[i].state.load();
  }
  return nullptr;
}

// Where an unguarded protection-key fault is reported before the process dies (-1: nowhere).
std::atomic<int> g_report_fd{-1};

/** Appends `text` to `buf` at `*at` (bounded); async-signal-safe. */
void Append(char* buf, size_t cap, size_t* at, const char* text) {
  while (*text && *at + 1 < cap) buf[(*at)++] = *text++;
}

void AppendUnsigned(char* buf, size_t cap, size_t* at, uint64_t v, int base) {
  char digits[24];
  int n = 0;
  do {
    const int d = static_cast<int>(v % base);
    digits[n++] = static_cast<char>(d < 10 ? '0' + d : 'a' + d - 10);
    v /= base;
  } while (v && n < 24);
  while (n && *at + 1 < cap) buf[(*at)++] = digits[--n];
}

/**
 * Writes one line, `faastlane-mpk-fault pkey=<k> address=0x<hex> domain=<label>`, to the report fd:
 * the supervisor of this process reads it after the process died, to name the domain whose memory
 * was touched. Async-signal-safe: a stack buffer, static labels and write(2).
 */
void ReportFault(const siginfo_t* info) {
  const int fd = g_report_fd.load();
  if (fd < 0) return;
  char line[256];
  size_t at = 0;
  const int pkey = static_cast<int>(info->si_pkey);
  Append(line, sizeof line, &at, kFaultReportPrefix);
  Append(line, sizeof line, &at, " pkey=");
  AppendUnsigned(line, sizeof line, &at, static_cast<uint64_t>(pkey < 0 ? 0 : pkey), 10);
  Append(line, sizeof line, &at, " address=0x");
  AppendUnsigned(line, sizeof line, &at, reinterpret_cast<uintptr_t>(info->si_addr), 16);
  Append(line, sizeof line, &at, " domain=");
  Append(line, sizeof line, &at, KeyLabelForSignal(pkey));
  line[at++] = '\n';
  size_t done = 0;
  while (done < at) {
    const ssize_t w = write(fd, line + done, at - done);
    if (w <= 0) break;
    done += static_cast<size_t>(w);
  }
}

struct sigaction g_previous;
std::once_flag g_install_once;

void ChainToPrevious(int sig, siginfo_t* info, void* ucontext) {
  if (g_previous.sa_flags & SA_SIGINFO) {
    if (g_previous.sa_sigaction) {
      g_previous.sa_sigaction(sig, info, ucontext);
      return;
    }
  } else if (g_previous.sa_handler != SIG_DFL && g_previous.sa_handler != SIG_IGN) {
    g_previous.sa_handler(sig);
    return;
  }
  // Default (or ignored, which for a synchronous SIGSEGV cannot work): restore the default
  // disposition and return; the faulting instruction runs again and the kernel ends the process.
  struct sigaction dfl;
  std::memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigaction(sig, &dfl, nullptr);
}

bool InRange(uintptr_t a, uintptr_t lo, uintptr_t hi) { return a >= lo && a < hi; }

void OnSegv(int sig, siginfo_t* info, void* ucontext) {
  GuardState* g = nullptr;
  if (g_active.load() > 0 && info && info->si_code == SEGV_PKUERR) g = GuardOfThread(CurrentTid());
  if (g) {
    const uintptr_t a = reinterpret_cast<uintptr_t>(info->si_addr);
    if (InRange(a, g->src_lo, g->src_hi) || InRange(a, g->dst_lo, g->dst_hi)) {
      g->pkey = static_cast<int>(info->si_pkey);
      g->address = a;
      siglongjmp(g->env, 1);
    }
  }
  // Not ours to recover from: say what it was (the process dies next), then Node's handler decides.
  if (info && info->si_code == SEGV_PKUERR) ReportFault(info);
  ChainToPrevious(sig, info, ucontext);
}

// noinline keeps the copy in its own frame so that nothing after sigsetjmp lives in registers
// the jump would clobber.
__attribute__((noinline)) void CopyBytes(void* dst, const void* src, size_t n) { std::memcpy(dst, src, n); }

}  // namespace

void InstallFaultHandler() {
  std::call_once(g_install_once, [] {
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = OnSegv;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    // The handler there before is read first: once installed, this one may run at once (a wasm
    // bounds trap on another thread), and must find whom to chain to. One set by another thread in
    // between is what the install itself reports: it is kept instead.
    sigaction(SIGSEGV, nullptr, &g_previous);
    struct sigaction replaced;
    sigaction(SIGSEGV, &sa, &replaced);
    if (replaced.sa_sigaction != g_previous.sa_sigaction || replaced.sa_flags != g_previous.sa_flags) g_previous = replaced;
  });
}

void ReportFaultsTo(int fd) {
  InstallFaultHandler();
  g_report_fd.store(fd);
}

FaultInfo GuardedCopy(void* dst, const void* src, size_t n) {
  FaultInfo result;
  if (n == 0) return result;
  GuardState g;
  g.src_lo = reinterpret_cast<uintptr_t>(src);
  g.src_hi = g.src_lo + n;
  g.dst_lo = reinterpret_cast<uintptr_t>(dst);
  g.dst_hi = g.dst_lo + n;
  g.pkey = -1;
  g.address = 0;
  const int slot = ClaimSlot(CurrentTid(), &g);
  if (slot < 0) {
    result.no_slot = true;
    return result;
  }
  const uint32_t saved_pkru = ReadPkru();
  if (sigsetjmp(g.env, 1) == 0) {
    CopyBytes(dst, src, n);
    ReleaseSlot(slot);
    return result;
  }
  // Back from the handler: the signal mask is restored by siglongjmp, PKRU is not.
  WritePkru(saved_pkru);
  ReleaseSlot(slot);
  result.faulted = true;
  result.pkey = g.pkey;
  result.address = g.address;
  return result;
}

}  // namespace fmpk
