{
  # One target: the N-API addon. node-addon-api is header-only; exceptions are enabled so that
  # C++ errors surface as JS exceptions (NAPI_CPP_EXCEPTIONS) instead of pending-exception checks.
  # Where JS can no longer run (a worker thread being terminated), such an error is dropped with the
  # worker (NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS): without it, node-addon-api threw a C++
  # exception out of the call and the whole process aborted (test/worker-terminate.test.ts).
  "targets": [
    {
      "target_name": "faastlane_mpk",
      "sources": [
        "src/addon.cc",
        "src/probe.cc",
        "src/keys.cc",
        "src/heap.cc",
        "src/fault.cc",
        "src/guarded.cc",
        "src/domain.cc",
        "src/handles.cc",
        "src/scope.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-fvisibility=hidden"]
    }
  ]
}
