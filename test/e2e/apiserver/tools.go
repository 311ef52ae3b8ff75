//go:build tools

// Package tools pins the kube-apiserver and kube-controller-manager commands so `go mod tidy`
// keeps their dependencies (both build from this module's one k8s.io/kubernetes pin).
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver/app"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager/app"
)
