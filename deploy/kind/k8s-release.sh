# shellcheck shell=bash
# Sourced by run-conformance.sh: fetch Kubernetes release files from
# dl.k8s.io and check each against the SHA-256 the release publishes beside
# it (<file>.sha256), so a truncated or substituted download never runs.
# K8S_RELEASE_URL overrides the base URL (a mirror, or a test's own server).

K8S_RELEASE_URL="${K8S_RELEASE_URL:-https://dl.k8s.io}"

# k8s_check_version VERSION: only a release tag (vMAJOR.MINOR.PATCH, or a
# -alpha.N, -beta.N or -rc.N pre-release) is put into a URL or a path.
k8s_check_version() {
  if ! [[ "$1" =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-(alpha|beta|rc)\.[0-9]+)?$ ]]; then
    echo "not a Kubernetes release version: '$1'" >&2
    return 1
  fi
}

# k8s_fetch_verified PATH DEST: download $K8S_RELEASE_URL/PATH to DEST only if
# its SHA-256 is the published one; nothing is left at DEST otherwise.
k8s_fetch_verified() {
  local path="$1" dest="$2" expected actual
  expected="$(curl -fsSL --max-time 60 "$K8S_RELEASE_URL/$path.sha256")" || return 1
  expected="${expected%%[[:space:]]*}"
  if ! [[ "$expected" =~ ^[0-9a-f]{64}$ ]]; then
    echo "$path.sha256: not a SHA-256" >&2
    return 1
  fi
  curl -fsSL --max-time 900 -o "$dest.part" "$K8S_RELEASE_URL/$path" || { rm -f "$dest.part"; return 1; }
  actual="$(sha256sum "$dest.part")"
  actual="${actual%% *}"
  if [ "$actual" != "$expected" ]; then
    rm -f "$dest.part"
    echo "$path: SHA-256 $actual is not the published $expected" >&2
    return 1
  fi
  mv "$dest.part" "$dest"
}

# k8s_install_kubectl VERSION ARCH DIR: DIR/kubectl of exactly that release.
k8s_install_kubectl() {
  local version="$1" arch="$2" dir="$3"
  k8s_check_version "$version" || return 1
  mkdir -p "$dir"
  k8s_fetch_verified "release/$version/bin/linux/$arch/kubectl" "$dir/kubectl" || return 1
  chmod 0755 "$dir/kubectl"
}
