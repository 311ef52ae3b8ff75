//go:build tools

// Package tools pins etcd's server so `go mod tidy` keeps its dependencies. The binary is built
// with `go build go.etcd.io/etcd/server/v3` (its main package only calls etcdmain.Main).
package tools

import _ "go.etcd.io/etcd/server/v3/etcdmain"
