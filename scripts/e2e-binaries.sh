#!/usr/bin/env bash
# Ensures the binaries and CRDs the end-to-end harness uses: kube-apiserver, kube-controller-manager, etcd,
# cert-manager's controller and Traefik, built from Go modules (no downloads of prebuilt
# binaries). Each lands in ${XDG_CACHE_HOME:-~/.cache}/certguard/e2e-bin/<name>-<version>/, keyed by the version pinned in the
# go.mod of its module dir under test/e2e/, so a second run is instant and a version
# bump builds next to the old one. Called by .ci/run on a fresh machine and by the test harness
# (test/e2e/harness/binaries.ts) before every cluster start.
#
# Also cert-manager's cainjector (test/e2e/cainjector: our main over the same pin), for the chart's
# certManager.enabled mode.
#
# Also the solver oracle (test/e2e/solver-oracle: cert-manager's own solver picking, for the
# certificate-dns solver table), keyed by the cert-manager version it pins and a hash of its
# sources. `scripts/e2e-binaries.sh solver-oracle` builds and prints only that one, without waiting
# for the long kube-apiserver build.
#
# Also the hostname oracle (test/e2e/hostname-oracle: Go's crypto/x509 VerifyHostname, for the
# differential test of src/certs/hostname.ts), standard library only, keyed by the Go toolchain
# version and a hash of its sources; `scripts/e2e-binaries.sh hostname-oracle` builds only that one.
#
# And the CRDs the harness installs: Gateway API's standard channel (pinned in
# test/e2e/gateway-api/go.mod) and cert-manager's (the pin its controller builds from), copied out
# of the published Go modules into crds-<name>-<version>/ next to the binaries.
#
# stdout: one "<name> <path>" line per binary and CRD dir (only the oracle's with the
# solver-oracle or hostname-oracle argument). Build output goes to stderr.
# Needs: Go >= the go lines in the go.mod files (GO=..., else `go` on PATH, else /usr/local/go/bin/go)
# and the Go module proxy. Cold build times on 2 cores are in docs/e2e.md (Traefik and kube-apiserver
# dominate).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
e2e="$root/test/e2e"
# Outside the clone (XDG cache dir), so a fresh clone on the same machine reuses what was built.
cache="${CERTGUARD_E2E_BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/certguard/e2e-bin}"
go="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"

# The version a module dir pins for a dependency, read from its go.mod (the one source of truth).
pinned() { awk -v m="$2" '$1 == m || ($1 == "require" && $2 == m) { print $NF; exit }' "$1/go.mod"; }

k8s_version="$(pinned "$e2e/apiserver" k8s.io/kubernetes)"
etcd_version="$(pinned "$e2e/etcd" go.etcd.io/etcd/server/v3)"
apiserver_bin="$cache/k8s-$k8s_version/kube-apiserver"
etcd_bin="$cache/etcd-$etcd_version/etcd"
controller_manager_bin="$cache/k8s-$k8s_version/kube-controller-manager"
# The node the in-cluster scenarios (test/e2e/node-*.test.ts) schedule certguard's pods on.
kubelet_bin="$cache/k8s-$k8s_version/kubelet"
scheduler_bin="$cache/k8s-$k8s_version/kube-scheduler"
proxy_bin="$cache/k8s-$k8s_version/kube-proxy"
pause_bin="$cache/k8s-$k8s_version/pause"
cert_manager_version="$(pinned "$e2e/cert-manager" github.com/cert-manager/cert-manager)"
# Keyed by a hash of our mains too: a changed flag in main.go builds a new binary.
cert_manager_hash="$(cd "$e2e/cert-manager" && cat go.mod go.sum ./*.go acmesolver/*.go | sha256sum | cut -c1-12)"
cert_manager_bin="$cache/cert-manager-$cert_manager_version-$cert_manager_hash/cert-manager-controller"
# cert-manager's HTTP-01 solver, packaged as the solver Pods' image by scripts/e2e-images.sh:
# static (CGO off), as the image holds this one file.
acmesolver_bin="$cache/cert-manager-$cert_manager_version-$cert_manager_hash/acmesolver"
# cert-manager's cainjector (test/e2e/cainjector): its own module and cache key (the pin and a hash
# of its own files), so neither its go.sum nor its main changes the controller's key above.
cainjector_version="$(pinned "$e2e/cainjector" github.com/cert-manager/cert-manager)"
if [ "$cainjector_version" != "$cert_manager_version" ]; then
  echo "e2e-binaries: test/e2e/cainjector pins cert-manager $cainjector_version, test/e2e/cert-manager $cert_manager_version: pin the same version in both" >&2
  exit 1
fi
cainjector_hash="$(cd "$e2e/cainjector" && cat go.mod go.sum ./*.go | sha256sum | cut -c1-12)"
cainjector_bin="$cache/cert-manager-cainjector-$cainjector_version-$cainjector_hash/cainjector"
traefik_version="$(pinned "$e2e/traefik" github.com/traefik/traefik/v3)"
traefik_bin="$cache/traefik-$traefik_version/traefik"
# Traefik v3.0, whose provider drops a whole Gateway for one unresolved listener: seed 000's deadlock.
traefik_v30_version="$(pinned "$e2e/traefik-v3.0" github.com/traefik/traefik/v3)"
traefik_v30_bin="$cache/traefik-$traefik_v30_version/traefik"
# Traefik v3.6.6, the version seed 000 ran.
traefik_seed_version="$(pinned "$e2e/traefik-v3.6.6" github.com/traefik/traefik/v3)"
traefik_seed_bin="$cache/traefik-$traefik_seed_version/traefik"

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

# The manifests in one directory of a module as the Go module proxy serves it (go.sum verifies it).
# cert-manager's deploy/crds is controller-gen's plain output, from which its chart's templates
# are generated; Gateway API's config/crd/<channel> is what its release YAML concatenates.
copy_crds() { # copy_crds <module dir> <module> <dir in module> <output dir>
  local dir="$1" module="$2" sub="$3" out="$4" src
  [ -d "$out" ] && return 0
  src="$(cd "$dir" && "$go" mod download -json "$module" | awk -F'"' '$2 == "Dir" { print $4 }')"
  [ -d "$src/$sub" ] || { echo "e2e-binaries: $module has no $sub" >&2; return 1; }
  rm -rf "$out.partial"
  mkdir -p "$out.partial"
  # kustomization.yaml is kustomize's index of the same files, not an object.
  find "$src/$sub" -maxdepth 1 -name '*.yaml' ! -name kustomization.yaml -exec cp {} "$out.partial/" \;
  chmod -R u+w "$out.partial"
  mv "$out.partial" "$out"
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
hostname_oracle="$e2e/hostname-oracle"
# The answers are the toolchain's crypto/x509: a Go upgrade is a new oracle.
go_version="$("$go" env GOVERSION)"
hostname_oracle_hash="$(cat "$hostname_oracle/go.mod" "$hostname_oracle"/*.go | sha256sum | cut -c1-12)"
hostname_oracle_bin="$cache/hostname-oracle-$go_version-$hostname_oracle_hash/hostname-oracle"
# Its own lock too: seconds of build that must not wait for anything else.
build_hostname_oracle() {
  exec 7>"$cache/.lock-hostname-oracle"
  flock 7
  build "$hostname_oracle" "$hostname_oracle_bin" .
  exec 7>&-
}
if [ "${1:-}" = hostname-oracle ]; then
  build_hostname_oracle
  echo "hostname-oracle $hostname_oracle_bin"
  exit 0
fi
# The upstream report CRDs (not binaries: YAML from published Go modules, pinned in
# test/e2e/report-crds/go.mod): Kyverno's wgpolicyk8s.io PolicyReport CRDs and the OpenReports
# Report CRDs, copied into the cache by version. `scripts/e2e-binaries.sh report-crds` prints
# "report-crds <dir>" and nothing else; it needs only the module proxy (seconds, no build).
report_crds() {
  local pins="$e2e/report-crds" kyverno reports dir
  kyverno="$(pinned "$pins" github.com/kyverno/kyverno)"
  reports="$(pinned "$pins" github.com/openreports/reports-api)"
  dir="$cache/report-crds-kyverno-$kyverno-reports-api-$reports"
  if [ ! -d "$dir" ]; then
    exec 7>"$cache/.lock-report-crds"
    flock 7
    if [ ! -d "$dir" ]; then
      local kyverno_dir reports_dir outside
      # Outside any module: only the two downloads, no go.sum to keep.
      outside="$(mktemp -d)"
      kyverno_dir="$(cd "$outside" && GOFLAGS=-mod=mod "$go" mod download -json "github.com/kyverno/kyverno@$kyverno" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
      reports_dir="$(cd "$outside" && GOFLAGS=-mod=mod "$go" mod download -json "github.com/openreports/reports-api@$reports" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
      rmdir "$outside"
      mkdir -p "$dir.partial"
      cp "$kyverno_dir"/config/crds/policyreport/wgpolicyk8s.io_{policyreports,clusterpolicyreports}.yaml "$dir.partial/"
      cp "$reports_dir"/config/crd/openreports.io_{reports,clusterreports}.yaml "$dir.partial/"
      chmod u+w "$dir.partial"/*.yaml
      mv "$dir.partial" "$dir"
    fi
    exec 7>&-
  fi
  echo "report-crds $dir"
}
if [ "${1:-}" = report-crds ]; then
  report_crds
  exit 0
fi

# promtool (github.com/prometheus/prometheus, pinned in test/e2e/promtool/go.mod) for the alert
# tests (test/alerts/): `scripts/e2e-binaries.sh promtool` builds and prints only it, under its own
# lock. Cold build time: docs/e2e.md.
promtool_build() {
  local dir="$e2e/promtool" version out
  version="$(pinned "$dir" github.com/prometheus/prometheus)"
  out="$cache/promtool-$version/promtool"
  exec 6>"$cache/.lock-promtool"
  flock 6
  # -mod=mod: the committed go.sum is the one this build writes (as for cert-manager).
  E2E_GOFLAGS=-mod=mod build "$dir" "$out" github.com/prometheus/prometheus/cmd/promtool
  exec 6>&-
  echo "promtool $out"
}
if [ "${1:-}" = promtool ]; then
  promtool_build
  exit 0
fi

# cert-manager's HTTP-01 solver alone (scripts/e2e-images.sh packages it), under its own lock.
if [ "${1:-}" = acmesolver ]; then
  exec 7>"$cache/.lock-acmesolver"
  flock 7
  CGO_ENABLED=0 E2E_GOFLAGS=-mod=mod build "$e2e/cert-manager" "$acmesolver_bin" ./acmesolver
  echo "acmesolver $acmesolver_bin"
  exit 0
fi

if [ "${1:-}" = solver-oracle ]; then
  build_oracle
  echo "solver-oracle $oracle_bin"
  exit 0
fi

# Flux's source-controller and kustomize-controller (test/e2e/source-controller and
# kustomize-controller) for the gitops-flux scenarios, keyed by the version each pins.
# `scripts/e2e-binaries.sh flux` builds and prints only these two, under their own lock, so a
# scenario does not queue behind kube-apiserver; the full run builds them last.
flux_source_version="$(pinned "$e2e/source-controller" github.com/fluxcd/source-controller)"
flux_source_bin="$cache/flux-source-controller-$flux_source_version/source-controller"
flux_kustomize_version="$(pinned "$e2e/kustomize-controller" github.com/fluxcd/kustomize-controller)"
flux_kustomize_bin="$cache/flux-kustomize-controller-$flux_kustomize_version/kustomize-controller"
# Each controller's CRDs, copied from its module's config/crd/bases/ next to the binary.
flux_crds() { # flux_crds <module dir> <module> <version> <dest dir>
  [ -d "$4" ] && return 0
  local src
  src="$(cd "$1" && GOFLAGS=-mod=mod "$go" mod download -json "$2@$3" | awk -F'"' '$2 == "Dir" { print $4 }')"
  rm -rf "$4.partial" && mkdir -p "$4.partial"
  cp "$src"/config/crd/bases/*.yaml "$4.partial/" && chmod -R u+w "$4.partial" && mv "$4.partial" "$4"
}
build_flux() {
  exec 7>"$cache/.lock-flux"
  flock 7
  # -mod=mod: the modules require only the controller; Go completes go.mod from its graph.
  E2E_GOFLAGS=-mod=mod build "$e2e/source-controller" "$flux_source_bin" github.com/fluxcd/source-controller
  E2E_GOFLAGS=-mod=mod build "$e2e/kustomize-controller" "$flux_kustomize_bin" github.com/fluxcd/kustomize-controller
  flux_crds "$e2e/source-controller" github.com/fluxcd/source-controller "$flux_source_version" "$(dirname "$flux_source_bin")/crds"
  flux_crds "$e2e/kustomize-controller" github.com/fluxcd/kustomize-controller "$flux_kustomize_version" "$(dirname "$flux_kustomize_bin")/crds"
  exec 7>&-
}
print_flux() {
  echo "flux-source-controller $flux_source_bin"
  echo "flux-kustomize-controller $flux_kustomize_bin"
  echo "flux-crds $(dirname "$flux_source_bin")/crds $(dirname "$flux_kustomize_bin")/crds"
}
if [ "${1:-}" = flux ]; then
  build_flux
  print_flux
  exit 0
fi


# -X: without it the binary reports v0.0.0-master, and clients that check the server version
# (helm's kubeVersion) would see a nonsense version.
minor="${k8s_version#v1.}"
minor="${minor%%.*}"
k8s_ldflags="-X k8s.io/component-base/version.gitVersion=$k8s_version -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
# The node of the in-cluster scenarios: kubelet, kube-scheduler and kube-proxy from the same pin
# (mostly kube-apiserver's build cache), and the sandbox ("pause") process from the C source
# k8s.io/kubernetes ships in its module. Its own lock, so `scripts/e2e-binaries.sh node` need not
# queue behind Traefik's build.
build_node() {
  exec 7>"$cache/.lock-node"
  flock 7
  build "$e2e/apiserver" "$kubelet_bin" k8s.io/kubernetes/cmd/kubelet -ldflags "$k8s_ldflags"
  build "$e2e/apiserver" "$scheduler_bin" k8s.io/kubernetes/cmd/kube-scheduler -ldflags "$k8s_ldflags"
  build "$e2e/apiserver" "$proxy_bin" k8s.io/kubernetes/cmd/kube-proxy -ldflags "$k8s_ldflags"
  if [ ! -x "$pause_bin" ]; then
    local k8s_dir
    k8s_dir="$(cd "$e2e/apiserver" && "$go" mod download -json "k8s.io/kubernetes@$k8s_version" | awk -F'"' '$2 == "Dir" { print $4 }')"
    # Static: the pause image holds this one file and nothing else.
    "${CC:-cc}" -Os -static -Wall -DVERSION="$k8s_version" -o "$pause_bin.partial" "$k8s_dir/build/pause/linux/pause.c"
    mv -f "$pause_bin.partial" "$pause_bin"
  fi
  exec 7>&-
}
print_node() {
  echo "kubelet $kubelet_bin"
  echo "kube-scheduler $scheduler_bin"
  echo "kube-proxy $proxy_bin"
  echo "pause $pause_bin"
}
if [ "${1:-}" = node ]; then
  build_node
  print_node
  exit 0
fi

# Parallel test files may ask at the same time: one builds, the others wait for it.
exec 9>"$cache/.lock"
flock 9

build "$e2e/apiserver" "$apiserver_bin" k8s.io/kubernetes/cmd/kube-apiserver -ldflags "$k8s_ldflags"
build "$e2e/etcd" "$etcd_bin" go.etcd.io/etcd/server/v3
# Same module and pin as kube-apiserver: most packages come from its build cache.
build "$e2e/apiserver" "$controller_manager_bin" k8s.io/kubernetes/cmd/kube-controller-manager -ldflags "$k8s_ldflags"
# -mod=mod: cert-manager's module graph cannot be tidied (Venafi's test imports are refused by the
# proxy), so the committed go.sum is the one this build writes.
E2E_GOFLAGS=-mod=mod build "$e2e/cert-manager" "$cert_manager_bin" .
bash "$0" acmesolver >/dev/null
# -mod=mod for the same reason as the controller: its go.sum is the one this build writes.
E2E_GOFLAGS=-mod=mod build "$e2e/cainjector" "$cainjector_bin" .
# -X: Traefik logs and reports this version instead of "dev".
build "$e2e/traefik" "$traefik_bin" github.com/traefik/traefik/v3/cmd/traefik \
  -ldflags "-X github.com/traefik/traefik/v3/pkg/version.Version=$traefik_version"
E2E_GOFLAGS=-mod=mod build "$e2e/traefik-v3.0" "$traefik_v30_bin" github.com/traefik/traefik/v3/cmd/traefik \
  -ldflags "-X github.com/traefik/traefik/v3/pkg/version.Version=$traefik_v30_version"
E2E_GOFLAGS=-mod=mod build "$e2e/traefik-v3.6.6" "$traefik_seed_bin" github.com/traefik/traefik/v3/cmd/traefik \
  -ldflags "-X github.com/traefik/traefik/v3/pkg/version.Version=$traefik_seed_version"

build_oracle
build_hostname_oracle

gateway_api_version="$(pinned "$e2e/gateway-api" sigs.k8s.io/gateway-api)"
gateway_api_crds="$cache/crds-gateway-api-$gateway_api_version-standard"
cert_manager_crds="$cache/crds-cert-manager-$cert_manager_version"
copy_crds "$e2e/gateway-api" sigs.k8s.io/gateway-api config/crd/standard "$gateway_api_crds"
copy_crds "$e2e/cert-manager" github.com/cert-manager/cert-manager deploy/crds "$cert_manager_crds"
build_flux
# Fetched and built here too, so CI's run of this script before npm test leaves nothing to a test file.
report_crds
promtool_build
build_node

echo "kube-apiserver $apiserver_bin"
echo "kube-controller-manager $controller_manager_bin"
print_node
echo "etcd $etcd_bin"
echo "cert-manager-controller $cert_manager_bin"
echo "acmesolver $acmesolver_bin"
echo "cert-manager-cainjector $cainjector_bin"
echo "traefik $traefik_bin"
echo "traefik-v3.0 $traefik_v30_bin"
echo "traefik-v3.6.6 $traefik_seed_bin"
echo "solver-oracle $oracle_bin"
echo "hostname-oracle $hostname_oracle_bin"
echo "crds-gateway-api $gateway_api_crds"
echo "crds-cert-manager $cert_manager_crds"
print_flux
