// Command cert-manager-controller is cert-manager's controller for certguard's end-to-end suite:
// cert-manager's own controllers from its published module, wired by a small main of ours.
//
// Upstream's binary (cmd/controller, module .../controller-binary) is not served by the Go module
// proxy, and its Venafi issuer needs github.com/Venafi/vcert/v5, which the proxy refuses, so this
// main registers the controllers the scenarios need (blank imports below), leaves Venafi, Vault
// and the CertificateSigningRequest controllers out, and fills cert-manager's options by hand
// with upstream's documented defaults (internal/apis/config/controller/v1alpha1/defaults.go),
// because that defaulting package imports the Venafi controllers by name.
//
// It runs out of cluster with a kubeconfig and no leader election. Flags keep upstream's names so
// the same command line works with an upstream binary.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/klog/v2"

	"github.com/cert-manager/cert-manager/internal/controller/feature"
	"github.com/cert-manager/cert-manager/pkg/controller"
	logf "github.com/cert-manager/cert-manager/pkg/logs"
	utilfeature "github.com/cert-manager/cert-manager/pkg/util/feature"

	// Controllers register themselves with controller.Register in their init functions.
	_ "github.com/cert-manager/cert-manager/pkg/controller/acmechallenges"
	_ "github.com/cert-manager/cert-manager/pkg/controller/acmeorders"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificate-shim/gateways"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificate-shim/ingresses"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificate-shim/listenerset"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/acme"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/approver"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/ca"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/selfsigned"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/issuing"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/keymanager"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/readiness"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/requestmanager"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/revisionmanager"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/trigger"
	_ "github.com/cert-manager/cert-manager/pkg/controller/clusterissuers"
	_ "github.com/cert-manager/cert-manager/pkg/controller/issuers"
	// Issuer implementations register with issuer.RegisterIssuer (used by the Issuer controllers).
	_ "github.com/cert-manager/cert-manager/pkg/issuer/acme"
	_ "github.com/cert-manager/cert-manager/pkg/issuer/ca"
	_ "github.com/cert-manager/cert-manager/pkg/issuer/selfsigned"
)

// The controllers that run when --enable-gateway-api / --enable-gateway-api-listenerset are off.
var gatewayControllers = map[string]bool{"gateway-shim": true}
var listenerSetControllers = map[string]bool{"listenerset": true}

type flags struct {
	kubeconfig, clusterResourceNamespace, namespace, solverImage, controllers string
	solverNameservers                                                         string
	leaderElect, enableGatewayAPI, enableListenerSet                          bool
	workers, maxConcurrentChallenges                                          int
	minBackoff, maxBackoff                                                    time.Duration
}

func parseFlags() flags {
	var f flags
	flag.StringVar(&f.kubeconfig, "kubeconfig", "", "kubeconfig of the cluster (required: this controller runs out of cluster)")
	flag.StringVar(&f.clusterResourceNamespace, "cluster-resource-namespace", "kube-system", "namespace holding the Secrets ClusterIssuers refer to")
	flag.StringVar(&f.namespace, "namespace", "", "watch only this namespace (default: all)")
	flag.BoolVar(&f.leaderElect, "leader-elect", false, "must be false: this build has no leader election")
	flag.BoolVar(&f.enableGatewayAPI, "enable-gateway-api", false, "run the gateway-shim and let HTTP-01 solvers create HTTPRoutes")
	flag.BoolVar(&f.enableListenerSet, "enable-gateway-api-listenerset", false, "run the ListenerSet shim (turns on the ListenerSets feature gate)")
	flag.StringVar(&f.controllers, "controllers", "*", "comma-separated controllers to run, * for all registered")
	flag.IntVar(&f.workers, "concurrent-workers", 5, "workers per controller")
	flag.IntVar(&f.maxConcurrentChallenges, "max-concurrent-challenges", 60, "challenges processed at once")
	flag.StringVar(&f.solverImage, "acme-http01-solver-image", "quay.io/jetstack/cert-manager-acmesolver:v1.21.1", "image of HTTP-01 solver Pods")
	flag.StringVar(&f.solverNameservers, "acme-http01-solver-nameservers", "", "comma-separated host:port DNS servers for the HTTP-01 self-check (default: the system's)")
	flag.DurationVar(&f.minBackoff, "certificate-request-minimum-backoff-duration", time.Hour, "first wait after a failed issuance")
	flag.DurationVar(&f.maxBackoff, "certificate-request-maximum-backoff-duration", 32*time.Hour, "longest wait after failed issuances")
	klog.InitFlags(nil) // -v and friends, as upstream's logging flags
	flag.Parse()
	return f
}

func main() {
	f := parseFlags()
	if err := run(f); err != nil {
		fmt.Fprintln(os.Stderr, "cert-manager-controller:", err)
		os.Exit(1)
	}
}

func run(f flags) error {
	if f.kubeconfig == "" {
		return fmt.Errorf("--kubeconfig is required")
	}
	if f.leaderElect {
		return fmt.Errorf("--leader-elect=true is not supported by this build")
	}
	if f.enableListenerSet {
		if err := utilfeature.DefaultMutableFeatureGate.Set(string(feature.ListenerSets) + "=true"); err != nil {
			return err
		}
	}
	names, err := selectControllers(f)
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx = logf.NewContext(ctx, logf.Log)

	factory, err := controller.NewContextFactory(ctx, options(f))
	if err != nil {
		return err
	}
	return runControllers(ctx, factory, names, f.workers)
}

// selectControllers resolves --controllers against what the imports registered.
func selectControllers(f flags) ([]string, error) {
	known := controller.Known()
	var names []string
	if f.controllers == "*" {
		for name := range known {
			if gatewayControllers[name] && !f.enableGatewayAPI || listenerSetControllers[name] && !f.enableListenerSet {
				continue
			}
			names = append(names, name)
		}
	} else {
		for _, name := range strings.Split(f.controllers, ",") {
			if _, ok := known[name]; !ok {
				return nil, fmt.Errorf("unknown controller %q (this build has %s)", name, strings.Join(sortedKeys(known), ", "))
			}
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names, nil
}

func sortedKeys(m map[string]controller.Constructor) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// options: upstream's defaults, except what the flags set.
func options(f flags) controller.ContextOptions {
	return controller.ContextOptions{
		Kubeconfig:         f.kubeconfig,
		KubernetesAPIQPS:   20,
		KubernetesAPIBurst: 50,
		Namespace:          f.namespace,
		IssuerOptions: controller.IssuerOptions{
			ClusterResourceNamespace:        f.clusterResourceNamespace,
			ClusterIssuerAmbientCredentials: true,
		},
		ACMEOptions: controller.ACMEOptions{
			HTTP01SolverImage:                 f.solverImage,
			HTTP01SolverResourceRequestCPU:    resource.MustParse("10m"),
			HTTP01SolverResourceRequestMemory: resource.MustParse("64Mi"),
			HTTP01SolverResourceLimitsCPU:     resource.MustParse("100m"),
			HTTP01SolverResourceLimitsMemory:  resource.MustParse("64Mi"),
			ACMEHTTP01SolverRunAsNonRoot:      true,
			HTTP01SolverNameservers:           nameservers(f.solverNameservers),
			DNS01CheckRetryPeriod:             10 * time.Second,
		},
		IngressShimOptions: controller.IngressShimOptions{
			DefaultIssuerKind:                 "Issuer",
			DefaultIssuerGroup:                "cert-manager.io",
			DefaultAutoCertificateAnnotations: []string{"kubernetes.io/tls-acme"},
			GatewayAPIExtraProtocols:          sets.New[string](),
		},
		CertificateOptions: controller.CertificateOptions{
			CopiedAnnotationPrefixes:                 []string{"*", "-kubectl.kubernetes.io/", "-fluxcd.io/", "-argocd.argoproj.io/"},
			CertificateRequestMinimumBackoffDuration: f.minBackoff,
			CertificateRequestMaximumBackoffDuration: f.maxBackoff,
		},
		SchedulerOptions: controller.SchedulerOptions{MaxConcurrentChallenges: f.maxConcurrentChallenges},
		ConfigOptions: controller.ConfigOptions{
			EnableGatewayAPI:            f.enableGatewayAPI,
			EnableGatewayAPIListenerSet: f.enableListenerSet,
		},
	}
}

func nameservers(list string) []string {
	if list == "" {
		return nil
	}
	return strings.Split(list, ",")
}

// runControllers constructs every controller first (each registers the informers it needs), then
// starts the shared informers, then runs the controllers until ctx ends.
func runControllers(ctx context.Context, factory *controller.ContextFactory, names []string, workers int) error {
	log := logf.FromContext(ctx)
	running := make(map[string]controller.Interface, len(names))
	for _, name := range names {
		iface, err := controller.Known()[name](factory)
		if err != nil {
			return fmt.Errorf("constructing controller %s: %w", name, err)
		}
		running[name] = iface
	}
	shared, err := factory.Build()
	if err != nil {
		return err
	}
	shared.KubeSharedInformerFactory.Start(ctx.Done())
	shared.SharedInformerFactory.Start(ctx.Done())
	shared.HTTP01ResourceMetadataInformersFactory.Start(ctx.Done())
	if shared.GatewaySolverEnabled {
		shared.GWShared.Start(ctx.Done())
	}
	log.Info("starting controllers", "controllers", strings.Join(names, ","))

	var wg sync.WaitGroup
	errs := make(chan error, len(running))
	for name, iface := range running {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := iface.Run(workers, ctx); err != nil {
				errs <- fmt.Errorf("controller %s: %w", name, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		return err
	}
	return nil
}
