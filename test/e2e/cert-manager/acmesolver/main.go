// Command acmesolver is cert-manager's HTTP-01 solver for certguard's end-to-end suite: the solver
// server of cert-manager's published module (pkg/issuer/acme/http/solver), started with the flags
// cert-manager's solver Pods pass (pkg/issuer/acme/http/pod.go). Upstream's main lives in the
// module .../cmd/acmesolver, which the Go module proxy does not serve.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"k8s.io/klog/v2"

	"github.com/cert-manager/cert-manager/pkg/issuer/acme/http/solver"
)

func main() {
	s := &solver.HTTP01Solver{}
	flag.IntVar(&s.ListenPort, "listen-port", 8089, "the port number to listen on for connections")
	flag.StringVar(&s.Domain, "domain", "", "the domain name to verify")
	flag.StringVar(&s.Token, "token", "", "the challenge token to verify against")
	flag.StringVar(&s.Key, "key", "", "the challenge key to respond with")
	flag.Parse()
	log := klog.Background()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.Shutdown(shutdown)
	}()
	if err := s.Listen(log); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, "acmesolver:", err)
		os.Exit(1)
	}
}
