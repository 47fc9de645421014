#include "heap.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sys/mman.h>
#include <unistd.h>

#include "keys.h"
#include "pkey_sys.h"
#include "pkru.h"

namespace fmpk {
namespace {

size_t PageSize() {
  static const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return page;
}

size_t RoundUp(size_t n, size_t to) { return (n + to - 1) / to * to; }

std::mutex g_registry_mu;
std::vector<std::weak_ptr<ProtectedHeap>> g_registry;

/** Grants the calling thread read/write on one key for the scope, then restores PKRU exactly. */
class ScopedKeyAccess {
 public:
  explicit ScopedKeyAccess(int key) : saved_(ReadPkru()) {
    WritePkru(WithKeyBits(saved_, key, static_cast<uint32_t>(KeyRights::kReadWrite)));
  }
  ~ScopedKeyAccess() { WritePkru(saved_); }

 private:
  const uint32_t saved_;
};

}  // namespace

ProtectedHeap::ProtectedHeap(int pkey, std::string name) : pkey_(pkey), name_(std::move(name)) {}

ProtectedHeap::~ProtectedHeap() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& c : chunks_) munmap(reinterpret_cast<void*>(c->base), c->size);
    chunks_.clear();
  }
  // Only now, with no page tagged with the key left, may the key go back to the kernel.
  ReleaseKey(pkey_);
}

ProtectedHeap::Chunk* ProtectedHeap::MapChunk(size_t bytes, bool large) {
  const size_t size = RoundUp(bytes, PageSize());
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  if (SysPkeyMprotect(p, size, PROT_READ | PROT_WRITE, pkey_) != 0) {
    int e = errno;
    munmap(p, size);
    errno = e;
    return nullptr;
  }
  auto c = std::make_unique<Chunk>();
  c->base = reinterpret_cast<uintptr_t>(p);
  c->size = size;
  c->large = large;
  if (!large) c->free_blocks.emplace(0, size);
  chunks_.push_back(std::move(c));
  return chunks_.back().get();
}

void ProtectedHeap::UnmapChunkLocked(size_t index) {
  Chunk* c = chunks_[index].get();
  munmap(reinterpret_cast<void*>(c->base), c->size);
  chunks_.erase(chunks_.begin() + static_cast<std::ptrdiff_t>(index));
}

ProtectedHeap::Chunk* ProtectedHeap::FindChunkLocked(uintptr_t addr, size_t* index) const {
  for (size_t i = 0; i < chunks_.size(); ++i) {
    const Chunk* c = chunks_[i].get();
    if (addr >= c->base && addr < c->base + c->size) {
      if (index) *index = i;
      return chunks_[i].get();
    }
  }
  return nullptr;
}

void* ProtectedHeap::Allocate(size_t size) {
  const size_t n = RoundUp(std::max<size_t>(size, 1), kAlign);
  std::lock_guard<std::mutex> lock(mu_);
  if (n > kLargeThreshold) {
    // Fresh anonymous pages are already zero: no access to the key is needed.
    Chunk* c = MapChunk(n, true);
    if (!c) return nullptr;
    c->used = n;
    ++live_allocations_;
    return reinterpret_cast<void*>(c->base);
  }
  // First fit over the small chunks.
  Chunk* chunk = nullptr;
  std::map<size_t, size_t>::iterator block;
  for (auto& c : chunks_) {
    if (c->large) continue;
    for (auto it = c->free_blocks.begin(); it != c->free_blocks.end(); ++it) {
      if (it->second >= n) {
        chunk = c.get();
        block = it;
        break;
      }
    }
    if (chunk) break;
  }
  if (!chunk) {
    chunk = MapChunk(kChunkSize, false);
    if (!chunk) return nullptr;
    block = chunk->free_blocks.begin();
  }
  const size_t offset = block->first;
  const size_t remaining = block->second - n;
  chunk->free_blocks.erase(block);
  if (remaining > 0) chunk->free_blocks.emplace(offset + n, remaining);
  chunk->used += n;
  ++live_allocations_;
  void* p = reinterpret_cast<void*>(chunk->base + offset);
  {
    // A reused block still holds an earlier allocation's bytes; ArrayBuffers start zeroed.
    ScopedKeyAccess grant(pkey_);
    std::memset(p, 0, n);
  }
  return p;
}

void ProtectedHeap::Free(void* p, size_t size) {
  const size_t n = RoundUp(std::max<size_t>(size, 1), kAlign);
  const uintptr_t addr = reinterpret_cast<uintptr_t>(p);
  std::lock_guard<std::mutex> lock(mu_);
  size_t index = 0;
  Chunk* c = FindChunkLocked(addr, &index);
  if (!c) return;
  --live_allocations_;
  if (c->large) {
    UnmapChunkLocked(index);
    return;
  }
  size_t offset = addr - c->base;
  size_t length = n;
  auto next = c->free_blocks.lower_bound(offset);
  if (next != c->free_blocks.end() && offset + length == next->first) {
    length += next->second;
    next = c->free_blocks.erase(next);
  }
  if (next != c->free_blocks.begin()) {
    auto prev = std::prev(next);
    if (prev->first + prev->second == offset) {
      offset = prev->first;
      length += prev->second;
      c->free_blocks.erase(prev);
    }
  }
  c->free_blocks.emplace(offset, length);
  c->used -= n;
  if (c->used == 0) {
    // Keep one empty small chunk for the next allocation; give further empty ones back.
    size_t small_chunks = 0;
    for (auto& other : chunks_) small_chunks += other->large ? 0 : 1;
    if (small_chunks > 1) UnmapChunkLocked(index);
  }
}

bool ProtectedHeap::Contains(const void* p, size_t len) const {
  const uintptr_t a = reinterpret_cast<uintptr_t>(p);
  std::lock_guard<std::mutex> lock(mu_);
  const Chunk* c = FindChunkLocked(a, nullptr);
  return c && a + len <= c->base + c->size;
}

HeapStats ProtectedHeap::Stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  HeapStats s;
  for (auto& c : chunks_) {
    s.mapped_bytes += c->size;
    s.used_bytes += c->used;
    s.chunks += 1;
  }
  s.allocations = live_allocations_;
  return s;
}

std::shared_ptr<ProtectedHeap> CreateHeap(int pkey, const std::string& name) {
  auto heap = std::make_shared<ProtectedHeap>(pkey, name);
  std::lock_guard<std::mutex> lock(g_registry_mu);
  g_registry.erase(std::remove_if(g_registry.begin(), g_registry.end(),
                                  [](const std::weak_ptr<ProtectedHeap>& w) { return w.expired(); }),
                   g_registry.end());
  g_registry.push_back(heap);
  return heap;
}

std::shared_ptr<ProtectedHeap> FindHeapContaining(const void* p, size_t len) {
  std::lock_guard<std::mutex> lock(g_registry_mu);
  for (auto& w : g_registry) {
    if (auto h = w.lock()) {
      if (h->Contains(p, len)) return h;
    }
  }
  return nullptr;
}

}  // namespace fmpk
