// Guarded accessors: copies that obey the calling thread's PKRU and turn a protection-key fault into
// a JS error naming the domain whose memory was touched, instead of killing the process.
#include <string>

#include "domain.h"
#include "errors.h"
#include "fault.h"
#include "keys.h"
#include "probe.h"

namespace fmpk {
namespace {

/**
 * An offset or length argument: a number, or `fallback` when undefined. Only numbers: converting an
 * object would run its `valueOf`, JS that could then change the argument, or detach or shrink the
 * buffer, between the range check and the copy.
 */
double NumberArg(Napi::Env env, Napi::Value v, double fallback, const char* what) {
  if (v.IsUndefined()) return fallback;
  if (!v.IsNumber()) throw Napi::TypeError::New(env, std::string(what) + ": offset and length must be numbers");
  return v.As<Napi::Number>().DoubleValue();
}

/** Whole, non-negative, and within `view_length` together; the range is then safe to copy. */
void CheckRange(Napi::Env env, size_t view_length, double offset, double length, const char* what) {
  if (!(offset >= 0) || !(length >= 0) || offset + length > static_cast<double>(view_length) ||
      offset != static_cast<double>(static_cast<size_t>(offset)) || length != static_cast<double>(static_cast<size_t>(length))) {
    throw Napi::RangeError::New(env, std::string(what) + ": offset/length out of range");
  }
}

/** Copies, or throws ERR_MPK_PROTECTION_FAULT naming the owner of the faulting key. */
void CopyOrThrow(Napi::Env env, uint8_t* dst, const uint8_t* src, size_t n) {
  if (n == 0) return;
  RequirePkru(env);
  InstallFaultHandler();
  FaultInfo f = GuardedCopy(dst, src, n);
  if (f.no_slot) throw CodedError(env, code::kUsage, "too many threads in guarded copies at once (64)");
  if (!f.faulted) return;
  const uintptr_t s = reinterpret_cast<uintptr_t>(src);
  const bool on_read = f.address >= s && f.address < s + n;
  std::string owner = KeyLabel(f.pkey);
  if (owner.empty()) owner = "pkey " + std::to_string(f.pkey);
  auto cur = CurrentDomain();
  const std::string accessor = cur ? "domain \"" + cur->name + "\"" : "code outside any domain";
  char addr[32];
  std::snprintf(addr, sizeof addr, "0x%llx", static_cast<unsigned long long>(f.address));
  Napi::Error err = CodedError(env, code::kProtectionFault,
                               "protection fault: " + accessor + " may not " + (on_read ? "read" : "write") +
                                   " memory of domain \"" + owner + "\" (pkey " + std::to_string(f.pkey) + ", address " +
                                   addr + ")");
  err.Value().Set("domain", owner);
  err.Value().Set("pkey", f.pkey);
  err.Value().Set("access", on_read ? "read" : "write");
  err.Value().Set("address", std::string(addr));
  if (cur) err.Value().Set("accessor", cur->name);
  throw err;
}

// Each accessor reads its numeric arguments first (numbers only: no JS runs after), then takes the
// buffers' addresses and lengths, checks the ranges against them, and copies from exactly those.

/** guardedRead(view, offset?, length?) -> Uint8Array copy in ordinary (unprotected) memory. */
Napi::Value GuardedRead(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const double offset = NumberArg(env, info[1], 0, "guardedRead");
  const double length_arg = NumberArg(env, info[2], -1, "guardedRead");
  const ByteView src = GetByteView(env, info[0], "source");
  const double length = info[2].IsUndefined() ? static_cast<double>(src.length) - offset : length_arg;
  CheckRange(env, src.length, offset, length, "guardedRead");
  const size_t n = static_cast<size_t>(length);
  Napi::Uint8Array out = Napi::Uint8Array::New(env, n);
  CopyOrThrow(env, out.Data(), src.data + static_cast<size_t>(offset), n);
  return out;
}

/** guardedWrite(view, offset, bytes): copies all of `bytes` into view at offset. */
Napi::Value GuardedWrite(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const double offset = NumberArg(env, info[1], 0, "guardedWrite");
  const ByteView dst = GetByteView(env, info[0], "target");
  const ByteView src = GetByteView(env, info[2], "bytes");
  CheckRange(env, dst.length, offset, static_cast<double>(src.length), "guardedWrite");
  CopyOrThrow(env, dst.data + static_cast<size_t>(offset), src.data, src.length);
  return env.Undefined();
}

/** guardedCopy(dst, dstOffset, src, srcOffset, length). Overlapping ranges are not supported. */
Napi::Value GuardedCopyJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const double dst_offset = NumberArg(env, info[1], 0, "guardedCopy");
  const double src_offset = NumberArg(env, info[3], 0, "guardedCopy");
  const double length_arg = NumberArg(env, info[4], -1, "guardedCopy");
  const ByteView dst = GetByteView(env, info[0], "target");
  const ByteView src = GetByteView(env, info[2], "source");
  const double length = info[4].IsUndefined() ? static_cast<double>(src.length) - src_offset : length_arg;
  CheckRange(env, src.length, src_offset, length, "guardedCopy source");
  CheckRange(env, dst.length, dst_offset, length, "guardedCopy target");
  const size_t n = static_cast<size_t>(length);
  const uint8_t* s = src.data + static_cast<size_t>(src_offset);
  uint8_t* d = dst.data + static_cast<size_t>(dst_offset);
  if (d < s + n && s < d + n) throw Napi::RangeError::New(env, "guardedCopy: ranges overlap");
  CopyOrThrow(env, d, s, n);
  return env.Undefined();
}

/** reportFaultsTo(fd: number): where an unguarded (fatal) protection-key fault is reported; -1: nowhere. */
Napi::Value ReportFaultsToJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "reportFaultsTo: fd must be a number");
  const int fd = info[0].As<Napi::Number>().Int32Value();
  if (fd < -1) throw Napi::RangeError::New(env, "reportFaultsTo: fd must be -1 or a file descriptor");
  ReportFaultsTo(fd);
  return env.Undefined();
}

}  // namespace

void InitGuarded(Napi::Env env, Napi::Object exports) {
  exports.Set("guardedRead", Napi::Function::New(env, GuardedRead, "guardedRead"));
  exports.Set("guardedWrite", Napi::Function::New(env, GuardedWrite, "guardedWrite"));
  exports.Set("guardedCopy", Napi::Function::New(env, GuardedCopyJs, "guardedCopy"));
  exports.Set("reportFaultsTo", Napi::Function::New(env, ReportFaultsToJs, "reportFaultsTo"));
}

}  // namespace fmpk
