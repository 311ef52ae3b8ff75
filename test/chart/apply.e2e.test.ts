// The chart against a real kube-apiserver (test/e2e/harness: no kubelet, so nothing runs):
// every rendered manifest passes `kubectl apply --dry-run=server` (schema, CEL matchConditions,
// RBAC objects), and `certguard bootstrap` does its job through the API under exactly the chart's
// bootstrap RBAC — and certguard serve's ServiceAccount can do exactly what its view needs.
import t from 'tap';
import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { RESOURCES } from '../../src/cluster/resources.ts';
import { splitPem } from '../../src/certs/bootstrap.ts';
import { bootstrap, parseBootstrapArgs, type BootstrapRequest } from '../../src/cli/bootstrap.ts';
import { startCluster } from '../e2e/harness/cluster.ts';
import { runHelm } from '../helpers/helm.ts';
import { CHART, helmTemplate, WITH_PROMETHEUS_OPERATOR } from './render.ts';

const NAMESPACE = 'certguard';
// Kinds whose CRDs (Prometheus Operator) the test API server does not have.
const NOT_INSTALLED = new Set(['ServiceMonitor', 'PrometheusRule']);

const renderYaml = (values: object): string => {
  const result = helmTemplate(values, { namespace: NAMESPACE, release: 'certguard', ...WITH_PROMETHEUS_OPERATOR });
  if (result.status !== 0) throw new Error(result.stderr);
  return parseAllDocuments(result.stdout)
    .map((document) => document.toJS() as { kind: string } | null)
    .filter((object): object is { kind: string } => object !== null && !NOT_INSTALLED.has(object.kind))
    .map((object) => `---\n${stringify(object)}`)
    .join('');
};

const cluster = await startCluster();
t.teardown(() => cluster.stop());
const created = await cluster.kubectl(['create', 'namespace', NAMESPACE]);
if (created.code !== 0) throw new Error(created.stderr);

t.test('every rendered manifest passes a server-side dry run', async (t) => {
  const caBundle = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64');
  const sets: Record<string, object> = {
    'default values': {},
    'placeholder mode, failurePolicy Fail': { config: { policies: { 'gateway-listener-tls': { mode: 'placeholder' } } }, webhook: { failurePolicy: 'Fail' } },
    'cert-manager bootstrap': { certManager: { enabled: true } },
    'placeholder mode with rbac.namespaces (Roles, a narrower secret fence)': {
      config: { policies: { 'gateway-listener-tls': { mode: 'placeholder' } } },
      rbac: { namespaces: [NAMESPACE] },
    },
    'extra exclusions, monitoring, NetworkPolicy with egress': {
      webhook: { excludeNamespaces: ['flux-system'], extraNamespaceSelectorExpressions: [{ key: 'team', operator: 'Exists' }] },
      serviceMonitor: { enabled: true },
      prometheusRule: { enabled: true },
      networkPolicy: { enabled: true, egress: [{ ports: [{ port: 53, protocol: 'UDP' }] }] },
    },
    'development URL and caBundle': { webhook: { url: 'https://127.0.0.1:9443', caBundle } },
  };
  for (const [name, values] of Object.entries(sets)) {
    const applied = await cluster.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: renderYaml(values) });
    t.equal(applied.code, 0, `${name}${applied.code === 0 ? '' : `: ${applied.stderr}`}`);
  }
});

t.test('certguard bootstrap under the chart’s bootstrap RBAC', async (t) => {
  // Apply the release for real (nothing runs: no kubelet), placeholder mode so both configurations
  // exist; server-side apply with helm's field manager, as Helm 4 installs.
  const applied = await cluster.kubectl(['apply', '--server-side', '--field-manager=helm', '-f', '-'], {
    input: renderYaml({ config: { policies: { 'gateway-listener-tls': { mode: 'placeholder' } } } }),
  });
  t.equal(applied.code, 0, `the release applies${applied.code === 0 ? '' : `: ${applied.stderr}`}`);
  const token = await cluster.kubectl(['create', 'token', 'certguard-bootstrap', '-n', NAMESPACE]);
  t.equal(token.code, 0, 'a token for the renewal CronJob’s ServiceAccount');
  const kubeconfig = parse(await (await import('node:fs/promises')).readFile(cluster.kubeconfigPath, 'utf8')) as { users: { user: { token: string } }[] };
  for (const user of kubeconfig.users) user.user.token = token.stdout.trim();
  const kubeconfigPath = join(cluster.kubeconfigPath, '..', 'bootstrap-kubeconfig');
  writeFileSync(kubeconfigPath, stringify(kubeconfig), { mode: 0o600 });

  const job = (await cluster.kubectl(['get', 'job', 'certguard-bootstrap', '-n', NAMESPACE, '-o', 'json'])).stdout;
  const args = (JSON.parse(job) as { spec: { template: { spec: { containers: { args: string[] }[] } } } }).spec.template.spec.containers[0]?.args ?? [];
  const request = parseBootstrapArgs([...args.slice(1), `--kubeconfig=${kubeconfigPath}`], {}) as BootstrapRequest;

  const first = await bootstrap(request);
  t.same(
    [first.ca.action, first.serving.action, first.missing],
    ['issue', 'issue', []],
    'the first run (with the Job’s own arguments) issues the CA and the serving certificate',
  );
  t.same(
    first.patched.sort(),
    [
      'mutating/certguard: gateway-listener-tls.certguard.io',
      'validating/certguard: acme-solver-cap.certguard.io',
      'validating/certguard: certificate-dns.certguard.io',
      'validating/certguard: certificate-issuable.certguard.io',
      'validating/certguard: tls-secret-in-use.certguard.io',
    ],
    'and publishes caBundle into every webhook',
  );

  const secret = JSON.parse((await cluster.kubectl(['get', 'secret', 'certguard-tls', '-n', NAMESPACE, '-o', 'json'])).stdout) as {
    type: string;
    data: Record<string, string>;
    metadata: { labels: Record<string, string>; resourceVersion: string };
  };
  t.equal(secret.type, 'kubernetes.io/tls', 'the serving Secret is a kubernetes.io/tls Secret');
  t.same(
    secret.metadata.labels,
    {
      'app.kubernetes.io/managed-by': 'certguard-bootstrap',
      'app.kubernetes.io/name': 'certguard',
      'app.kubernetes.io/instance': 'certguard',
      'app.kubernetes.io/component': 'webhook-tls',
    },
    'labelled',
  );
  const serving = new X509Certificate(Buffer.from(secret.data['tls.crt'] ?? '', 'base64'));
  for (const kind of ['validatingwebhookconfiguration', 'mutatingwebhookconfiguration']) {
    const configuration = JSON.parse((await cluster.kubectl(['get', kind, 'certguard', '-o', 'json'])).stdout) as {
      webhooks: { name: string; clientConfig: { caBundle: string } }[];
    };
    for (const webhook of configuration.webhooks) {
      const cas = splitPem(Buffer.from(webhook.clientConfig.caBundle, 'base64').toString('utf8')).map((pem) => new X509Certificate(pem));
      t.ok(
        cas.some((ca) => serving.verify(ca.publicKey)),
        `${webhook.name}: its caBundle verifies the serving certificate`,
      );
    }
  }

  const second = await bootstrap(request);
  t.same([second.ca.action, second.serving.action, second.patched], ['keep', 'keep', []], 'a second run changes nothing');
  const after = JSON.parse((await cluster.kubectl(['get', 'secret', 'certguard-tls', '-n', NAMESPACE, '-o', 'json'])).stdout) as {
    metadata: { resourceVersion: string };
  };
  t.equal(after.metadata.resourceVersion, secret.metadata.resourceVersion, 'the Secret was not rewritten');

  const upgraded = await cluster.kubectl(['apply', '--server-side', '--field-manager=helm', '-f', '-'], {
    input: renderYaml({ config: { policies: { 'gateway-listener-tls': { mode: 'placeholder' } } }, webhook: { timeoutSeconds: 7 } }),
  });
  t.equal(upgraded.code, 0, 're-applying the chart server-side (as helm 4 upgrades)');
  const kept = JSON.parse((await cluster.kubectl(['get', 'validatingwebhookconfiguration', 'certguard', '-o', 'json'])).stdout) as {
    webhooks: { timeoutSeconds: number; clientConfig: { caBundle?: string } }[];
  };
  t.same(
    kept.webhooks.map((w) => [w.timeoutSeconds, Boolean(w.clientConfig.caBundle)]),
    [
      [7, true],
      [7, true],
      [7, true],
      [7, true],
    ],
    'changes the webhooks but keeps the published caBundle (the chart never renders it)',
  );

  const forbidden = await cluster.kubectl(['--kubeconfig', kubeconfigPath, 'get', 'secrets', '-n', 'default']);
  t.match(forbidden.stderr, 'Forbidden', 'the bootstrap ServiceAccount cannot read other Secrets');
});

t.test('certguard serve’s ServiceAccount can read its view and nothing more', async (t) => {
  const as = `--as=system:serviceaccount:${NAMESPACE}:certguard`;
  // Services only when certificate-dns has ingress Services configured (none here).
  for (const resource of Object.values(RESOURCES).filter((resource) => resource.id !== 'services')) {
    const target = resource.group ? `${resource.plural}.${resource.group}` : resource.plural;
    // A get-only resource (ConfigMaps: the CA bundles Gateways name) is read by name, never listed.
    for (const verb of resource.getOnly ? ['get'] : ['list', 'watch', 'get']) {
      const can = await cluster.kubectl(['auth', 'can-i', verb, target, '--all-namespaces', as]);
      t.equal(can.stdout.trim(), 'yes', `${verb} ${target}`);
    }
  }
  for (const [verb, target] of [
    ['list', 'services'],
    ['update', 'secrets'],
    ['delete', 'secrets'],
    ['create', 'configmaps'],
    ['list', 'configmaps'],
    ['watch', 'configmaps'],
    ['patch', 'validatingwebhookconfigurations.admissionregistration.k8s.io'],
    ['update', 'gateways.gateway.networking.k8s.io'],
  ]) {
    const can = await cluster.kubectl(['auth', 'can-i', verb ?? '', target ?? '', '--all-namespaces', as]);
    t.equal(can.stdout.trim(), 'no', `cannot ${verb} ${target}`);
  }
  const create = await cluster.kubectl(['auth', 'can-i', 'create', 'secrets', '--all-namespaces', as]);
  t.equal(create.stdout.trim(), 'yes', 'placeholder mode (applied above) lets it create Secrets');
});

t.test('rbac.namespaces naming a namespace that does not exist yet: helm install creates it for its Role, and keeps it', async (t) => {
  const caBundle = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64');
  // The real helm against the test API server: `lookup` sees the cluster. --no-hooks: no kubelet runs the bootstrap Job.
  const helm = (verb: string[]) =>
    runHelm([
      ...verb,
      '--kubeconfig',
      cluster.kubeconfigPath,
      '--namespace',
      'guard-system',
      '--no-hooks',
      '--set',
      'rbac.namespaces={apps-later}',
      '--set',
      'bootstrap.enabled=false',
      '--set',
      `webhook.caBundle=${caBundle}`,
    ]);
  t.equal((await cluster.kubectl(['get', 'namespace', 'apps-later'])).code, 1, 'the namespace does not exist before');
  const installed = helm(['install', 'guard', CHART, '--create-namespace']);
  t.equal(installed.status, 0, installed.stderr);
  const role = await cluster.kubectl(['get', 'role', 'guard-certguard-secrets', '-n', 'apps-later', '-o', 'jsonpath={.rules[0].verbs}']);
  t.same([role.code, role.stdout], [0, '["get","list","watch"]'], 'the Role is there');
  const kept = async () =>
    (await cluster.kubectl(['get', 'namespace', 'apps-later', '-o', 'jsonpath={.metadata.annotations.helm\\.sh/resource-policy}'])).stdout;
  t.equal(await kept(), 'keep', 'the namespace the chart created is kept');
  const upgraded = helm(['upgrade', 'guard', CHART]);
  t.equal(upgraded.status, 0, `helm upgrade, now that the namespace exists: ${upgraded.stderr}`);
  t.equal(await kept(), 'keep', 'still there after the upgrade');
  const uninstalled = runHelm(['uninstall', 'guard', '--kubeconfig', cluster.kubeconfigPath, '--namespace', 'guard-system', '--no-hooks']);
  t.equal(uninstalled.status, 0, uninstalled.stderr);
  t.equal(
    (await cluster.kubectl(['get', 'namespace', 'apps-later', '-o', 'name'])).stdout,
    'namespace/apps-later\n',
    'and after uninstall: it holds the apps, not the release',
  );
});
