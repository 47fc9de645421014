// NativeDomain: a protection key plus the protected heap tagged with it, and allocation from that heap.
#include "domain.h"

#include <atomic>
#include <cerrno>
#include <cstdio>

#include "errors.h"
#include "fault.h"
#include "handles.h"
#include "keys.h"
#include "pkey_sys.h"
#include "pkru.h"
#include "probe.h"

namespace fmpk {
namespace {

std::atomic<uint32_t> g_next_domain_id{1};

// Type tag: an object wrapped by some other addon class must never be taken for a domain.
constexpr napi_type_tag kDomainTag = {0x6661617374616e65ULL, 0x6d706b646f6d6e31ULL};

std::string OwnedKeysSummary() {
  const uint32_t owned = OwnedKeySet();
  std::string s;
  int n = 0;
  for (int k = 0; k < kMaxPkeys; ++k) {
    if (!(owned & (1u << k))) continue;
    if (n++) s += ", ";
    const std::string label = KeyLabel(k);
    s += std::to_string(k) + (label.empty() ? "" : " \"" + label + "\"");
  }
  return std::to_string(n) + (n ? " (" + s + ")" : "");
}

class DomainWrap : public Napi::ObjectWrap<DomainWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeDomain",
                       {
                           InstanceMethod<&DomainWrap::Alloc>("alloc"),
                           InstanceMethod<&DomainWrap::Close>("close"),
                           InstanceMethod<&DomainWrap::Stats>("stats"),
                           InstanceMethod<&DomainWrap::Contains>("contains"),
                           InstanceAccessor<&DomainWrap::Id>("id"),
                           InstanceAccessor<&DomainWrap::Name>("name"),
                           InstanceAccessor<&DomainWrap::Pkey>("pkey"),
                           InstanceAccessor<&DomainWrap::Closed>("closed"),
                       });
  }

  /** new NativeDomain(name: string, shares: Array<{ domain: NativeDomain, readOnly: boolean }>) */
  explicit DomainWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<DomainWrap>(info) {
    Napi::Env env = info.Env();
    RequirePkru(env);
    if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "domain name must be a string");
    const std::string name = info[0].As<Napi::String>().Utf8Value();
    std::vector<Share> shares;
    if (info.Length() > 1 && !info[1].IsUndefined()) {
      if (!info[1].IsArray()) throw Napi::TypeError::New(env, "shares must be an array");
      Napi::Array arr = info[1].As<Napi::Array>();
      for (uint32_t i = 0; i < arr.Length(); ++i) {
        Napi::Value item = arr.Get(i);
        if (!item.IsObject()) throw Napi::TypeError::New(env, "each share must be { domain, readOnly }");
        Napi::Object o = item.As<Napi::Object>();
        DomainWrap* other = UnwrapDomain(env, o.Get("domain"));
        if (!other->state_->heap) {
          throw CodedError(env, code::kDomainClosed, "cannot share a closed domain with \"" + name + "\"");
        }
        shares.push_back(Share{other->state_->heap, o.Get("readOnly").ToBoolean().Value()});
      }
    }
    if (CurrentDomain()) {
      // A domain created from inside another would start out readable by it; only code outside
      // every domain (the trusted runtime) may create domains.
      throw CodedError(env, code::kUsage,
                       "cannot create domain \"" + name + "\" while inside domain \"" + CurrentDomain()->name +
                           "\": create domains outside enter()/leave()");
    }
    KeyAllocation ka = AllocateKey(/*deny_here=*/false);
    if (ka.key < 0) {
      if (ka.error == ENOSPC) {
        Napi::Error err = CodedError(
            env, code::kKeysExhausted,
            "no free protection key for domain \"" + name + "\": this addon holds " + OwnedKeysSummary() +
                " of the 15 usable keys and other code in the process holds the rest (Node 20's V8 holds one); "
                "close unused domains, share one domain between functions that never run at the same time, "
                "or fall back to process isolation");
        err.Value().Set("domain", name);
        throw err;
      }
      const char* en = ErrnoName(ka.error);
      throw CodedError(env, code::kUnavailable,
                       std::string("pkey_alloc failed: ") + (en ? en : ("errno " + std::to_string(ka.error)).c_str()));
    }
    InstallFaultHandler();
    SetKeyLabel(ka.key, name);
    state_ = std::make_shared<DomainState>();
    state_->id = g_next_domain_id.fetch_add(1);
    state_->name = name;
    state_->pkey = ka.key;
    state_->heap = CreateHeap(ka.key, name);  // from here on the heap owns (and will free) the key
    state_->shares = std::move(shares);
    info.This().As<Napi::Object>().TypeTag(&kDomainTag);
  }

  static DomainWrap* UnwrapDomain(Napi::Env env, Napi::Value v) {
    if (!v.IsObject() || !v.As<Napi::Object>().CheckTypeTag(&kDomainTag)) {
      throw Napi::TypeError::New(env, "expected a NativeDomain");
    }
    DomainWrap* d = Unwrap(v.As<Napi::Object>());
    if (!d || !d->state_) throw Napi::TypeError::New(env, "expected a NativeDomain");
    return d;
  }

  const std::shared_ptr<DomainState>& state() const { return state_; }

 private:
  std::shared_ptr<ProtectedHeap> RequireOpen(Napi::Env env) {
    if (!state_ || !state_->heap) {
      throw CodedError(env, code::kDomainClosed, "domain \"" + (state_ ? state_->name : std::string()) + "\" is closed");
    }
    return state_->heap;
  }

  /** alloc(size) -> ArrayBuffer whose bytes live in this domain's protected heap. */
  Napi::Value Alloc(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::shared_ptr<ProtectedHeap> heap = RequireOpen(env);
    if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "size must be a number");
    const double requested = info[0].As<Napi::Number>().DoubleValue();
    if (!(requested >= 0) || requested > 4294967296.0 || requested != static_cast<double>(static_cast<uint64_t>(requested))) {
      throw Napi::RangeError::New(env, "size must be an integer between 0 and 2^32");
    }
    const size_t size = static_cast<size_t>(requested);
    if (auto cur = CurrentDomain()) {
      bool allowed = cur.get() == state_.get();
      for (const Share& s : cur->shares) allowed = allowed || (s.heap == heap && !s.read_only);
      if (!allowed) {
        Napi::Error err = CodedError(env, code::kAccessDenied,
                                     "domain \"" + cur->name + "\" may not allocate in the heap of domain \"" +
                                         state_->name + "\"");
        err.Value().Set("domain", state_->name);
        err.Value().Set("accessor", cur->name);
        throw err;
      }
    }
    if (size == 0) return Napi::ArrayBuffer::New(env, 0);  // nothing to protect
    void* p = heap->Allocate(size);
    if (!p) {
      const int e = errno;
      throw CodedError(env, code::kAllocFailed,
                       "allocating " + std::to_string(size) + " bytes in domain \"" + state_->name + "\" failed: " +
                           (ErrnoName(e) ? ErrnoName(e) : std::to_string(e).c_str()));
    }
    // Counted per view across threads: the block goes back to the heap when the last view is collected.
    return NewBlockBuffer(env, heap, p, size);
  }

  /** close(): no new allocations or enter(); key and pages go once the last buffer is collected. */
  Napi::Value Close(const Napi::CallbackInfo& info) {
    if (state_) state_->heap.reset();
    return info.Env().Undefined();
  }

  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    HeapStats s;
    if (state_ && state_->heap) s = state_->heap->Stats();
    o.Set("mappedBytes", static_cast<double>(s.mapped_bytes));
    o.Set("usedBytes", static_cast<double>(s.used_bytes));
    o.Set("allocations", static_cast<double>(s.allocations));
    o.Set("chunks", static_cast<double>(s.chunks));
    return o;
  }

  /** contains(view): whether the view's bytes lie in this domain's heap. */
  Napi::Value Contains(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ByteView v = GetByteView(env, info[0], "view");
    bool inside = state_ && state_->heap && v.length > 0 && state_->heap->Contains(v.data, v.length);
    return Napi::Boolean::New(env, inside);
  }

  Napi::Value Id(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), state_ ? state_->id : 0); }
  Napi::Value Name(const Napi::CallbackInfo& info) {
    return Napi::String::New(info.Env(), state_ ? state_->name : std::string());
  }
  Napi::Value Pkey(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), state_ ? state_->pkey : -1); }
  Napi::Value Closed(const Napi::CallbackInfo& info) {
    return Napi::Boolean::New(info.Env(), !state_ || !state_->heap);
  }

  std::shared_ptr<DomainState> state_;
};

/** ownerOf(view) -> { domain, pkey } | null: which live heap holds these bytes. */
Napi::Value OwnerOf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ByteView v = GetByteView(env, info[0], "view");
  if (v.length == 0) return env.Null();
  auto heap = FindHeapContaining(v.data, v.length);
  if (!heap) return env.Null();
  Napi::Object o = Napi::Object::New(env);
  o.Set("domain", heap->name());
  o.Set("pkey", heap->pkey());
  return o;
}

}  // namespace

void RequirePkru(Napi::Env env) {
  if (!PkruUsable()) {
    Napi::Error err = CodedError(env, code::kUnavailable,
                                 "protection keys are unavailable: " + PkruUnusableReason());
    err.Value().Set("reason", PkruUnusableReason());
    throw err;
  }
}

ByteView GetByteView(Napi::Env env, Napi::Value value, const char* what) {
  ByteView v;
  if (value.IsArrayBuffer()) {
    Napi::ArrayBuffer ab = value.As<Napi::ArrayBuffer>();
    v.data = static_cast<uint8_t*>(ab.Data());
    v.length = ab.ByteLength();
  } else if (value.IsTypedArray()) {
    Napi::TypedArray ta = value.As<Napi::TypedArray>();
    v.data = static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
    v.length = ta.ByteLength();
  } else if (value.IsDataView()) {
    Napi::DataView dv = value.As<Napi::DataView>();
    v.data = static_cast<uint8_t*>(dv.ArrayBuffer().Data()) + dv.ByteOffset();
    v.length = dv.ByteLength();
  } else {
    throw Napi::TypeError::New(env, std::string(what) + " must be an ArrayBuffer, a TypedArray or a DataView");
  }
  return v;
}

std::shared_ptr<DomainState> DomainFromJs(Napi::Env env, Napi::Value value) {
  return DomainWrap::UnwrapDomain(env, value)->state();
}

void InitDomain(Napi::Env env, Napi::Object exports) {
  exports.Set("NativeDomain", DomainWrap::Define(env));
  exports.Set("ownerOf", Napi::Function::New(env, OwnerOf, "ownerOf"));
}

}  // namespace fmpk
