// Command cainjector is cert-manager's CA injector for certguard's end-to-end suite: cert-manager's
// own reconcilers (pkg/controller/cainjector) from its published module, wired by a small main of
// ours.
//
// Upstream's binary (cmd/cainjector, module .../cainjector-binary) is not served by the Go module
// proxy, as with the controller (../cert-manager/main.go). This main registers only the
// ValidatingWebhookConfiguration and MutatingWebhookConfiguration reconcilers (upstream also runs
// the APIService and CRD conversion ones), with both data sources upstream enables by default:
// cert-manager.io/inject-ca-from (a Certificate's Secret) and inject-ca-from-secret. The manager's
// options copy upstream's cmd/cainjector/app: Secrets are read live and cached as metadata only.
// It runs out of cluster with a kubeconfig and no leader election; flag names are upstream's.
package main

import (
	"flag"
	"fmt"
	"os"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	"github.com/cert-manager/cert-manager/pkg/controller/cainjector"
	"github.com/cert-manager/cert-manager/pkg/util"
)

func main() {
	// --kubeconfig is controller-runtime's own flag (pkg/client/config registers it on import).
	namespace := flag.String("namespace", "", "read Certificates and Secrets only in this namespace (default: all)")
	leaderElect := flag.Bool("leader-elect", false, "must be false: this build has no leader election")
	klog.InitFlags(nil)
	flag.Parse()
	if err := run(flag.Lookup("kubeconfig").Value.String(), *namespace, *leaderElect); err != nil {
		fmt.Fprintln(os.Stderr, "cainjector:", err)
		os.Exit(1)
	}
}

func run(kubeconfig, namespace string, leaderElect bool) error {
	if kubeconfig == "" {
		return fmt.Errorf("--kubeconfig is required")
	}
	if leaderElect {
		return fmt.Errorf("--leader-elect=true is not supported by this build")
	}
	ctrl.SetLogger(klog.NewKlogr())
	config, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return err
	}
	// The field manager of the caBundle apply is this user agent's prefix, "cert-manager-cainjector".
	config = util.RestConfigWithUserAgent(config, "cainjector")

	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(cmapi.AddToScheme(scheme))

	var namespaces map[string]cache.Config
	if namespace != "" {
		namespaces = map[string]cache.Config{namespace: {}}
	}
	mgr, err := ctrl.NewManager(config, ctrl.Options{
		Scheme:                 scheme,
		Cache:                  cache.Options{ReaderFailOnMissingInformer: true, DefaultNamespaces: namespaces},
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		// Secrets are watched as metadata only (setup.go's builder.OnlyMetadata) and read live.
		Client: client.Options{Cache: &client.CacheOptions{DisableFor: []client.Object{&corev1.Secret{}}}},
	})
	if err != nil {
		return err
	}
	ctx := ctrl.SetupSignalHandler()
	err = cainjector.RegisterAllInjectors(ctx, mgr, cainjector.SetupOptions{
		Namespace:                    namespace,
		EnableCertificatesDataSource: true,
		EnabledReconcilersFor: map[string]bool{
			cainjector.ValidatingWebhookConfigurationName: true,
			cainjector.MutatingWebhookConfigurationName:   true,
		},
	})
	if err != nil {
		return err
	}
	return mgr.Start(ctx)
}
