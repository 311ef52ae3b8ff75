# syntax=docker/dockerfile:1
# certguard's image. Node 24 runs the TypeScript sources directly (type stripping), so there is no
# compile step: the build stage installs the dev dependencies to type-check the sources (the image
# does not build if `tsc` fails), and the runtime image carries production dependencies only.
#
#   docker build -t certguard .
#   docker run --rm certguard --help
#
# Pin the base by digest in your registry mirror (node:24-bookworm-slim@sha256:…) for reproducible builds.
ARG NODE_IMAGE=node:24-bookworm-slim

# --- production dependencies only ---------------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=dev leaves out the `node` devDependency (the node@24 npm package that pins the toolchain
# on developer machines): the image runs the base image's Node 24. No production dependency needs
# an install script, so none runs.
# Type declarations, source maps and .ts files are never loaded at run time (Node strips types only
# outside node_modules): about half of node_modules, most of it @kubernetes/client-node's.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force \
 && find node_modules -type f \( -name '*.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' \) -delete

# --- type check with the dev dependencies ------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the `node` devDependency's install script would download a second Node binary.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY bin ./bin
COPY src ./src
# The base image's node, by absolute path: node_modules/.bin/node (from the skipped `node`
# package) does not exist here, so no npm script or `#!/usr/bin/env node` shim is used.
RUN /usr/local/bin/node node_modules/typescript/bin/tsc --noEmit -p tsconfig.json

# --- runtime -------------------------------------------------------------------------------------
FROM ${NODE_IMAGE}
# npm and corepack are not needed to run certguard: drop them (less to patch, less to exploit).
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /opt/yarn-* /usr/local/bin/yarn /usr/local/bin/yarnpkg
WORKDIR /app
ENV NODE_ENV=production
COPY --from=deps /app/node_modules ./node_modules
# From the build stage, so the type check above must have passed.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/bin ./bin
COPY --from=build /app/src ./src
# V8 sized for the cluster view (bench/README.md, "Cluster view"): semi-spaces capped at 2 MiB
# (V8 otherwise grows the young generation to 2 x 64 MiB during the initial sync) and an old-space
# cap that collects before the container limit (the chart's 256Mi; raise both together).
# The audit switches V8's memory-saving mode on for its own length only (src/audit/memory-saver.ts;
# bench/README.md, "Audit inside serve"). The ENTRYPOINT's one V8 flag is below.
ENV NODE_OPTIONS="--max-semi-space-size=2 --max-old-space-size=160"
# glibc's allocator: two arenas instead of eight per core for Node's helper threads, and buffers
# of 64 KiB or more (HTTP bodies of the initial lists) in their own mappings, returned when freed,
# instead of holes in the heap that stay resident (~10 MiB less, bench/README.md).
ENV MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=65536 MALLOC_TRIM_THRESHOLD_=131072
# Node's compile cache, filled here at build time: the .ts sources are stripped once and the
# ~20 MiB TypeScript stripper is never loaded at run time. Keyed by file content, so it cannot
# serve stale code; read-only at run time is fine.
ENV NODE_COMPILE_CACHE=/app/.node-compile-cache
# Node keeps one cache per user (<dir>/v<version>-<arch>-<flags hash>-<uid>, files mode 0600), so
# it is filled as the user the container runs as: filled as root, 65532 found none of it.
# 65532: a numeric non-root user, so Kubernetes can verify runAsNonRoot (the chart sets the same
# IDs; another runAsUser runs without the cache). The code stays owned by root and read-only.
RUN mkdir /app/.node-compile-cache && chown 65532:65532 /app/.node-compile-cache
USER 65532:65532
# With the ENTRYPOINT's node and NODE_OPTIONS: V8 rejects a code cache made under other flags.
# `--help` loads each command's modules; a serve started until it listens also loads what fastify
# compiles its route schemas with at start (ajv, fast-json-stringify), which no `--help` reaches.
# Then read-only: the process reads its cache, it never needs to write it.
RUN /usr/local/bin/node --no-allocation-site-pretenuring /app/bin/certguard.js serve --help >/dev/null \
 && /usr/local/bin/node --no-allocation-site-pretenuring /app/bin/certguard.js bootstrap --help >/dev/null \
 && /usr/local/bin/node --no-allocation-site-pretenuring /app/bin/certguard.js certs --help >/dev/null \
 && warm="$(mktemp -d)" && mkdir "$warm/manifests" \
 && /usr/local/bin/node --no-allocation-site-pretenuring /app/bin/certguard.js certs --out "$warm" >/dev/null \
 && { /usr/local/bin/node --no-allocation-site-pretenuring /app/bin/certguard.js serve --manifests "$warm/manifests" --tls-cert "$warm/tls.crt" \
        --tls-key "$warm/tls.key" --bind-address 127.0.0.1 --port 0 --metrics-port 0 >"$warm/log" 2>&1 & pid=$!; } \
 && tries=0 && until grep -q '"certguard listening"' "$warm/log"; do \
      kill -0 "$pid" && [ "$tries" -lt 300 ] || { cat "$warm/log"; exit 1; }; tries=$((tries + 1)); sleep 0.2; done \
 && kill "$pid" && wait "$pid" && rm -rf "$warm" \
 && chmod -R a-w /app/.node-compile-cache
# 8443: admission HTTPS; 8080: /healthz, /readyz, /metrics (plain HTTP).
EXPOSE 8443 8080
# --no-allocation-site-pretenuring (V8 takes it only on the command line, not in NODE_OPTIONS):
# with 2 MiB semi-spaces, the objects of the reviews in flight survive a scavenge often enough
# that V8 starts allocating them straight in the old generation, which then needs a full
# collection every few hundred reviews; without it an allowed review costs ~30 % less CPU
# (bench/README.md, "Pretenuring").
ENTRYPOINT ["/usr/local/bin/node", "--no-allocation-site-pretenuring", "/app/bin/certguard.js"]
CMD ["serve"]
