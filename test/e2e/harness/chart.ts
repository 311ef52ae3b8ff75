// certguard installed the way a cluster admin installs it: `helm upgrade --install` of
// charts/certguard into the node cluster, with the image the suite built (already in the node's
// containerd: pullPolicy Never), the chart's own TLS bootstrap Job, RBAC, ServiceAccount, PDB and
// webhook configurations. Tests use failurePolicy Fail, so a webhook that cannot be reached shows.
//
//   await installCertguard(cluster, { config: { policies: { 'gateway-listener-tls': { mode: 'placeholder' } } } });
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NodeCluster } from './node-cluster.ts';
import { repoRoot } from './paths.ts';
import { waitFor } from './processes.ts';
import { CERTGUARD_NAMESPACE, PROBE } from './webhooks.ts';

export const RELEASE = 'certguard';
export const CHART = join(repoRoot, 'charts/certguard');

export type InstallOptions = {
  /** The chart's `config` value (policies and their modes); omitted: the chart's defaults. */
  config?: object;
  /** More chart values, merged over the image and failurePolicy at the top level. */
  values?: Record<string, unknown>;
};

const imageValues = (reference: string) => {
  const colon = reference.lastIndexOf(':');
  return { repository: reference.slice(0, colon), tag: reference.slice(colon + 1), pullPolicy: 'Never' };
};

/** `helm upgrade --install --wait`: resolves once the release is deployed and its pods are ready. */
export const installCertguard = async (cluster: NodeCluster, options: InstallOptions = {}): Promise<string> => {
  const values = {
    image: imageValues(cluster.images.certguard.reference),
    webhook: { failurePolicy: 'Fail' },
    ...(options.config ? { config: options.config } : {}),
    ...options.values,
  };
  const file = join(cluster.dir, `values-${Date.now()}.yaml`);
  // JSON is YAML with every string quoted: helm's YAML 1.1 would read a bare `off` as false.
  writeFileSync(file, JSON.stringify(values, null, 2));
  const result = await cluster.helm([
    'upgrade',
    '--install',
    RELEASE,
    CHART,
    '--namespace',
    CERTGUARD_NAMESPACE,
    '--create-namespace',
    '--values',
    file,
    '--wait',
    '--timeout=5m',
  ]);
  if (result.code !== 0) {
    const pods = await cluster.kubectl(['get', 'pods,jobs,events', '-n', CERTGUARD_NAMESPACE]);
    throw new Error(`helm upgrade --install failed (${result.code}):\n${result.stderr}\n${pods.stdout}`);
  }
  return result.stdout;
};

/**
 * Waits until the API server's answer for the probe Gateway comes from certguard in the given
 * mode: the webhook configurations reach the API server through an informer, a moment after helm.
 */
export const waitForMode = async (cluster: NodeCluster, mode: 'enforce' | 'placeholder'): Promise<true> => {
  let last = '';
  return waitFor(
    `the API server to call certguard in ${mode} mode`,
    async () => {
      const result = await cluster.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: PROBE });
      last = result.stderr;
      const answered = result.code !== 0 && result.stderr.includes('certguard-e2e-probe-missing') && !result.stderr.includes('failed calling webhook');
      return answered && result.stderr.includes('placeholder mode only stands in') === (mode === 'placeholder') ? true : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  ).catch((error: Error) => {
    throw new Error(`${error.message}; last answer: ${last}`);
  });
};

export type Pod = {
  metadata: { name: string; uid: string };
  status: { podIP?: string; phase?: string; containerStatuses?: Array<{ restartCount: number; ready: boolean }> };
};

/** certguard's serving pods (the Deployment's, not the bootstrap Jobs'). */
export const certguardPods = async (cluster: NodeCluster): Promise<Pod[]> => {
  const got = await cluster.kubectl(['get', 'pods', '-n', CERTGUARD_NAMESPACE, '-l', 'app.kubernetes.io/component=webhook', '-o', 'json']);
  if (got.code !== 0) throw new Error(`listing certguard's pods failed: ${got.stderr}`);
  return (JSON.parse(got.stdout) as { items: Pod[] }).items;
};
