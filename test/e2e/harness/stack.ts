// One scenario's world: a cluster, certguard running with a config as the chart's ServiceAccount
// under the chart's RBAC for that config (chart-identity.ts), and its webhooks registered from the
// chart — all torn down by the test's teardown.
//
//   const stack = await startStack(t, { config: { policies: { ... } } });
//   const result = await stack.cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(...) });
//   await stack.reconfigure({ policies: { 'gateway-listener-tls': { mode: 'placeholder' } } });
import { startCertguard, type Certguard } from './certguard.ts';
import { applyChartIdentity, type ChartIdentity } from './chart-identity.ts';
import { startCluster, type Cluster } from './cluster.ts';
import { waitFor } from './processes.ts';
import { PROBE, registerWebhooks } from './webhooks.ts';

type Teardown = { teardown(fn: () => unknown): void };

export type Stack = {
  cluster: Cluster;
  certguard: Certguard;
  /** certguard's ServiceAccount kubeconfig and the chart values its RBAC was rendered from. */
  identity: ChartIdentity;
  /** Restarts certguard with another config, the chart's RBAC and webhooks re-rendered for it. */
  reconfigure(config: object): Promise<void>;
};

/** controllerManager: run kube-controller-manager (default true: the fuller cluster, see cluster.ts). */
export type StackOptions = { config?: object; failurePolicy?: 'Fail' | 'Ignore'; controllerManager?: boolean };

/**
 * Waits until the API server calls certguard for Gateways: it picks new webhook configurations
 * up through an informer, a moment after they are applied. Certguard's answer (a denial or a
 * warning) shows up on stderr; before that the dry run succeeds silently.
 */
export const waitForWebhooks = (cluster: Cluster): Promise<true> =>
  waitFor(
    'the API server to call certguard',
    async () => {
      const result = await cluster.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: PROBE });
      // A stale configuration pointing at a stopped certguard fails the call instead.
      return result.stderr.includes('certguard-e2e-probe-missing') && !result.stderr.includes('failed calling webhook') ? true : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );

export const startStack = async (t: Teardown, options: StackOptions = {}): Promise<Stack> => {
  const cluster = await startCluster({ controllerManager: options.controllerManager ?? true });
  t.teardown(() => cluster.stop());
  const identity = await applyChartIdentity(cluster, { config: options.config ?? {} });
  const start = async (config: object) => {
    const certguard = await startCertguard({ kubeconfigPath: identity.kubeconfigPath, config });
    t.teardown(() => certguard.stop());
    await registerWebhooks(cluster, { url: certguard.url, caBundle: certguard.caBundle, config, failurePolicy: options.failurePolicy });
    await waitForWebhooks(cluster);
    return certguard;
  };
  const stack: Stack = {
    cluster,
    identity,
    certguard: await start(options.config ?? {}),
    reconfigure: async (config) => {
      await stack.certguard.stop();
      await identity.update({ config });
      stack.certguard = await start(config);
    },
  };
  return stack;
};
