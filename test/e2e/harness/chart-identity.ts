// certguard's identity in the scenarios that run it as a local process: the chart's ServiceAccount
// with exactly the RBAC (and secret fence) `helm install` gives it for the values a user would set
// for that config, and a kubeconfig holding a TokenRequest token of it. So a rule the chart is
// missing fails a test, as it would fail in a cluster.
//
//   const identity = await applyChartIdentity(cluster, { config, extraArgs });
//   const certguard = await startCertguard({ kubeconfigPath: identity.kubeconfigPath, config, extraArgs });
//   await identity.update({ config: other });   // re-renders: adds what is new, deletes what is gone
//
// chartValuesFor({ config, extraArgs, values }) → the chart values: config as given,
//   rbac.namespaces from --secret-namespaces, audit.enabled from --audit (the Deployment passes
//   these flags from those values), then `values` merged at the top level.
// renderChartIdentity(values) → the objects: certguard's ServiceAccount, every (Cluster)RoleBinding
//   whose subject it is and the (Cluster)Roles they bind, the secret fence's
//   ValidatingAdmissionPolicy and binding when the chart renders them (placeholder mode), and the
//   Namespaces rbac.namespaces creates (applied only if absent, as the chart's `lookup` does).
// The token lasts 2 h (longer than any scenario) and outlives API server restarts: same etcd, same
// signing key. assertCertguardIdentity(kubeconfigPath) asks the API server who that is.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { render, type K8sObject } from '../../chart/render.ts';
import { withoutProxies, type Cluster } from './cluster.ts';
import { KUBECTL } from './paths.ts';
import { base64 } from './pki.ts';
import { run } from './processes.ts';
import { CERTGUARD_NAMESPACE } from './webhooks.ts';

/** The chart's ServiceAccount for release "certguard" in CERTGUARD_NAMESPACE. */
export const CERTGUARD_SERVICE_ACCOUNT = 'certguard';
export const CERTGUARD_USER = `system:serviceaccount:${CERTGUARD_NAMESPACE}:${CERTGUARD_SERVICE_ACCOUNT}`;

export type IdentityOptions = {
  /** The config certguard runs with (the chart's `config` value). */
  config?: object;
  /** The serve flags it runs with: --secret-namespaces and --audit map to chart values. */
  extraArgs?: string[];
  /** More chart values, merged at the top level (e.g. webhook.excludeNamespaces). */
  values?: Record<string, unknown>;
};

export type ChartIdentity = {
  kubeconfigPath: string;
  /** The values the RBAC was rendered from. */
  values: Record<string, unknown>;
  /** Re-renders for another config: applies the new objects and deletes those no longer rendered. */
  update(options: IdentityOptions): Promise<void>;
};

const flagValue = (args: string[], name: string): string | undefined => {
  const index = args.findIndex((arg) => arg === name || arg.startsWith(`${name}=`));
  if (index < 0) return undefined;
  const arg = args[index] ?? '';
  return arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[index + 1];
};

export const chartValuesFor = (options: IdentityOptions = {}): Record<string, unknown> => {
  const args = options.extraArgs ?? [];
  const namespaces = flagValue(args, '--secret-namespaces')?.split(',').filter(Boolean) ?? [];
  return { config: options.config ?? {}, rbac: { namespaces }, audit: { enabled: args.includes('--audit') }, ...options.values };
};

type Subject = { kind: string; name: string; namespace?: string };
type Binding = K8sObject & { subjects?: Subject[]; roleRef: { kind: string; name: string } };

const isCertguard = (subject: Subject) =>
  subject.kind === 'ServiceAccount' && subject.name === CERTGUARD_SERVICE_ACCOUNT && subject.namespace === CERTGUARD_NAMESPACE;

const keyOf = (object: K8sObject) => `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;

export const renderChartIdentity = (values: Record<string, unknown>): K8sObject[] => {
  const { objects } = render(values, { namespace: CERTGUARD_NAMESPACE, release: 'certguard' });
  const bindings = objects.filter(
    (object): object is Binding =>
      (object.kind === 'RoleBinding' || object.kind === 'ClusterRoleBinding') && ((object as Binding).subjects ?? []).some(isCertguard),
  );
  const roles = new Set(
    bindings.map((binding) => `${binding.roleRef.kind}/${binding.kind === 'RoleBinding' ? binding.metadata.namespace : ''}/${binding.roleRef.name}`),
  );
  return objects.filter(
    (object) =>
      (object.kind === 'ServiceAccount' && object.metadata.name === CERTGUARD_SERVICE_ACCOUNT) ||
      bindings.includes(object as Binding) ||
      roles.has(keyOf(object)) ||
      object.kind === 'Namespace' ||
      (object.kind.startsWith('ValidatingAdmissionPolicy') && object.metadata.name === 'certguard-secret-fence'),
  );
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
