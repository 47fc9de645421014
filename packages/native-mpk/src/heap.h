// A protected heap: pages tagged with one protection key, carved into allocations.
//
// Lifetime: the heap owns its key. It is shared (shared_ptr) by its domain and by every
// ArrayBuffer allocated from it, so the pages and the key outlive the domain until the last view
// is garbage-collected. Only then are the pages unmapped and, after that, the key freed, so a
// recycled key can never expose a dead domain's pages to a new domain.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace fmpk {

struct HeapStats {
  size_t mapped_bytes = 0;   // bytes of pages mapped with this heap's key
  size_t used_bytes = 0;     // bytes handed out and not yet freed (rounded to the alignment)
  size_t allocations = 0;    // live allocations
  size_t chunks = 0;         // separate mappings
};

class ProtectedHeap {
 public:
  /** Takes ownership of `pkey` (which must come from AllocateKey). */
  ProtectedHeap(int pkey, std::string name);
  ~ProtectedHeap();
  ProtectedHeap(const ProtectedHeap&) = delete;
  ProtectedHeap& operator=(const ProtectedHeap&) = delete;

  /**
   * Returns `size` zeroed bytes tagged with this heap's key, or nullptr with errno set
   * (ENOMEM from mmap, or the pkey_mprotect error). Zeroing a reused block briefly grants
   * the calling thread access to the key.
   */
  void* Allocate(size_t size);
  /** Returns an allocation; `size` is the size that was asked for. */
  void Free(void* p, size_t size);
  /** True when [p, p+len) lies inside this heap's pages. */
  bool Contains(const void* p, size_t len) const;
  HeapStats Stats() const;

  int pkey() const { return pkey_; }
  const std::string& name() const { return name_; }

  static constexpr size_t kAlign = 16;
  static constexpr size_t kChunkSize = 256 * 1024;    // small allocations share chunks of this size
  static constexpr size_t kLargeThreshold = 64 * 1024; // bigger ones get their own mapping

 private:
  struct Chunk {
    uintptr_t base = 0;
    size_t size = 0;
    bool large = false;
    size_t used = 0;
    std::map<size_t, size_t> free_blocks;  // offset -> length, coalesced
  };

  Chunk* MapChunk(size_t bytes, bool large);
  void UnmapChunkLocked(size_t index);
  Chunk* FindChunkLocked(uintptr_t addr, size_t* index) const;

  const int pkey_;
  const std::string name_;
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Chunk>> chunks_;
  size_t live_allocations_ = 0;
};

/** The heap whose pages contain [p, p+len), if any live heap does (used to name fault owners). */
std::shared_ptr<ProtectedHeap> FindHeapContaining(const void* p, size_t len);

/** Creates a heap and registers it for FindHeapContaining. */
std::shared_ptr<ProtectedHeap> CreateHeap(int pkey, const std::string& name);

}  // namespace fmpk
