#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine (root) needs to build cni-ts, run
# `npm run demo` (also against the reference plugins) and `npm run try`.
# With --full it adds what the whole test suite, the conformance runs, the
# arm64 build and the benchmark need; `.ci/run` uses --full, so the README's
# setup commands and CI cannot drift apart.
set -euo pipefail

full=false
case "${1:-}" in
  "") ;;
  --full) full=true ;;
  *) echo "usage: $0 [--full]" >&2; exit 2 ;;
esac

export DEBIAN_FRONTEND=noninteractive
apt-get update
# Light: kernel-facing tools the plugins, demo and try drive (iproute2,
# iptables/nftables for ipMasq, jq for try's CHECK by hand), the reference
# plugins in /usr/lib/cni (demo --reference), and what `npm ci` and the build
# use (a compiler and python3 for the native addon through node-gyp, strip).
packages=(
  ca-certificates git iproute2 iptables nftables kmod procps iputils-ping util-linux jq
  containernetworking-plugins
  binutils build-essential python3 tar gzip coreutils
)
if $full; then
  # - Go + libcni for the runtime-side tests and the cnitool build;
  # - containerd/runc/podman to run and load the installer image and for the
  #   CRI-driven cluster (its pause image is built with gcc -static against
  #   build-essential's static libc); openssl for the test API server's
  #   certificate; shellcheck for deploy/kind;
  # - the arm64 cross build: aarch64 gcc + binutils, qemu-user to run the arm64
  #   Node for its blob and code cache and the arm64 tests, `file` for checks;
  # - valgrind for the benchmark's instruction counts.
  packages+=(
    golang-go golang-github-appc-cni-dev
    containerd runc podman openssl shellcheck valgrind
    gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross libstdc++6-arm64-cross qemu-user-static file
  )
fi
apt-get install -y --no-install-recommends "${packages[@]}"
# npm is only the installer: the build and the tests run on the pinned Node 24
# from node_modules. Keep a preinstalled Node (it may not come from Debian,
# and Debian's npm would conflict with it); install Debian's only when absent.
if ! command -v npm >/dev/null; then
  apt-get install -y --no-install-recommends nodejs npm
fi

# Load what the plugins use; a module built into the kernel needs nothing and
# says nothing.
builtin="/lib/modules/$(uname -r)/modules.builtin"
for module in bridge veth 8021q br_netfilter nf_tables; do
  [ -d "/sys/module/$module" ] && continue
  [ -r "$builtin" ] && grep -q "/$module\.ko" "$builtin" && continue
  modprobe "$module" 2>/dev/null || echo "setup-debian: kernel module $module is neither loaded nor loadable; features that need it will fail" >&2
done
