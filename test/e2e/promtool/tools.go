//go:build tools

// Pins promtool's module so `go build github.com/prometheus/prometheus/cmd/promtool` resolves it here.
package tools

import _ "github.com/prometheus/prometheus/cmd/promtool"
