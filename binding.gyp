# Native kernels of kotodama as one Node-API addon (build/Release/kotodama.node).
# Kernels are plain C11 with no Node specifics (they will also compile to WebAssembly); only native/binding/
# knows about Node-API. Each instruction set is a static library compiled with its own flags; the CPU is
# checked at run time (native/generic/cpu.c) and the best available path is used.
{
  "target_defaults": {
    "cflags": ["-O3", "-std=c11", "-fPIC", "-fno-math-errno", "-Wall", "-Wextra", "-Wno-unused-parameter"],
    "cflags!": ["-O2"],
    "include_dirs": ["native/include"],
    "defines": ["_GNU_SOURCE"],
  },
  "targets": [
    {
      "target_name": "kd_generic",
      "type": "static_library",
      "sources": ["<!@(node scripts/list-sources.mjs native/generic)"],
    },
    {
      "target_name": "kd_avx2",
      "type": "static_library",
      "cflags": ["-mavx2", "-mfma", "-mf16c"],
      "sources": ["<!@(node scripts/list-sources.mjs native/avx2)"],
    },
    {
      "target_name": "kd_avx512",
      "type": "static_library",
      "cflags": ["-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512dq", "-mavx2", "-mfma", "-mf16c"],
      "sources": ["<!@(node scripts/list-sources.mjs native/avx512)"],
    },
    {
      "target_name": "kotodama",
      "dependencies": ["kd_generic", "kd_avx2", "kd_avx512"],
      "sources": ["<!@(node scripts/list-sources.mjs native/binding)"],
      "libraries": ["-lpthread", "-ldl", "-lm"],
      # Never unmapped once loaded: gemm.c keeps per-thread scratch behind a pthread key whose destructor runs at
      # thread exit. A Node worker that loaded the addon unloads it when it exits, before its threads' destructors
      # run, which then jump into unmapped code (a segfault; tests/native-worker.test.ts). -z nodelete is the
      # standard fix for a shared library with thread-exit destructors (as RTLD_NODELETE).
      "ldflags": ["-Wl,-z,nodelete"],
    },
  ],
}
