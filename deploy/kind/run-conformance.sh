#!/usr/bin/env bash
# Create a kind cluster without a default CNI, install cni-ts from the image
# archive `npm run image` wrote, wait for every node to be Ready, then run
# every upstream [Conformance] test with the e2e test binary of the cluster's
# own Kubernetes version: not only [sig-network], since webhooks, the
# aggregated API, probes and lifecycle hooks all cross the pod network too.
#
# [Serial] tests are skipped (as kind's own parallel e2e runs do): they need
# the whole cluster to themselves, a second one-at-a-time pass that mostly
# exercises the scheduler, quotas and namespace deletion rather than the
# network. [Disruptive] ones are skipped as they restart nodes or
# components. E2E_FOCUS and E2E_SKIP override the two regexes.
#
# Needs: docker, kind, curl, tar, sha256sum, node. Run from the repository
# root after `npm run image`:
#   deploy/kind/run-conformance.sh [--ip-family ipv4|dual]
# --ip-family dual uses kind-config-dual.yaml (an IPv4 and an IPv6 pod CIDR
# per node) and adds upstream's [Feature:IPv6DualStack] tests to the focus.
#
# kubectl and the e2e binaries are downloaded for the exact version the
# cluster runs (its nodes' /kind/version, checked against the API server's
# own answer) and checked against the SHA-256 the release publishes.
# Environment:
#   CLUSTER_NAME   kind cluster name (default cni-ts)
#   NODE_IMAGE     kind node image (default: kind's own default)
#   KEEP_CLUSTER   1 = do not delete the cluster at the end
#   ARTIFACTS      where logs and the JUnit report go (default ./_artifacts)
#   GINKGO_NODES   parallel test processes (default 4)
set -euo pipefail

usage() {
  echo "usage: $0 [--ip-family ipv4|dual]" >&2
  exit 2
}
IP_FAMILY=ipv4
while [ "$#" -gt 0 ]; do
  case "$1" in
    --ip-family)
      [ "$#" -ge 2 ] || usage
      IP_FAMILY="$2"
      shift 2
      ;;
    *) usage ;;
  esac
done

cd "$(dirname "$0")/../.."
# shellcheck source=deploy/kind/k8s-release.sh
. deploy/kind/k8s-release.sh
FOCUS='\[Conformance\]'
case "$IP_FAMILY" in
  ipv4) KIND_CONFIG=deploy/kind/kind-config.yaml ;;
  dual)
    KIND_CONFIG=deploy/kind/kind-config-dual.yaml
    FOCUS='\[Conformance\]|\[Feature:IPv6DualStack\]'
    ;;
  *) usage ;;
esac
FOCUS="${E2E_FOCUS:-$FOCUS}"
SKIP="${E2E_SKIP:-\[Serial\]|\[Disruptive\]}"
CLUSTER_NAME="${CLUSTER_NAME:-cni-ts}"
ARTIFACTS="${ARTIFACTS:-$PWD/_artifacts}"
GINKGO_NODES="${GINKGO_NODES:-4}"
VERSION="$(node -p 'require("./package.json").version')"
ARCH="$(uname -m)"
case "$ARCH" in
  x86_64) ARCH=amd64 ;;
  aarch64 | arm64) ARCH=arm64 ;;
  *) echo "unsupported architecture $ARCH" >&2; exit 1 ;;
esac
IMAGE_ARCHIVE="dist/cni-ts-image-linux-${ARCH}-v${VERSION}.tar"
[ -f "$IMAGE_ARCHIVE" ] || { echo "$IMAGE_ARCHIVE is missing: run npm run image -- --arch $ARCH" >&2; exit 1; }
mkdir -p "$ARTIFACTS"

cleanup() {
  local status=$?
  if [ "$status" -ne 0 ]; then
    kind export logs "$ARTIFACTS/kind-logs" --name "$CLUSTER_NAME" || true
  fi
  if [ "${KEEP_CLUSTER:-0}" != 1 ]; then
    kind delete cluster --name "$CLUSTER_NAME" || true
  fi
  exit "$status"
}
trap cleanup EXIT

echo "::group::create cluster ($IP_FAMILY)"
create_args=(--name "$CLUSTER_NAME" --config "$KIND_CONFIG" --wait 0s)
if [ -n "${NODE_IMAGE:-}" ]; then
  create_args+=(--image "$NODE_IMAGE")
fi
kind create cluster "${create_args[@]}"
echo "::endgroup::"

echo "::group::kubectl of the cluster's version"
K8S_VERSION="$(docker exec "${CLUSTER_NAME}-control-plane" cat /kind/version)"
k8s_check_version "$K8S_VERSION"
TOOLS="$PWD/dist/k8s-$K8S_VERSION" # not under ARTIFACTS, which CI uploads: e2e.test is large
k8s_install_kubectl "$K8S_VERSION" "$ARCH" "$TOOLS"
export PATH="$TOOLS:$PATH"
SERVER_VERSION="$(kubectl version -o json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).serverVersion.gitVersion))')"
if [ "$SERVER_VERSION" != "$K8S_VERSION" ]; then
  echo "the API server says $SERVER_VERSION, the nodes say $K8S_VERSION" >&2
  exit 1
fi
kubectl version
echo "::endgroup::"

echo "::group::install cni-ts"
kind load image-archive "$IMAGE_ARCHIVE" --name "$CLUSTER_NAME"
kubectl apply -f deploy/cni-ts.yaml
kubectl -n kube-system rollout status daemonset/cni-ts --timeout=300s
kubectl wait --for=condition=Ready nodes --all --timeout=300s
kubectl get nodes -o wide
kubectl get nodes -o 'custom-columns=NAME:.metadata.name,POD-CIDRS:.spec.podCIDRs'
kubectl -n kube-system logs daemonset/cni-ts --tail=50 || true
echo "::endgroup::"

echo "::group::e2e binaries"
k8s_fetch_verified "release/$K8S_VERSION/kubernetes-test-linux-${ARCH}.tar.gz" "$TOOLS/kubernetes-test.tar.gz"
tar -xzf "$TOOLS/kubernetes-test.tar.gz" -C "$TOOLS" --strip-components=3 kubernetes/test/bin/e2e.test kubernetes/test/bin/ginkgo
rm -f "$TOOLS/kubernetes-test.tar.gz"
echo "::endgroup::"

echo "::group::Conformance ($IP_FAMILY): focus $FOCUS, skip $SKIP"
"$TOOLS/ginkgo" --nodes="$GINKGO_NODES" --timeout=3h \
  --focus="$FOCUS" \
  --skip="$SKIP" \
  "$TOOLS/e2e.test" -- \
  --kubeconfig="${KUBECONFIG:-$HOME/.kube/config}" \
  --kubectl-path="$TOOLS/kubectl" \
  --provider=skeleton \
  --report-dir="$ARTIFACTS"
echo "::endgroup::"
