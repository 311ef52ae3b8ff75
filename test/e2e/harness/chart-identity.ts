// certguard's identity in the scenarios that run it as a local process: the chart's ServiceAccount
// with exactly the RBAC (and secret fence) `helm install` gives it for the values a user would set
// for that config, and a kubeconfig holding a TokenRequest token of it. So a rule the chart is
// missing fails a test, as it would fail in a cluster.
//
//   const identity = await applyChartIdentity(cluster, { config, extraArgs });
//   const certguard = await startCertguard({ kubeconfigPath: identity.kubeconfigPath, config, extraArgs });
//   await identity.update({ config: other });   // re-renders: adds what is new, deletes what is gone
//
// What is rendered and applied: test/chart/identity.ts (chartValuesFor, renderChartIdentity); a
// Namespace rbac.namespaces creates is applied only if absent, as the chart's `lookup` does.
// The token lasts 2 h (longer than any scenario) and outlives API server restarts: same etcd, same
// signing key. assertCertguardIdentity(kubeconfigPath) asks the API server who that is.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { chartValuesFor, keyOf, renderChartIdentity as renderFor, type IdentityOptions } from '../../chart/identity.ts';
import type { K8sObject } from '../../chart/render.ts';
import { withoutProxies, type Cluster } from './cluster.ts';
import { KUBECTL } from './paths.ts';
import { base64 } from './pki.ts';
import { run } from './processes.ts';
import { CERTGUARD_NAMESPACE } from './webhooks.ts';

/** The chart's ServiceAccount for release "certguard" in CERTGUARD_NAMESPACE. */
export const CERTGUARD_SERVICE_ACCOUNT = 'certguard';
export const CERTGUARD_USER = `system:serviceaccount:${CERTGUARD_NAMESPACE}:${CERTGUARD_SERVICE_ACCOUNT}`;
export type { IdentityOptions };

const renderChartIdentity = (values: Record<string, unknown>) =>
  renderFor(values, { namespace: CERTGUARD_NAMESPACE, serviceAccount: CERTGUARD_SERVICE_ACCOUNT });

export type ChartIdentity = {
  kubeconfigPath: string;
  /** The values the RBAC was rendered from. */
  values: Record<string, unknown>;
  /** Re-renders for another config: applies the new objects and deletes those no longer rendered. */
  update(options: IdentityOptions): Promise<void>;
};

const writeServiceAccountKubeconfig = (path: string, cluster: Cluster, token: string) => {
  const user = CERTGUARD_SERVICE_ACCOUNT;
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'e2e', cluster: { server: cluster.serverUrl, 'certificate-authority-data': base64(cluster.caPem) } }],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: 'e2e', context: { cluster: 'e2e', user } }],
    'current-context': 'e2e',
  };
  writeFileSync(path, stringify(config), { mode: 0o600 });
};

const kubectlAs = (kubeconfigPath: string, args: string[]) => run(KUBECTL, [`--kubeconfig=${kubeconfigPath}`, ...args], { env: withoutProxies() });

/** Throws unless the API server says the kubeconfig's user is certguard's ServiceAccount. */
export const assertCertguardIdentity = async (kubeconfigPath: string): Promise<void> => {
  const whoami = await kubectlAs(kubeconfigPath, ['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']);
  if (whoami.code !== 0 || whoami.stdout !== CERTGUARD_USER) {
    throw new Error(
      `certguard must run as ${CERTGUARD_USER} under the chart's RBAC, its kubeconfig is ${whoami.stdout || whoami.stderr.trim()} (${kubeconfigPath})`,
    );
  }
};

const existingNamespaces = async (cluster: Cluster): Promise<Set<string>> => {
  const got = await cluster.kubectl(['get', 'namespaces', '-o', 'jsonpath={.items[*].metadata.name}']);
  if (got.code !== 0) throw new Error(`listing namespaces: ${got.stderr}`);
  return new Set(got.stdout.split(' '));
};

const applyObjects = async (cluster: Cluster, objects: K8sObject[], previous: K8sObject[]): Promise<void> => {
  const present = await existingNamespaces(cluster);
  const toApply = objects.filter((object) => object.kind !== 'Namespace' || !present.has(object.metadata.name));
  const applied = await cluster.kubectl(['apply', '-f', '-'], { input: toApply.map((object) => `---\n${stringify(object)}`).join('') });
  if (applied.code !== 0) throw new Error(`applying the chart's RBAC for certguard: ${applied.stderr}`);
  // As `helm upgrade` does; a Namespace is kept (helm.sh/resource-policy: keep).
  const kept = new Set(objects.map(keyOf));
  for (const gone of previous.filter((object) => !kept.has(keyOf(object)) && object.kind !== 'Namespace')) {
    const namespace = gone.metadata.namespace ? ['-n', gone.metadata.namespace] : [];
    const deleted = await cluster.kubectl(['delete', gone.kind, gone.metadata.name, ...namespace, '--ignore-not-found']);
    if (deleted.code !== 0) throw new Error(`deleting ${keyOf(gone)}: ${deleted.stderr}`);
  }
};

/**
 * Applies the chart's identity for certguard (run by the cluster's admin, as `helm install` is)
 * and returns a kubeconfig of that ServiceAccount, checked with `kubectl auth whoami`.
 */
export const applyChartIdentity = async (cluster: Cluster, options: IdentityOptions = {}): Promise<ChartIdentity> => {
  const namespace = await cluster.kubectl(['create', 'namespace', CERTGUARD_NAMESPACE]);
  if (namespace.code !== 0 && !namespace.stderr.includes('AlreadyExists')) throw new Error(`creating namespace ${CERTGUARD_NAMESPACE}: ${namespace.stderr}`);
  let values = chartValuesFor(options);
  let objects = renderChartIdentity(values);
  await applyObjects(cluster, objects, []);
  const token = await cluster.kubectl(['create', 'token', CERTGUARD_SERVICE_ACCOUNT, '-n', CERTGUARD_NAMESPACE, '--duration=2h']);
  if (token.code !== 0) throw new Error(`kubectl create token: ${token.stderr}`);
  const kubeconfigPath = join(cluster.kubeconfigPath, '..', 'certguard-sa-kubeconfig');
  writeServiceAccountKubeconfig(kubeconfigPath, cluster, token.stdout.trim());
  await assertCertguardIdentity(kubeconfigPath);
  const identity: ChartIdentity = {
    kubeconfigPath,
    get values() {
      return values;
    },
    update: async (next) => {
      const nextValues = chartValuesFor(next);
      const nextObjects = renderChartIdentity(nextValues);
      await applyObjects(cluster, nextObjects, objects);
      values = nextValues;
      objects = nextObjects;
    },
  };
  return identity;
};
