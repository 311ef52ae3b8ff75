// Builds Flux's source-controller for the end-to-end harness from its published module (no
// prebuilt binaries). The go-digest replace is its own (its go.mod at the pinned version; its
// `=> ./api` is left to the published api module). The artifact pin is ours: the Go module proxy
// refuses github.com/fluxcd/pkg/artifact v0.18.2 to v0.19.0, and v0.18.0 builds.
module certguard.local/e2e/source-controller

go 1.26.0

require github.com/fluxcd/source-controller v1.9.6

replace github.com/opencontainers/go-digest => github.com/opencontainers/go-digest v1.0.1-0.20220411205349-bde1400a84be

replace github.com/fluxcd/pkg/artifact => github.com/fluxcd/pkg/artifact v0.18.0
