{
  "targets": [
    {
      "target_name": "cni_ts_native",
      "sources": ["cni_ts_native.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-fvisibility=hidden"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
