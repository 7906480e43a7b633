#!/usr/bin/env bash
# Create a kind cluster without a default CNI, install cni-ts from the image
# archive `npm run image` wrote, wait for every node to be Ready, then run the
# upstream conformance tests (every [Conformance] test, not only
# [sig-network]: webhooks, the aggregator, probes and lifecycle hooks cross
# the pod network too) with the e2e test binary and kubectl of the cluster's
# own Kubernetes version.
#
# Needs: docker, kind, curl, tar. Run from the repository root
# after `npm run image`:
#   deploy/kind/run-conformance.sh
# Environment:
#   CLUSTER_NAME   kind cluster name (default cni-ts)
#   KIND_CONFIG    kind cluster config (default deploy/kind/kind-config.yaml;
#                  deploy/kind/kind-config-dual.yaml for dual stack)
#   FOCUS          ginkgo focus (default every [Conformance] test)
#   NODE_IMAGE     kind node image (default: kind's own default)
#   KEEP_CLUSTER   1 = do not delete the cluster at the end
#   ARTIFACTS      where logs and the JUnit report go (default ./_artifacts)
#   GINKGO_NODES   parallel test processes (default 4)
set -euo pipefail

cd "$(dirname "$0")/../.."
CLUSTER_NAME="${CLUSTER_NAME:-cni-ts}"
KIND_CONFIG="${KIND_CONFIG:-deploy/kind/kind-config.yaml}"
FOCUS="${FOCUS:-\[Conformance\]}"
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

echo "::group::create cluster"
create_args=(--name "$CLUSTER_NAME" --config "$KIND_CONFIG" --wait 0s)
if [ -n "${NODE_IMAGE:-}" ]; then
  create_args+=(--image "$NODE_IMAGE")
fi
kind create cluster "${create_args[@]}"
# kubectl of the cluster's own version: the one in the control-plane node's image.
KUBECTL_DIR="$ARTIFACTS/kubectl"
mkdir -p "$KUBECTL_DIR"
docker cp "${CLUSTER_NAME}-control-plane:/usr/bin/kubectl" "$KUBECTL_DIR/kubectl"
export PATH="$KUBECTL_DIR:$PATH"
kubectl version
echo "::endgroup::"

echo "::group::install cni-ts"
kind load image-archive "$IMAGE_ARCHIVE" --name "$CLUSTER_NAME"
# The DaemonSet's init container image, pulled once instead of by every node.
INIT_IMAGE="$(sed -n 's/^ *image: \(busybox:.*\)$/\1/p' deploy/cni-ts.yaml)"
docker pull "$INIT_IMAGE"
kind load docker-image "$INIT_IMAGE" --name "$CLUSTER_NAME"
kubectl apply -f deploy/cni-ts.yaml
kubectl -n kube-system rollout status daemonset/cni-ts --timeout=300s
kubectl wait --for=condition=Ready nodes --all --timeout=300s
kubectl get nodes -o wide
kubectl -n kube-system logs daemonset/cni-ts --tail=50 || true
echo "::endgroup::"

echo "::group::e2e binaries"
SERVER_VERSION="$(kubectl version -o json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).serverVersion.gitVersion))')"
case "$SERVER_VERSION" in
  v[0-9]*.[0-9]*.[0-9]*) ;;
  *) echo "unexpected server version '$SERVER_VERSION'" >&2; exit 1 ;;
esac
E2E_DIR="$ARTIFACTS/e2e-$SERVER_VERSION"
mkdir -p "$E2E_DIR"
curl -fsSL "https://dl.k8s.io/${SERVER_VERSION}/kubernetes-test-linux-${ARCH}.tar.gz" |
  tar -xz -C "$E2E_DIR" --strip-components=3 kubernetes/test/bin/e2e.test kubernetes/test/bin/ginkgo
echo "::endgroup::"

echo "::group::Conformance ($FOCUS)"
"$E2E_DIR/ginkgo" --nodes="$GINKGO_NODES" \
  --focus="$FOCUS" \
  --skip='\[Serial\]|\[Disruptive\]' \
  "$E2E_DIR/e2e.test" -- \
  --kubeconfig="${KUBECONFIG:-$HOME/.kube/config}" \
  --provider=skeleton \
  --report-dir="$ARTIFACTS"
echo "::endgroup::"
