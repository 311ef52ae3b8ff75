// The secret fence on a real API server (charts/certguard/templates/secret-fence.yaml,
// docs/security.md): with the chart's RBAC and policy applied, a token for certguard's
// ServiceAccount can create a placeholder-shaped TLS Secret in a namespace certguard serves and
// nothing else; the API server refuses the rest with the policy's message, even when an admin
// grants certguard more than the chart does. certguard itself, running with that token in
// placeholder mode behind the chart's webhooks, still makes its placeholder.
import t from 'tap';
import { buildPlaceholderSecret, generatePlaceholderCertificate, type GeneratePlaceholder } from '../../src/policies/gateway-listener-tls/placeholder.ts';
import { startCertguard } from './harness/certguard.ts';
import { applyChartIdentity } from './harness/chart-identity.ts';
import { startCluster } from './harness/cluster.ts';
import { gateway, httpsListener, namespace, yamlOf } from './harness/objects.ts';
import { waitFor } from './harness/processes.ts';
import { waitForWebhooks } from './harness/stack.ts';
import { CERTGUARD_NAMESPACE, registerWebhooks } from './harness/webhooks.ts';

type Obj = Record<string, unknown> & { metadata: { namespace: string; name: string; labels?: Record<string, string>; annotations?: Record<string, string> } };

// forUnmanagedSecrets: the flow below adds a listener whose Secret no Certificate fills; the fence,
// not the issuance graph, is under test here.
const PLACEHOLDER_CONFIG = { policies: { 'gateway-listener-tls': { mode: 'placeholder', placeholder: { forUnmanagedSecrets: true } } } };
// One real key pair for every Secret below (the API server warns about tls.crt that is not PEM).
let issued: ReturnType<GeneratePlaceholder> | undefined;
const onceGenerated: GeneratePlaceholder = (spec) => (issued ??= generatePlaceholderCertificate(spec));

/** Exactly the Secret certguard's placeholder mode builds (placeholder.ts). */
const placeholderShaped = async (ns: string, name: string): Promise<Obj> =>
  (await buildPlaceholderSecret(
    { namespace: ns, name, owner: { kind: 'Gateway', namespace: ns, name: 'web' }, listenerNames: ['https'], hostnames: ['app.example.com'] },
    { validityDays: 7, commonName: 'certguard-placeholder', forUnmanagedSecrets: false },
    new Date(),
    onceGenerated,
  )) as Obj;

const with_ = (secret: Obj, change: (copy: Obj) => void): Obj => {
  const copy = structuredClone(secret);
  change(copy);
  return copy;
};

const POLICY = "ValidatingAdmissionPolicy 'certguard-secret-fence' with binding 'certguard-secret-fence' denied request";
const fenceMessage = (operation: string, ns: string, name: string, violations: string[]): string =>
  `${POLICY}: certguard secret fence (docs/security.md): certguard's ServiceAccount may only create placeholder TLS Secrets, ${operation} of Secret "${ns}/${name}" refused: ${violations.join('; ')}`;
const refusedCreate = (ns: string, name: string, violations: string[]): string =>
  `Error from server (Forbidden): error when creating "STDIN": secrets "${name}" is forbidden: ${fenceMessage('CREATE', ns, name, violations)}\n`;

const RULE = {
  namespace: (ns: string) => `rule served-namespace: namespace "${ns}" is not one certguard serves`,
  type: (type: string) => `rule tls-type: type is "${type}", must be kubernetes.io/tls`,
  keys: (keys: string[]) => `rule tls-keys: data keys are [${keys.join(', ')}], must be exactly tls.crt and tls.key`,
  labels: 'rule placeholder-labels: labels app.kubernetes.io/managed-by=certguard and certguard.io/placeholder=true are required',
  issuer:
    'rule sentinel-issuer: annotations cert-manager.io/issuer-name=certguard.io/placeholder, cert-manager.io/issuer-kind=CertguardPlaceholder and cert-manager.io/issuer-group=placeholder.certguard.io are required',
  createOnly: 'rule create-only: certguard never updates, patches or deletes a Secret, only creates placeholders',
};

const cluster = await startCluster();
t.teardown(() => cluster.stop());
const setup = await cluster.kubectl(['apply', '-f', '-'], {
  input: yamlOf(namespace(CERTGUARD_NAMESPACE), namespace('apps'), namespace('web'), {
    ...namespace('opted-out'),
    metadata: { name: 'opted-out', labels: { 'certguard.io/exclude': 'true' } },
  }),
});
if (setup.code !== 0) throw new Error(setup.stderr);
// The chart's RBAC and secret fence for placeholder mode, and a token of its ServiceAccount.
const identity = await applyChartIdentity(cluster, { config: PLACEHOLDER_CONFIG });
const kubeconfig = identity.kubeconfigPath;
const asCertguard = (args: string[], input?: string) => cluster.kubectl(['--kubeconfig', kubeconfig, ...args], { input });
const createAsCertguard = (secret: Obj) => asCertguard(['create', '-f', '-'], yamlOf(secret));

// The API server compiles a new policy and its binding through informers, a moment after they are stored.
await waitFor(
  'the API server to enforce the secret fence',
  async () => {
    const probe = await createAsCertguard({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: { namespace: 'apps', name: 'fence-probe' },
      data: { a: 'YQ==' },
    });
    if (probe.code === 0) await cluster.kubectl(['delete', 'secret', 'fence-probe', '-n', 'apps']);
    return probe.stderr.includes(POLICY) ? true : undefined;
  },
  { timeoutMs: 30_000, intervalMs: 250 },
);

t.test('certguard’s ServiceAccount creates a placeholder-shaped Secret in a namespace it serves', async (t) => {
  const created = await createAsCertguard(await placeholderShaped('apps', 'app-tls'));
  t.equal(created.code, 0, created.stderr);
  t.equal(created.stdout, 'secret/app-tls created\n');
});

t.test('and nothing else: the API server refuses with the rule broken', async (t) => {
  const good = await placeholderShaped('apps', 'x');
  const cases: [string, Obj, string[]][] = [
    [
      'an Opaque Secret',
      { apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { namespace: 'apps', name: 'opaque' }, data: { password: 'aHVudGVyMg==' } },
      [RULE.type('Opaque'), RULE.keys(['password']), RULE.labels, RULE.issuer],
    ],
    [
      'a ServiceAccount token Secret (a token for any ServiceAccount of the namespace)',
      {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'kubernetes.io/service-account-token',
        metadata: { namespace: 'apps', name: 'steal-token', annotations: { 'kubernetes.io/service-account.name': 'default' } },
      },
      [RULE.type('kubernetes.io/service-account-token'), RULE.keys([]), RULE.labels, RULE.issuer],
    ],
    [
      'a placeholder-shaped token Secret',
      with_(good, (s) => {
        s.metadata.name = 'shaped-token';
        s.type = 'kubernetes.io/service-account-token';
        s.metadata.annotations = { ...s.metadata.annotations, 'kubernetes.io/service-account.name': 'default' };
      }),
      [RULE.type('kubernetes.io/service-account-token')],
    ],
    [
      'a TLS Secret without the placeholder labels',
      with_(good, (s) => {
        s.metadata.name = 'unlabelled';
        delete s.metadata.labels;
      }),
      [RULE.labels],
    ],
    [
      'a TLS Secret without the sentinel issuer',
      with_(good, (s) => {
        s.metadata.name = 'real-issuer';
        s.metadata.annotations = { ...s.metadata.annotations, 'cert-manager.io/issuer-name': 'letsencrypt' };
      }),
      [RULE.issuer],
    ],
    [
      'a TLS Secret with one more data key',
      with_(good, (s) => {
        s.metadata.name = 'extra-key';
        s.data = { ...(s.data as object), 'ca.crt': 'Y2E=' };
      }),
      [RULE.keys(['ca.crt', 'tls.crt', 'tls.key'])],
    ],
    [
      'a placeholder in kube-system',
      with_(good, (s) => {
        s.metadata.namespace = 'kube-system';
        s.metadata.name = 'kube-tls';
      }),
      [RULE.namespace('kube-system')],
    ],
    [
      'an Opaque Secret in kube-system',
      {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'Opaque',
        metadata: { namespace: 'kube-system', name: 'bootstrap-token-abcdef' },
        data: { 'token-id': 'YWJjZGVm' },
      },
      [RULE.namespace('kube-system'), RULE.type('Opaque'), RULE.keys(['token-id']), RULE.labels, RULE.issuer],
    ],
    [
      'a placeholder in certguard’s own namespace',
      with_(good, (s) => {
        s.metadata.namespace = CERTGUARD_NAMESPACE;
        s.metadata.name = 'certguard-tls';
      }),
      [RULE.namespace(CERTGUARD_NAMESPACE)],
    ],
    [
      'a placeholder in a namespace labelled certguard.io/exclude=true',
      with_(good, (s) => {
        s.metadata.namespace = 'opted-out';
        s.metadata.name = 'opted-tls';
      }),
      [RULE.namespace('opted-out')],
    ],
  ];
  for (const [name, secret, violations] of cases) {
    const created = await createAsCertguard(secret);
    t.equal(created.code, 1, `${name}: refused`);
    t.equal(created.stderr, refusedCreate(secret.metadata.namespace, secret.metadata.name, violations), `${name}: the policy's message, verbatim`);
  }
  const secrets = await cluster.kubectl(['get', 'secrets', '-A', '-o', 'jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name} {end}']);
  t.equal(secrets.stdout.trim(), 'apps/app-tls', 'nothing but the placeholder was stored');
});

t.test('updates, patches and deletes: RBAC refuses them, and the fence still does when RBAC is widened', async (t) => {
  const patched = await asCertguard(['label', 'secret', 'app-tls', '-n', 'apps', 'stolen=yes']);
  t.match(patched.stderr, 'cannot patch resource "secrets"', 'the chart grants no patch');
  const grant = await cluster.kubectl(['create', 'role', 'too-wide', '-n', 'apps', '--verb=get,update,patch,delete', '--resource=secrets']);
  const bind = await cluster.kubectl([
    'create',
    'rolebinding',
    'too-wide',
    '-n',
    'apps',
    '--role=too-wide',
    `--serviceaccount=${CERTGUARD_NAMESPACE}:certguard`,
  ]);
  t.same([grant.code, bind.code], [0, 0], 'an admin grants certguard update, patch and delete on Secrets in apps');
  await waitFor(
    'RBAC to see the new grant',
    async () => ((await asCertguard(['auth', 'can-i', 'delete', 'secrets', '-n', 'apps'])).stdout.trim() === 'yes' ? true : undefined),
    { timeoutMs: 15_000, intervalMs: 250 },
  );
  const prefix = 'Error from server (Forbidden): secrets "app-tls" is forbidden: ';
  const label = await asCertguard(['label', 'secret', 'app-tls', '-n', 'apps', 'stolen=yes']);
  t.equal(label.stderr, `${prefix}${fenceMessage('UPDATE', 'apps', 'app-tls', [RULE.createOnly])}\n`, 'a patch (an UPDATE to admission) is refused');
  const replaced = await asCertguard(['replace', '-f', '-'], yamlOf(await placeholderShaped('apps', 'app-tls')));
  t.equal(
    replaced.stderr,
    `Error from server (Forbidden): error when replacing "STDIN": secrets "app-tls" is forbidden: ${fenceMessage('UPDATE', 'apps', 'app-tls', [RULE.createOnly])}\n`,
    'an update is refused',
  );
  const deleted = await asCertguard(['delete', 'secret', 'app-tls', '-n', 'apps']);
  t.equal(deleted.stderr, `${prefix}${fenceMessage('DELETE', 'apps', 'app-tls', [RULE.createOnly])}\n`, 'a delete is refused');
  const still = await cluster.kubectl(['get', 'secret', 'app-tls', '-n', 'apps', '-o', 'jsonpath={.metadata.labels.stolen}']);
  t.same([still.code, still.stdout], [0, ''], 'the Secret is still there, unlabelled');
  const admin = await cluster.kubectl(['label', 'secret', 'app-tls', '-n', 'apps', 'reviewed=yes']);
  t.equal(admin.code, 0, `other users are not fenced: ${admin.stderr}`);
});

t.test('certguard in placeholder mode, with that ServiceAccount’s token, still makes its placeholder', async (t) => {
  const certguard = await startCertguard({ kubeconfigPath: kubeconfig, config: PLACEHOLDER_CONFIG });
  t.teardown(() => certguard.stop());
  await registerWebhooks(cluster, { url: certguard.url, caBundle: certguard.caBundle, config: PLACEHOLDER_CONFIG });
  await waitForWebhooks(cluster);
  const applied = await cluster.kubectl(['apply', '-f', '-'], {
    input: yamlOf(gateway('apps', 'web', [httpsListener('https', 'web.example.com', 'web-tls')])),
  });
  t.equal(applied.code, 0, applied.stderr);
  t.match(applied.stderr, 'web-tls', 'kubectl warns about the placeholder');
  const got = await cluster.kubectl(['get', 'secret', 'web-tls', '-n', 'apps', '-o', 'json']);
  t.equal(got.code, 0, `the placeholder exists: ${got.stderr}`);
  const secret = JSON.parse(got.stdout) as Obj & { type: string; data: Record<string, string> };
  t.equal(secret.type, 'kubernetes.io/tls');
  t.same(Object.keys(secret.data).sort(), ['tls.crt', 'tls.key']);
  t.match(secret.metadata.labels, { 'app.kubernetes.io/managed-by': 'certguard', 'certguard.io/placeholder': 'true' });
  t.match(secret.metadata.annotations, { 'cert-manager.io/issuer-name': 'certguard.io/placeholder', 'certguard.io/placeholder-for': 'Gateway apps/web' });
  t.notMatch(certguard.logs(), 'secret fence', 'certguard never ran into the fence');
});

t.test('rbac.namespaces: Secrets through Roles only, serve watches only there, placeholders only there', async (t) => {
  // Replaces the ClusterRole (no Secrets any more), adds the Roles and narrows the policy.
  await identity.update({ config: PLACEHOLDER_CONFIG, extraArgs: ['--secret-namespaces=apps'] });
  const canList = async (ns: string) => (await asCertguard(['auth', 'can-i', 'list', 'secrets', '-n', ns])).stdout.trim();
  await waitFor('RBAC to drop cluster-wide Secrets', async () => ((await canList('web')) === 'no' ? true : undefined), { timeoutMs: 15_000, intervalMs: 250 });
  t.same([await canList('apps'), await canList('web')], ['yes', 'no'], 'Secrets readable in apps only');
  const certguard = await startCertguard({ kubeconfigPath: kubeconfig, config: PLACEHOLDER_CONFIG, extraArgs: ['--secret-namespaces=apps'] });
  t.teardown(() => certguard.stop());
  t.pass('certguard becomes ready: it lists and watches Secrets in apps only (a cluster-wide list would be forbidden)');
  await registerWebhooks(cluster, { url: certguard.url, caBundle: certguard.caBundle, config: PLACEHOLDER_CONFIG });
  await waitForWebhooks(cluster);
  const applied = await cluster.kubectl(['apply', '-f', '-'], {
    input: yamlOf(gateway('apps', 'shop', [httpsListener('https', 'shop.example.com', 'shop-tls')])),
  });
  t.equal(applied.code, 0, applied.stderr);
  const got = await cluster.kubectl(['get', 'secret', 'shop-tls', '-n', 'apps', '-o', 'jsonpath={.metadata.labels.certguard\\.io/placeholder}']);
  t.same([got.code, got.stdout], [0, 'true'], `the placeholder exists in apps: ${got.stderr}`);
  const elsewhere = await createAsCertguard(await placeholderShaped('web', 'web-tls'));
  t.match(elsewhere.stderr, 'cannot create resource "secrets" in API group "" in the namespace "web"', 'RBAC refuses a placeholder outside rbac.namespaces');
  const role = await cluster.kubectl(['create', 'role', 'create-in-web', '-n', 'web', '--verb=create,list', '--resource=secrets']);
  const binding = await cluster.kubectl([
    'create',
    'rolebinding',
    'create-in-web',
    '-n',
    'web',
    '--role=create-in-web',
    `--serviceaccount=${CERTGUARD_NAMESPACE}:certguard`,
  ]);
  t.same([role.code, binding.code], [0, 0], 'an admin lets certguard create Secrets in web');
  await waitFor('RBAC to see the grant', async () => ((await canList('web')) === 'yes' ? true : undefined), { timeoutMs: 15_000, intervalMs: 250 });
  // The narrowed policy reached the API server through an informer: wait for it on dry runs, which store nothing.
  const webPlaceholder = yamlOf(await placeholderShaped('web', 'web-tls'));
  await waitFor(
    'the narrowed fence',
    async () => ((await asCertguard(['create', '--dry-run=server', '-f', '-'], webPlaceholder)).stderr.includes(RULE.namespace('web')) ? true : undefined),
    { timeoutMs: 15_000, intervalMs: 250 },
  );
  const fenced = await asCertguard(['create', '-f', '-'], webPlaceholder);
  t.equal(fenced.stderr, refusedCreate('web', 'web-tls', [RULE.namespace('web')]), 'the fence still refuses: web is not in rbac.namespaces');
});
