#!/usr/bin/env bash
# Re-records the answers of the certificate-dns solver table
# (src/policies/certificate-dns/fixtures/solver-picks.yaml) with cert-manager's own solver picking:
# test/e2e/solver-oracle calls solverpicker.Pick of the cert-manager version its go.mod pins and
# writes each case's `picks` and the table's `recordedWith`, keeping the rest of the file.
#
# After adding cases, or to record against another cert-manager:
#   (cd test/e2e/solver-oracle && GOFLAGS=-mod=mod go get github.com/cert-manager/cert-manager@vX.Y.Z && go mod tidy)
#   scripts/record-solver-picks.sh        (or: npm run record:solver-picks)
# then read the diff; npm test -- src/policies/certificate-dns/solver-picker.test.ts shows where
# certguard's picker no longer agrees.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
table="$root/src/policies/certificate-dns/fixtures/solver-picks.yaml"
oracle="$(bash "$root/scripts/e2e-binaries.sh" solver-oracle | awk '$1 == "solver-oracle" { print $2 }')"
"$oracle" -table "$table" -write
git -C "$root" diff --stat -- "$table"
