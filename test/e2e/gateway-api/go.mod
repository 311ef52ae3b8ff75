// Pins the Gateway API release whose CRDs the end-to-end API server installs
// (config/crd/standard/ of this module, copied into the cache by scripts/e2e-binaries.sh).
// Nothing is built from it: there is no Go file, so `go mod tidy` would drop the requirement.
module certguard.local/e2e/gateway-api

go 1.26.0

require sigs.k8s.io/gateway-api v1.6.1
