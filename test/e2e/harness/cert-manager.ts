// cert-manager's controller as a local process against the test cluster (out of cluster, like
// `cert-manager-controller --kubeconfig`): built from cert-manager v1.21.1's published module by
// test/e2e/cert-manager/ (see docs/e2e.md for which controllers it registers).
//
//   const certManager = await startCertManager(cluster, { gatewayApi: true });
//   t.teardown(() => certManager.stop());
//
// startCertManager(cluster, options?) → CertManager:
//   logs()     what it wrote so far (klog lines)
//   stop()     SIGTERM (then SIGKILL), idempotent
// Options: gatewayApi (--enable-gateway-api: gateway-shim, HTTPRoute solvers), listenerSets
// (--enable-gateway-api-listenerset), clusterResourceNamespace (default cert-manager),
// minimumBackoff (--certificate-request-minimum-backoff-duration, default 1h as upstream),
// extraArgs. Resolves once the controllers have started (their log line), which needs the
// cluster's CRDs: cert-manager refuses to start without them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBinaries } from './binaries.ts';
import { withoutProxies, type Cluster } from './cluster.ts';
import { makeTempDir, startProcess, stopOnce, tailOf, waitFor } from './processes.ts';

export type CertManagerOptions = {
  gatewayApi?: boolean;
  listenerSets?: boolean;
  clusterResourceNamespace?: string;
  minimumBackoff?: string;
  extraArgs?: string[];
};

export type CertManager = { logFile: string; logs(): string; stop(): Promise<void> };

export const certManagerArgs = (kubeconfigPath: string, options: CertManagerOptions): string[] => [
  `--kubeconfig=${kubeconfigPath}`,
  '--leader-elect=false',
  `--cluster-resource-namespace=${options.clusterResourceNamespace ?? 'cert-manager'}`,
  ...(options.gatewayApi ? ['--enable-gateway-api'] : []),
  ...(options.listenerSets ? ['--enable-gateway-api-listenerset'] : []),
  ...(options.minimumBackoff ? [`--certificate-request-minimum-backoff-duration=${options.minimumBackoff}`] : []),
  ...(options.extraArgs ?? []),
];

export const startCertManager = async (cluster: Cluster, options: CertManagerOptions = {}): Promise<CertManager> => {
  const { certManager } = await ensureBinaries();
  const dir = makeTempDir('cert-manager');
  const logFile = join(dir, 'cert-manager.log');
  const child = startProcess(certManager, certManagerArgs(cluster.kubeconfigPath, options), { logFile, env: withoutProxies() });
  const logs = () => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };
  const stop = stopOnce(child, dir);
  await waitFor('cert-manager to start its controllers', async () => (logs().includes('"starting controllers"') ? true : undefined), {
    timeoutMs: 60_000,
    stopIf: () => (child.isRunning() ? undefined : `cert-manager exited:\n${tailOf(logFile)}`),
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return { logFile, logs, stop };
};

/**
 * cert-manager's cainjector as a local process (test/e2e/cainjector: the Validating/
 * MutatingWebhookConfiguration reconcilers of cert-manager's pkg/controller/cainjector), out of
 * cluster with the cluster's admin kubeconfig, as startCertManager runs the controller. Resolves
 * once both reconcilers run their workers.
 */
export const startCainjector = async (cluster: Cluster): Promise<CertManager> => {
  const { cainjector } = await ensureBinaries();
  const dir = makeTempDir('cainjector');
  const logFile = join(dir, 'cainjector.log');
  const child = startProcess(cainjector, [`--kubeconfig=${cluster.kubeconfigPath}`, '--leader-elect=false', '-v=2'], { logFile, env: withoutProxies() });
  const logs = () => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };
  const stop = stopOnce(child, dir);
  await waitFor('cainjector to start its workers', async () => ((logs().match(/"Starting workers"/g) ?? []).length >= 2 ? true : undefined), {
    timeoutMs: 60_000,
    stopIf: () => (child.isRunning() ? undefined : `cainjector exited:\n${tailOf(logFile)}`),
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return { logFile, logs, stop };
};
