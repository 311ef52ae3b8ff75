#!/usr/bin/env bash
# Ensures the binaries the end-to-end harness runs: kube-apiserver, kube-controller-manager, etcd,
# cert-manager's controller and Traefik, built from Go modules (no downloads of prebuilt
# binaries). Each lands in .cache/e2e-bin/<name>-<version>/, keyed by the version pinned in the
# go.mod of its module dir under test/e2e/, so a second run is instant and a version
# bump builds next to the old one. Called by .ci/run on a fresh machine and by the test harness
# (test/e2e/harness/binaries.ts) before every cluster start.
#
# Also the solver oracle (test/e2e/solver-oracle: cert-manager's own solver picking, for the
# certificate-dns solver table), keyed by the cert-manager version it pins and a hash of its
# sources. `scripts/e2e-binaries.sh solver-oracle` builds and prints only that one, without waiting
# for the long kube-apiserver build.
#
# stdout: one "<name> <path>" line per binary (only solver-oracle's with the solver-oracle
# argument). Build output goes to stderr.
# Needs: Go >= the go lines in the go.mod files (GO=..., else `go` on PATH, else /usr/local/go/bin/go)
# and the Go module proxy. Cold build times on 2 cores are in docs/e2e.md (Traefik and kube-apiserver
# dominate).
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
controller_manager_bin="$cache/k8s-$k8s_version/kube-controller-manager"
cert_manager_version="$(pinned "$e2e/cert-manager" github.com/cert-manager/cert-manager)"
cert_manager_bin="$cache/cert-manager-$cert_manager_version/cert-manager-controller"
traefik_version="$(pinned "$e2e/traefik" github.com/traefik/traefik/v3)"
traefik_bin="$cache/traefik-$traefik_version/traefik"

# Builds into a temporary name and renames, so an interrupted build never looks cached.
build() { # build <module dir> <output> <package> [go build flags...]
  local dir="$1" out="$2" pkg="$3"
  shift 3
  [ -x "$out" ] && return 0
  mkdir -p "$(dirname "$out")"
  echo "e2e-binaries: building $pkg into $out (first run only; minutes)" >&2
  local started=$SECONDS
  (cd "$dir" && GOFLAGS="-buildvcs=false ${E2E_GOFLAGS:-}" nice -n 10 "$go" build "$@" -o "$out.partial" "$pkg") >&2
  echo "e2e-binaries: built $out in $((SECONDS - started)) s" >&2
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
k8s_ldflags="-X k8s.io/component-base/version.gitVersion=$k8s_version -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
build "$e2e/apiserver" "$apiserver_bin" k8s.io/kubernetes/cmd/kube-apiserver -ldflags "$k8s_ldflags"
build "$e2e/etcd" "$etcd_bin" go.etcd.io/etcd/server/v3
# Same module and pin as kube-apiserver: most packages come from its build cache.
build "$e2e/apiserver" "$controller_manager_bin" k8s.io/kubernetes/cmd/kube-controller-manager -ldflags "$k8s_ldflags"
# -mod=mod: cert-manager's module graph cannot be tidied (Venafi's test imports are refused by the
# proxy), so the committed go.sum is the one this build writes.
E2E_GOFLAGS=-mod=mod build "$e2e/cert-manager" "$cert_manager_bin" .
# -X: Traefik logs and reports this version instead of "dev".
build "$e2e/traefik" "$traefik_bin" github.com/traefik/traefik/v3/cmd/traefik \
  -ldflags "-X github.com/traefik/traefik/v3/pkg/version.Version=$traefik_version"

build_oracle

echo "kube-apiserver $apiserver_bin"
echo "kube-controller-manager $controller_manager_bin"
echo "etcd $etcd_bin"
echo "cert-manager-controller $cert_manager_bin"
echo "traefik $traefik_bin"
echo "solver-oracle $oracle_bin"
