// Blocks of protected heaps that several threads may view at once, and handles that name them.
//
// Why: a block handed from one domain to another (through the shared heap) may be read on another
// thread (a worker). An ArrayBuffer belongs to one JS thread, so each thread that views the block gets
// its own ArrayBuffer over the same memory; the block is counted per view and returns to its heap
// only when the last view on any thread has been garbage-collected.
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <memory>

#include "heap.h"

namespace fmpk {

/**
 * A new ArrayBuffer over a freshly allocated block of `heap` (the block is registered, its first
 * view is this buffer). On failure the block is returned to the heap and the exception propagates.
 */
Napi::ArrayBuffer NewBlockBuffer(Napi::Env env, const std::shared_ptr<ProtectedHeap>& heap, void* p, size_t size);

/** Registers handleOf and viewOf. */
void InitHandles(Napi::Env env, Napi::Object exports);

}  // namespace fmpk
