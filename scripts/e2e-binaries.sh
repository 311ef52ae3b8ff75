#!/usr/bin/env bash
# Ensures the two binaries the end-to-end harness runs: kube-apiserver and etcd, built from Go
# modules (no downloads of prebuilt binaries). Each lands in .cache/e2e-bin/<name>-<version>/,
# keyed by the version pinned in test/e2e/<name>/go.mod, so a second run is instant and a version
# bump builds next to the old one. Called by .ci/run on a fresh machine and by the test harness
# (test/e2e/harness/binaries.ts) before every cluster start.
#
# stdout: two lines, "kube-apiserver <path>" and "etcd <path>". Build output goes to stderr.
# Needs: Go >= the go lines in the go.mod files (GO=..., else `go` on PATH, else /usr/local/go/bin/go)
# and the Go module proxy. A cold build takes ~20 min for kube-apiserver and ~2 min for etcd on 2 cores.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
e2e="$root/test/e2e"
cache="${CERTGUARD_E2E_BIN:-$root/.cache/e2e-bin}"
go="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"

# The version a module dir pins for a dependency, read from its go.mod (the one source of truth).
pinned() { awk -v m="$2" '$1 == m || ($1 == "require" && $2 == m) { print $NF; exit }' "$1/go.mod"; }

k8s_version="$(pinned "$e2e/apiserver" k8s.io/kubernetes)"
etcd_version="$(pinned "$e2e/etcd" go.etcd.io/etcd/server/v3)"
apiserver_bin="$cache/k8s-$k8s_version/kube-apiserver"
etcd_bin="$cache/etcd-$etcd_version/etcd"

# Builds into a temporary name and renames, so an interrupted build never looks cached.
build() { # build <module dir> <output> <package> [go build flags...]
  local dir="$1" out="$2" pkg="$3"
  shift 3
  [ -x "$out" ] && return 0
  mkdir -p "$(dirname "$out")"
  echo "e2e-binaries: building $pkg into $out (first run only; minutes)" >&2
  (cd "$dir" && GOFLAGS=-buildvcs=false nice -n 10 "$go" build "$@" -o "$out.partial" "$pkg") >&2
  mv -f "$out.partial" "$out"
}

# Parallel test files may ask at the same time: one builds, the others wait for it.
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9

# -X: without it the binary reports v0.0.0-master, and clients that check the server version
# (helm's kubeVersion) would see a nonsense version.
minor="${k8s_version#v1.}"
minor="${minor%%.*}"
build "$e2e/apiserver" "$apiserver_bin" k8s.io/kubernetes/cmd/kube-apiserver \
  -ldflags "-X k8s.io/component-base/version.gitVersion=$k8s_version -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
build "$e2e/etcd" "$etcd_bin" go.etcd.io/etcd/server/v3

echo "kube-apiserver $apiserver_bin"
echo "etcd $etcd_bin"
