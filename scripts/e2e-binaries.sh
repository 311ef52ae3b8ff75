#!/usr/bin/env bash
# Ensures the two binaries the end-to-end harness runs: kube-apiserver and etcd, built from Go
# modules (no downloads of prebuilt binaries). Each lands in .cache/e2e-bin/<name>-<version>/,
# keyed by the version pinned in test/e2e/<name>/go.mod, so a second run is instant and a version
# bump builds next to the old one. Called by .ci/run on a fresh machine and by the test harness
# (test/e2e/harness/binaries.ts) before every cluster start.
#
# Also the solver oracle (test/e2e/solver-oracle: cert-manager's own solver picking, for the
# certificate-dns solver table), keyed by the cert-manager version it pins and a hash of its
# sources. `scripts/e2e-binaries.sh solver-oracle` builds and prints only that one, without waiting
# for the long kube-apiserver build.
#
# stdout: "kube-apiserver <path>", "etcd <path>" and "solver-oracle <path>" (only the last with the
# solver-oracle argument). Build output goes to stderr.
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

mkdir -p "$cache"

oracle="$e2e/solver-oracle"
oracle_version="$(pinned "$oracle" github.com/cert-manager/cert-manager)"
oracle_hash="$(cat "$oracle/go.mod" "$oracle/go.sum" "$oracle"/*.go | sha256sum | cut -c1-12)"
oracle_bin="$cache/solver-oracle-$oracle_version-$oracle_hash/solver-oracle"
# Its own lock: a minute's build that must not queue behind kube-apiserver's twenty.
build_oracle() {
  exec 8>"$cache/.lock-solver-oracle"
  flock 8
  build "$oracle" "$oracle_bin" . -mod=mod
  exec 8>&-
}
if [ "${1:-}" = solver-oracle ]; then
  build_oracle
  echo "solver-oracle $oracle_bin"
  exit 0
fi

# Parallel test files may ask at the same time: one builds, the others wait for it.
exec 9>"$cache/.lock"
flock 9

# -X: without it the binary reports v0.0.0-master, and clients that check the server version
# (helm's kubeVersion) would see a nonsense version.
minor="${k8s_version#v1.}"
minor="${minor%%.*}"
build "$e2e/apiserver" "$apiserver_bin" k8s.io/kubernetes/cmd/kube-apiserver \
  -ldflags "-X k8s.io/component-base/version.gitVersion=$k8s_version -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
build "$e2e/etcd" "$etcd_bin" go.etcd.io/etcd/server/v3

build_oracle

echo "kube-apiserver $apiserver_bin"
echo "etcd $etcd_bin"
echo "solver-oracle $oracle_bin"
