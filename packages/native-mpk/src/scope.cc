// enter()/leave(): the per-thread stack of entered domains and the PKRU read-modify-write.
//
// PKRU is a per-thread register, so the stack is per thread (thread_local). Only the bits of keys this
// addon owns or has owned are ever changed; other keys (Node 20's V8 holds one) keep whatever bits they had.
#include <sys/random.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <vector>

#include "domain.h"
#include "errors.h"
#include "keys.h"
#include "pkru.h"

namespace fmpk {
namespace {

/**
 * One enter() on this thread. PKRU is per thread, so the stack is too. The frame holds the heaps
 * it granted, so their keys cannot be freed (and recycled) while the thread still has them open.
 */
struct Frame {
  std::shared_ptr<DomainState> domain;
  std::vector<std::shared_ptr<ProtectedHeap>> held;
  uint32_t saved_pkru = 0;  // PKRU before enter()
  uint32_t key_set = 0;     // every key the addon had owned at enter(): the bits enter() set, and leave() puts back
  double ticket = 0;
};

thread_local std::vector<Frame> t_frames;

/**
 * A fresh random ticket (a whole number below 2^53, so that JS holds it exactly), from the kernel's
 * CSPRNG (getrandom), drawn 32 at a time: code inside a domain cannot work out the ticket of the scope
 * around it from tickets of its own, as it could from a seeded generator's.
 */
double NextTicket() {
  thread_local uint64_t pool[32];
  thread_local size_t left = 0;
  for (;;) {
    if (left == 0) {
      size_t filled = 0;
      while (filled < sizeof pool) {
        const ssize_t n = getrandom(reinterpret_cast<char*>(pool) + filled, sizeof pool - filled, 0);
        if (n > 0) filled += static_cast<size_t>(n);
        else if (errno != EINTR) std::abort();  // no entropy source: nothing safe to hand out
      }
      left = 32;
    }
    const double ticket = static_cast<double>(pool[--left] >> 11);
    bool used = ticket == 0;
    for (const Frame& f : t_frames) used = used || f.ticket == ticket;
    if (!used) return ticket;
  }
}

const char* RightsName(uint32_t bits) {
  if (bits & kPkeyAccessDisable) return "none";
  if (bits & kPkeyWriteDisable) return "read";
  return "read-write";
}

/**
 * enter(domain) -> ticket. Read-modify-write of PKRU touching only the addon's keys: the domain's own
 * key and its shares are granted, every other key the addon owns is denied; keys of other code (V8's)
 * keep their bits.
 */
Napi::Value Enter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequirePkru(env);
  const std::shared_ptr<DomainState> st = DomainFromJs(env, info[0]);
  if (!st->heap) throw CodedError(env, code::kDomainClosed, "domain \"" + st->name + "\" is closed");
  if (!t_frames.empty() && t_frames.back().domain != st) {
    throw CodedError(env, code::kUsage,
                     "cannot enter domain \"" + st->name + "\" while inside domain \"" + t_frames.back().domain->name +
                         "\": leave it first");
  }
  Frame f;
  f.domain = st;
  f.held.push_back(st->heap);
  // Every key the addon ever owned: one freed since, and taken again by a domain created on another
  // thread while this one is inside, must be denied here too (this thread may still hold rights to it).
  f.key_set = EverOwnedKeySet();
  f.saved_pkru = ReadPkru();
  uint32_t pkru = f.saved_pkru;
  for (int k = 0; k < kMaxPkeys; ++k) {
    if (f.key_set & (1u << k)) pkru = WithKeyBits(pkru, k, kPkeyAccessDisable);
  }
  for (const Share& s : st->shares) {
    f.held.push_back(s.heap);
    pkru = WithKeyBits(pkru, s.heap->pkey(), s.read_only ? kPkeyWriteDisable : 0);
  }
  pkru = WithKeyBits(pkru, st->heap->pkey(), 0);
  f.ticket = NextTicket();
  const double ticket = f.ticket;
  t_frames.push_back(std::move(f));
  WritePkru(pkru);
  return Napi::Number::New(env, ticket);
}

/** leave(ticket): pops the innermost enter(), restoring the bits of the keys it changed. */
Napi::Value Leave(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequirePkru(env);
  if (t_frames.empty()) throw CodedError(env, code::kUsage, "leave() called outside any domain");
  const double ticket = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : -1;
  size_t at = t_frames.size();
  while (at > 0 && t_frames[at - 1].ticket != ticket) --at;
  if (at == 0) {
    throw CodedError(env, code::kUsage,
                     "leave() does not match the innermost enter() (domain \"" + t_frames.back().domain->name +
                         "\"): scopes must be left in reverse order, with the scope enter() returned");
  }
  // The scope left is `at - 1`; any inside it were entered and not left (code in the domain that
  // threw past its own leave()). They are left too, innermost first, each putting back the bits it
  // changed, so that PKRU is as it was before the scope and the thread is not stuck in the domain;
  // then the misuse is reported.
  const size_t unwound = t_frames.size() - at;
  uint32_t pkru = ReadPkru();
  for (size_t i = t_frames.size(); i-- > at - 1;) {
    const uint32_t mask = PkruMaskForKeys(t_frames[i].key_set);
    pkru = (pkru & ~mask) | (t_frames[i].saved_pkru & mask);
  }
  WritePkru(pkru);
  const std::string name = t_frames[at - 1].domain->name;
  t_frames.resize(at - 1);  // may drop the last reference to a closed domain's heap
  if (unwound > 0) {
    throw CodedError(env, code::kUsage,
                     "leave(): " + std::to_string(unwound) + " scope(s) entered inside domain \"" + name +
                         "\" were not left; they were left with it");
  }
  return env.Undefined();
}

Napi::Value CurrentDomainJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto cur = CurrentDomain();
  if (!cur) return env.Null();
  Napi::Object o = Napi::Object::New(env);
  o.Set("id", cur->id);
  o.Set("name", cur->name);
  o.Set("pkey", cur->pkey);
  o.Set("depth", static_cast<double>(t_frames.size()));
  return o;
}

/** threadRights() -> [{ pkey, domain, rights }] for every key the addon owns, as this thread sees it. */
Napi::Value ThreadRights(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequirePkru(env);
  const uint32_t pkru = ReadPkru();
  const uint32_t owned = OwnedKeySet();
  Napi::Array out = Napi::Array::New(env);
  uint32_t n = 0;
  for (int k = 0; k < kMaxPkeys; ++k) {
    if (!(owned & (1u << k))) continue;
    Napi::Object o = Napi::Object::New(env);
    o.Set("pkey", k);
    o.Set("domain", KeyLabel(k));
    o.Set("rights", RightsName(KeyBits(pkru, k)));
    out.Set(n++, o);
  }
  return out;
}

Napi::Value PkruJs(const Napi::CallbackInfo& info) {
  RequirePkru(info.Env());
  return Napi::Number::New(info.Env(), static_cast<double>(ReadPkru()));
}

}  // namespace

std::shared_ptr<DomainState> CurrentDomain() { return t_frames.empty() ? nullptr : t_frames.back().domain; }

void InitScope(Napi::Env env, Napi::Object exports) {
  exports.Set("enter", Napi::Function::New(env, Enter, "enter"));
  exports.Set("leave", Napi::Function::New(env, Leave, "leave"));
  exports.Set("currentDomain", Napi::Function::New(env, CurrentDomainJs, "currentDomain"));
  exports.Set("threadRights", Napi::Function::New(env, ThreadRights, "threadRights"));
  exports.Set("pkru", Napi::Function::New(env, PkruJs, "pkru"));
}

}  // namespace fmpk
