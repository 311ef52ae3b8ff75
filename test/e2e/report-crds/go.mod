// The upstream report CRDs the end-to-end tests install (scripts/e2e-binaries.sh report-crds):
// Kyverno's wgpolicyk8s.io PolicyReport CRDs and the OpenReports project's Report CRDs, taken from
// these published modules. Nothing here is built; the versions are the pins.
module certguard.test/report-crds

go 1.26

require (
	github.com/kyverno/kyverno v1.19.1
	github.com/openreports/reports-api v0.2.1
)
