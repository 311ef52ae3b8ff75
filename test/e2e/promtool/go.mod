// promtool (Prometheus v3.16, module github.com/prometheus/prometheus v0.316.0) for the alert
// tests: `promtool check rules`, `promtool test rules` and `promtool check metrics` in npm test.
// Built by scripts/e2e-binaries.sh promtool; nothing of ours is compiled here.
module certguard.test/promtool

go 1.26.7

require github.com/prometheus/prometheus v0.316.0
