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

size_t CheckedRange(Napi::Env env, const ByteView& v, Napi::Value offset_v, Napi::Value length_v, const char* what) {
  const double offset = offset_v.IsUndefined() ? 0 : offset_v.ToNumber().DoubleValue();
  const double length = length_v.IsUndefined() ? static_cast<double>(v.length) - offset : length_v.ToNumber().DoubleValue();
  if (!(offset >= 0) || !(length >= 0) || offset + length > static_cast<double>(v.length) ||
      offset != static_cast<double>(static_cast<size_t>(offset)) || length != static_cast<double>(static_cast<size_t>(length))) {
    throw Napi::RangeError::New(env, std::string(what) + ": offset/length out of range");
  }
  return static_cast<size_t>(length);
}

size_t Offset(Napi::Value offset_v) {
  return offset_v.IsUndefined() ? 0 : static_cast<size_t>(offset_v.ToNumber().DoubleValue());
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

/** guardedRead(view, offset?, length?) -> Uint8Array copy in ordinary (unprotected) memory. */
Napi::Value GuardedRead(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ByteView src = GetByteView(env, info[0], "source");
  const size_t n = CheckedRange(env, src, info[1], info[2], "guardedRead");
  Napi::Uint8Array out = Napi::Uint8Array::New(env, n);
  CopyOrThrow(env, out.Data(), src.data + Offset(info[1]), n);
  return out;
}

/** guardedWrite(view, offset, bytes): copies all of `bytes` into view at offset. */
Napi::Value GuardedWrite(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ByteView dst = GetByteView(env, info[0], "target");
  ByteView src = GetByteView(env, info[2], "bytes");
  CheckedRange(env, dst, info[1], Napi::Number::New(env, static_cast<double>(src.length)), "guardedWrite");
  CopyOrThrow(env, dst.data + Offset(info[1]), src.data, src.length);
  return env.Undefined();
}

/** guardedCopy(dst, dstOffset, src, srcOffset, length). Overlapping ranges are not supported. */
Napi::Value GuardedCopyJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ByteView dst = GetByteView(env, info[0], "target");
  ByteView src = GetByteView(env, info[2], "source");
  const size_t n = CheckedRange(env, src, info[3], info[4], "guardedCopy source");
  CheckedRange(env, dst, info[1], Napi::Number::New(env, static_cast<double>(n)), "guardedCopy target");
  const uint8_t* s = src.data + Offset(info[3]);
  uint8_t* d = dst.data + Offset(info[1]);
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
