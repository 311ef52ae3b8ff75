// Scope safety: certguard can never block its own repair. kube-system and certguard's namespace
// are never sent to it (namespaceSelector from the chart), so with certguard stopped objects
// there can still be created and changed. Elsewhere the chart's failurePolicy decides: Fail
// refuses with "failed calling webhook", Ignore (the chart's default for validating webhooks)
// admits unchecked.
import t from 'tap';
import type { Cluster } from './harness/cluster.ts';
import { gateway, httpsListener, namespace, yamlOf } from './harness/objects.ts';
import { waitFor } from './harness/processes.ts';
import { startStack } from './harness/stack.ts';
import { CERTGUARD_NAMESPACE, registerWebhooks } from './harness/webhooks.ts';

type Obj = Record<string, unknown>;

// One object per webhook, each something certguard would judge (and the Gateway, deny).
// A Certificate goes to certificate-dns and certificate-issuable at once: the API server calls
// validating webhooks in parallel, so either may be the one its error names.
const judgedObjects = (ns: string, suffix: string): Array<{ webhook: string; alsoCalled?: string[]; resource: string; object: Obj }> => [
  {
    webhook: 'gateway-listener-tls.certguard.io',
    resource: `gateway.gateway.networking.k8s.io/gw-${suffix}`,
    object: gateway(ns, `gw-${suffix}`, [httpsListener('websecure', 'app.example.com', `missing-${suffix}`)]),
  },
  {
    webhook: 'acme-solver-cap.certguard.io',
    resource: `httproute.gateway.networking.k8s.io/solver-${suffix}`,
    object: {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { namespace: ns, name: `solver-${suffix}`, labels: { 'acme.cert-manager.io/http01-solver': 'true' } },
      spec: { hostnames: ['app.example.com'] },
    },
  },
  {
    webhook: 'certificate-dns.certguard.io',
    alsoCalled: ['certificate-issuable.certguard.io'],
    resource: `certificate.cert-manager.io/cert-${suffix}`,
    object: {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { namespace: ns, name: `cert-${suffix}` },
      spec: { secretName: `cert-${suffix}`, dnsNames: ['app.example.com'], issuerRef: { kind: 'ClusterIssuer', name: 'letsencrypt' } },
    },
  },
];

const create = (cluster: Cluster, object: Obj) => cluster.kubectl(['create', '-f', '-'], { input: yamlOf(object) });

t.test('scope safety: certguard stopped', async (t) => {
  const stack = await startStack(t, { config: {}, failurePolicy: 'Fail' });
  const { cluster } = stack;
  const namespaces = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(namespace(CERTGUARD_NAMESPACE), namespace('team-a'), namespace('team-b')) });
  t.equal(namespaces.code, 0, namespaces.stderr);

  await t.test('while certguard runs, kube-system and its own namespace are not sent to it', async (t) => {
    const elsewhere = await create(cluster, gateway('team-a', 'gw-running', [httpsListener('websecure', 'app.example.com', 'missing-running')]));
    t.equal(elsewhere.code, 1, 'the same Gateway is denied in an ordinary namespace');
    t.match(elsewhere.stderr, 'admission webhook "gateway-listener-tls.certguard.io" denied the request');
    for (const ns of ['kube-system', CERTGUARD_NAMESPACE]) {
      const created = await create(cluster, gateway(ns, 'gw-running', [httpsListener('websecure', 'app.example.com', 'missing-running')]));
      t.equal(created.stdout, 'gateway.gateway.networking.k8s.io/gw-running created\n', `admitted unchecked in ${ns}`);
      t.equal(created.stderr, '');
    }
  });

  const { port } = stack.certguard;
  await stack.certguard.stop();

  for (const ns of ['kube-system', CERTGUARD_NAMESPACE]) {
    await t.test(`${ns}: every kind certguard judges can still be created and changed`, async (t) => {
      for (const { resource, object } of judgedObjects(ns, 'stopped')) {
        const created = await create(cluster, object);
        t.equal(created.stdout, `${resource} created\n`, created.stderr);
        const changed = await cluster.kubectl(['label', '-n', ns, resource, 'example.com/changed=true']);
        t.equal(changed.stdout, `${resource} labeled\n`, changed.stderr);
      }
    });
  }

  await t.test('elsewhere with failurePolicy Fail: refused, naming the webhook that could not be called', async (t) => {
    const refusal = (webhook: string): string =>
      `Error from server (InternalError): error when creating "STDIN": Internal error occurred: failed calling webhook "${webhook}": failed to call webhook: ` +
      `Post "https://127.0.0.1:${port}/validate/${webhook.replace('.certguard.io', '')}?timeout=5s": dial tcp 127.0.0.1:${port}: connect: connection refused\n`;
    for (const { webhook, alsoCalled = [], object } of judgedObjects('team-a', 'stopped')) {
      const created = await create(cluster, object);
      t.equal(created.code, 1);
      t.ok([webhook, ...alsoCalled].map(refusal).includes(created.stderr), `refused naming ${[webhook, ...alsoCalled].join(' or ')}:\n${created.stderr}`);
    }
  });

  await t.test("elsewhere with the chart's default failurePolicy (Ignore): admitted unchecked", async (t) => {
    await registerWebhooks(cluster, { url: stack.certguard.url, caBundle: stack.certguard.caBundle, config: {}, failurePolicy: 'Ignore' });
    // The API server picks the new failurePolicy up a moment later (one configuration object).
    const [probe] = judgedObjects('team-b', 'probe');
    await waitFor('failurePolicy Ignore to take effect', async () =>
      (await cluster.kubectl(['create', '--dry-run=server', '-f', '-'], { input: yamlOf(probe?.object ?? {}) })).code === 0 ? true : undefined,
    );
    for (const { resource, object } of judgedObjects('team-b', 'ignored')) {
      const created = await create(cluster, object);
      t.equal(created.stdout, `${resource} created\n`);
      t.equal(created.stderr, '', 'no warning: certguard never saw it');
    }
  });
});
