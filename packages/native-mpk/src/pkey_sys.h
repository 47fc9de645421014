// Raw pkey_* system calls.
//
// Why raw syscalls: glibc only gained pkey_alloc & co. in 2.27 and some distributions build without
// them; the syscall numbers are stable ABI on x86-64 (329 pkey_mprotect, 330 pkey_alloc,
// 331 pkey_free). Each wrapper returns the result or -1 with errno set, like the libc functions.
#pragma once

#include <cerrno>
#include <cstddef>
#include <sys/syscall.h>
#include <unistd.h>

namespace fmpk {

#if defined(__linux__) && defined(__x86_64__)
#ifndef SYS_pkey_mprotect
#define SYS_pkey_mprotect 329
#endif
#ifndef SYS_pkey_alloc
#define SYS_pkey_alloc 330
#endif
#ifndef SYS_pkey_free
#define SYS_pkey_free 331
#endif

inline int SysPkeyAlloc(unsigned int flags, unsigned int access_rights) {
  return static_cast<int>(syscall(SYS_pkey_alloc, flags, access_rights));
}
inline int SysPkeyFree(int pkey) { return static_cast<int>(syscall(SYS_pkey_free, pkey)); }
inline int SysPkeyMprotect(void* addr, size_t len, int prot, int pkey) {
  return static_cast<int>(syscall(SYS_pkey_mprotect, addr, len, prot, pkey));
}
#else
inline int SysPkeyAlloc(unsigned int, unsigned int) { errno = ENOSYS; return -1; }
inline int SysPkeyFree(int) { errno = ENOSYS; return -1; }
inline int SysPkeyMprotect(void*, size_t, int, int) { errno = ENOSYS; return -1; }
#endif

/** "ENOSPC" etc. for the errno values pkey_alloc and pkey_mprotect can return. */
inline const char* ErrnoName(int e) {
  switch (e) {
    case EINVAL: return "EINVAL";
    case ENOSPC: return "ENOSPC";
    case ENOSYS: return "ENOSYS";
    case EPERM: return "EPERM";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    default: return nullptr;
  }
}

}  // namespace fmpk
