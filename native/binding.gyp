{
  "targets": [
    {
      "target_name": "cni_ts_native",
      "sources": ["addon.c", "netns.c", "netlink.c", "flock.c", "spawn.c", "sha2.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-fvisibility=hidden"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
