#!/usr/bin/env bash
# Installs what building, testing, benchmarking and the Kubernetes-path runs
# need on a fresh Debian 12 machine (root). `.ci/run` calls this too, so the
# README's setup command and CI cannot drift apart.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
apt-get update
# - kernel-facing tools the tests drive or compare against, and the reference
#   plugins (the oracle in /usr/lib/cni); Go + libcni for the runtime-side
#   tests and the cnitool build;
# - strip (binutils) for the build, a compiler and python3 for the native
#   addon that `npm ci` compiles through node-gyp;
# - containerd/runc/podman to run and load the installer image and for the
#   CRI-driven cluster (its pause image is built with gcc -static against
#   build-essential's static libc); openssl for the test API server's
#   certificate; shellcheck for deploy/kind;
# - the arm64 cross build: aarch64 gcc + binutils, qemu-user to run the arm64
#   Node for its blob and code cache and the arm64 tests, `file` for checks;
# - valgrind for the benchmark's instruction counts.
apt-get install -y --no-install-recommends \
  ca-certificates git iproute2 iptables nftables kmod procps iputils-ping util-linux \
  containernetworking-plugins golang-go golang-github-appc-cni-dev \
  binutils build-essential python3 tar gzip coreutils \
  containerd runc podman openssl shellcheck valgrind \
  gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross libstdc++6-arm64-cross qemu-user-static file
# npm is only the installer: the build and the tests run on the pinned Node 24
# from node_modules. Keep a preinstalled Node (it may not come from Debian,
# and Debian's npm would conflict with it); install Debian's only when absent.
if ! command -v npm >/dev/null; then
  apt-get install -y --no-install-recommends nodejs npm
fi

for module in bridge veth 8021q br_netfilter nf_tables; do
  modprobe "$module" 2>/dev/null || echo "modprobe $module failed (may be built in)"
done
