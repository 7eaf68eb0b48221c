{
  "targets": [
    {
      "target_name": "quantscope_native",
      "sources": ["quantscope.cc", "rows.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      # -fno-trapping-math lets g++ vectorize loops with selects (rows.cc's exp); nothing here reads
      # floating-point exception flags, so results are unchanged. -ffp-contract=off keeps a·b + c two
      # roundings in rows.cc's AVX2 clones as in its SSE2 baseline.
      "cflags_cc": ["-O3", "-std=c++17", "-fno-trapping-math", "-ffp-contract=off"],
      "libraries": ["-lopenblas"]
    }
  ]
}
