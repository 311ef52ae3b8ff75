//go:build tools

// Package tools pins the kube-apiserver, kube-controller-manager, kubelet, kube-scheduler and
// kube-proxy commands so `go mod tidy` keeps their dependencies (all build from this module's one
// k8s.io/kubernetes pin).
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver/app"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	_ "k8s.io/kubernetes/cmd/kube-proxy/app"
	_ "k8s.io/kubernetes/cmd/kube-scheduler/app"
	_ "k8s.io/kubernetes/cmd/kubelet/app"
)
