// Builds Flux's kustomize-controller for the end-to-end harness from its published module (no
// prebuilt binaries). The replace directives are its own (its go.mod at the pinned version, all but
// `=> ./api`, which the published api module stands for): a dependent module does not inherit them.
module certguard.local/e2e/kustomize-controller

go 1.26.0

require github.com/fluxcd/kustomize-controller v1.9.6

replace github.com/opencontainers/go-digest => github.com/opencontainers/go-digest v1.0.1-0.20220411205349-bde1400a84be

replace (
	sigs.k8s.io/kustomize/api => sigs.k8s.io/kustomize/api v0.21.1
	sigs.k8s.io/kustomize/kyaml => sigs.k8s.io/kustomize/kyaml v0.21.1
)

replace gopkg.in/yaml.v3 => gopkg.in/yaml.v3 v3.0.1
