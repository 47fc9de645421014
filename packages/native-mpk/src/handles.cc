#include "handles.h"

#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

#include "domain.h"
#include "errors.h"

namespace fmpk {
namespace {

// One allocated block. `views` counts the ArrayBuffers over it on every thread.
struct Block {
  uint64_t id = 0;
  std::shared_ptr<ProtectedHeap> heap;
  void* p = nullptr;
  size_t size = 0;
  int views = 0;  // guarded by g_mu
};

std::mutex g_mu;
std::unordered_map<uint64_t, Block*> g_by_id;  // guarded by g_mu
std::map<uintptr_t, Block*> g_by_address;      // guarded by g_mu; key: the block's start
uint64_t g_next_id = 1;                        // guarded by g_mu; never reused, so a stale handle is detected

/** Drops one view; the last one returns the block to its heap. */
void ReleaseView(Block* b) {
  {
    std::lock_guard<std::mutex> lock(g_mu);
    if (--b->views > 0) return;
    g_by_id.erase(b->id);
    g_by_address.erase(reinterpret_cast<uintptr_t>(b->p));
  }
  b->heap->Free(b->p, b->size);
  delete b;
}

/** One ArrayBuffer over (part of) a block: its finalizer releases the block's view and the memory it reported. */
struct View {
  Block* block;
  size_t length;
};

/**
 * An ArrayBuffer over `length` bytes of the block from `offset`, counted as one of its views (the
 * caller already counted it). Only those bytes: a handle to part of a block opens no more than that part.
 */
Napi::ArrayBuffer ViewBuffer(Napi::Env env, Block* b, size_t offset, size_t length) {
  auto* view = new View{b, length};
  Napi::ArrayBuffer ab;
  try {
    // The finalizer runs on this JS thread once no view of this buffer remains.
    ab = Napi::ArrayBuffer::New(
        env, static_cast<uint8_t*>(b->p) + offset, length,
        [](Napi::Env fenv, void*, View* v) {
          Napi::MemoryManagement::AdjustExternalMemory(fenv, -static_cast<int64_t>(v->length));
          ReleaseView(v->block);
          delete v;
        },
        view);
  } catch (...) {
    delete view;
    ReleaseView(b);
    throw;
  }
  Napi::MemoryManagement::AdjustExternalMemory(env, static_cast<int64_t>(length));
  return ab;
}

/** The block whose memory holds [p, p+len), or nullptr. Caller holds g_mu. */
Block* FindLocked(const uint8_t* p, size_t len) {
  const uintptr_t a = reinterpret_cast<uintptr_t>(p);
  auto it = g_by_address.upper_bound(a);
  if (it == g_by_address.begin()) return nullptr;
  --it;
  Block* b = it->second;
  const uintptr_t lo = reinterpret_cast<uintptr_t>(b->p);
  return a >= lo && a + len <= lo + b->size ? b : nullptr;
}

/** handleOf(view) -> { id, offset, length, domain }: names the bytes of `view` for another thread. */
Napi::Value HandleOf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1) throw Napi::TypeError::New(env, "handleOf needs a view");
  ByteView v = GetByteView(env, info[0], "view");
  uint64_t id = 0;
  size_t offset = 0;
  std::string domain;
  {
    std::lock_guard<std::mutex> lock(g_mu);
    Block* b = v.length > 0 ? FindLocked(v.data, v.length) : nullptr;
    if (b) {
      id = b->id;
      offset = static_cast<size_t>(v.data - static_cast<uint8_t*>(b->p));
      domain = b->heap->name();
    }
  }
  if (id == 0) throw CodedError(env, code::kUsage, "handleOf: the view is not memory of a protected heap (allocate it from a domain)");
  Napi::Object o = Napi::Object::New(env);
  o.Set("id", static_cast<double>(id));
  o.Set("offset", static_cast<double>(offset));
  o.Set("length", static_cast<double>(v.length));
  o.Set("domain", domain);
  return o;
}

/** viewOf(handle) -> Uint8Array over the same memory, on this thread. */
Napi::Value ViewOf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "viewOf needs a handle from handleOf()");
  Napi::Object h = info[0].As<Napi::Object>();
  const double id = h.Get("id").ToNumber().DoubleValue();
  const double offset = h.Get("offset").ToNumber().DoubleValue();
  const double length = h.Get("length").ToNumber().DoubleValue();
  if (!(id >= 1) || !(offset >= 0) || !(length >= 0)) throw Napi::TypeError::New(env, "viewOf: not a handle (id, offset, length)");
  Block* b = nullptr;
  {
    std::lock_guard<std::mutex> lock(g_mu);
    auto it = g_by_id.find(static_cast<uint64_t>(id));
    if (it != g_by_id.end() && offset + length <= static_cast<double>(it->second->size)) {
      b = it->second;
      ++b->views;
    }
  }
  if (!b) {
    throw CodedError(env, code::kUsage,
                     "viewOf: the memory of this handle is gone (no view reached it any more: keep a view alive until "
                     "the receiver has opened the handle) or the handle is out of its block's range");
  }
  Napi::ArrayBuffer ab = ViewBuffer(env, b, static_cast<size_t>(offset), static_cast<size_t>(length));
  return Napi::Uint8Array::New(env, static_cast<size_t>(length), ab, 0);
}

}  // namespace

Napi::ArrayBuffer NewBlockBuffer(Napi::Env env, const std::shared_ptr<ProtectedHeap>& heap, void* p, size_t size) {
  auto* b = new Block{0, heap, p, size, 1};
  {
    std::lock_guard<std::mutex> lock(g_mu);
    b->id = g_next_id++;
    g_by_id.emplace(b->id, b);
    g_by_address.emplace(reinterpret_cast<uintptr_t>(p), b);
  }
  return ViewBuffer(env, b, 0, size);
}

void InitHandles(Napi::Env env, Napi::Object exports) {
  exports.Set("handleOf", Napi::Function::New(env, HandleOf, "handleOf"));
  exports.Set("viewOf", Napi::Function::New(env, ViewOf, "viewOf"));
}

}  // namespace fmpk
