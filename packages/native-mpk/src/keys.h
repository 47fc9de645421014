// The addon's own protection keys: a process-wide registry.
//
// Why a registry: other code in the process may hold keys too (Node 20's V8 allocates one for
// wasm code). The addon must never free, and never change the PKRU bits of, a key it did not
// allocate itself, so every key the addon owns is recorded here. The registry is process-wide
// because the addon's shared object is loaded once per process but used by every Worker thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace fmpk {

struct KeyAllocation {
  int key = -1;  // the key, or -1
  int error = 0; // errno when key == -1
};

/**
 * Allocates a key for the addon. With `deny_here` the calling thread gets no access to it
 * (PKEY_DISABLE_ACCESS); otherwise the calling thread gets full access. Other threads keep
 * whatever PKRU bits they already had for that key number (the kernel does not touch them).
 */
KeyAllocation AllocateKey(bool deny_here);

/** Frees a key that AllocateKey returned; a key the addon does not own is left alone. */
void ReleaseKey(int key);

/** Bit k is set when the addon owns key k. */
uint32_t OwnedKeySet();

/**
 * Every key the addon has owned since it loaded, freed ones included. A freed key keeps its rights
 * on the threads that had them (`pkey_free` resets no PKRU), and may be taken again by a new domain:
 * `enter()` denies all of these, not only those owned at the moment.
 */
uint32_t EverOwnedKeySet();

/** Names the owner of a key (a domain), for error messages. */
void SetKeyLabel(int key, const std::string& label);
std::string KeyLabel(int key);

/** Longest label (bytes, with the NUL) that a fault report can carry. */
constexpr size_t kSignalLabelBytes = 96;

/**
 * The label of a key for a signal handler: async-signal-safe (a static buffer, no lock); "" when the
 * key has none or is out of range.
 */
const char* KeyLabelForSignal(int key);

struct FreeKeyCount {
  int count = 0;       // keys that could still be allocated right now
  int first_errno = 0; // errno of the pkey_alloc call that failed (ENOSPC once all are taken)
};

/**
 * Counts free keys by allocating until pkey_alloc fails, then freeing exactly the keys this call
 * allocated. Holds the registry lock, so concurrent domain creation cannot interleave with it.
 */
FreeKeyCount CountFreeKeys();

}  // namespace fmpk
