// What a live audit lists beyond the view: ACME Challenges once per audit and, only when some
// exist, the Orders and CertificateRequests above them as metadata. Requests are counted at the
// fake API server.
import t from 'tap';
import { IssuanceRecords } from '../../src/audit/challenges.ts';
import type { AuditSource } from '../../src/audit/audit.ts';
import { createAuditClient, liveSource } from '../../src/audit/live-source.ts';
import type { ClusterView } from '../../src/cluster/view.ts';
import type { KubeObject } from '../../src/kube/object.ts';
import { ManifestView } from '../../src/cluster/manifest-view.ts';
import type { KubeClient } from '../../src/cluster/live/kube-client.ts';
import { DEFAULT_FAKE_RESOURCES, FakeApiServer, type FakeObject } from '../cluster/fake-api-server.ts';

const RESOURCES = [
  ...DEFAULT_FAKE_RESOURCES,
  { group: 'acme.cert-manager.io', versions: ['v1'], plural: 'challenges', kind: 'Challenge', namespaced: true },
  { group: 'acme.cert-manager.io', versions: ['v1'], plural: 'orders', kind: 'Order', namespaced: true },
  { group: 'cert-manager.io', versions: ['v1'], plural: 'certificaterequests', kind: 'CertificateRequest', namespaced: true },
];

const owned = (apiVersion: string, kind: string, name: string, uid: string) => [{ apiVersion, kind, name, uid, controller: true }];

const start = async (t: { teardown(fn: () => unknown): void }) => {
  const api = new FakeApiServer(RESOURCES);
  await api.start();
  const client = createAuditClient(api.kubeconfigPath);
  t.teardown(async () => {
    client.close();
    await api.stop();
  });
  api.apply({
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: { name: 'app-tls', namespace: 'apps', uid: 'uid-cert' },
    spec: { secretName: 'app-tls', dnsNames: ['app.example.com'] },
  });
  api.apply({
    apiVersion: 'cert-manager.io/v1',
    kind: 'CertificateRequest',
    metadata: { name: 'app-tls-1', namespace: 'apps', uid: 'uid-cr', ownerReferences: owned('cert-manager.io/v1', 'Certificate', 'app-tls', 'uid-cert') },
    spec: { request: 'LS0tLS1CRUdJTi...' },
  });
  api.apply({
    apiVersion: 'acme.cert-manager.io/v1',
    kind: 'Order',
    metadata: {
      name: 'app-tls-1-1',
      namespace: 'apps',
      uid: 'uid-order',
      ownerReferences: owned('cert-manager.io/v1', 'CertificateRequest', 'app-tls-1', 'uid-cr'),
    },
    spec: { request: 'LS0tLS1CRUdJTi...' },
  });
  return { api, client };
};

/** Everything a source gives, issuance records first. */
const collect = async (source: AuditSource): Promise<KubeObject[]> => {
  const objects = [...(await source.issuance())];
  for await (const { pages } of source.batches()) for await (const page of pages) objects.push(...page);
  return objects;
};

const liveObjects = (view: ClusterView, client: KubeClient): Promise<KubeObject[]> => collect(liveSource(view, client));

const paths = (api: FakeApiServer, plural: string) => api.requests.filter((request) => request.path.split('?')[0]?.endsWith(`/${plural}`));

t.test('without Challenges, no Order or CertificateRequest is listed', async (t) => {
  const { api, client } = await start(t);
  const objects = await liveObjects(new ManifestView([]), client);
  t.same(
    objects.map((object) => object.kind),
    ['Certificate'],
  );
  t.equal(paths(api, 'challenges').length, 1, 'one list of Challenges');
  t.equal(paths(api, 'orders').length + paths(api, 'certificaterequests').length, 0);
});

t.test('with a Challenge, its Order and CertificateRequest are listed as metadata and lead to the Certificate', async (t) => {
  const { api, client } = await start(t);
  const challenge: FakeObject = {
    apiVersion: 'acme.cert-manager.io/v1',
    kind: 'Challenge',
    metadata: { name: 'app-tls-1-1-1', namespace: 'apps', ownerReferences: owned('acme.cert-manager.io/v1', 'Order', 'app-tls-1-1', 'uid-order') },
    spec: { dnsName: 'app.example.com', type: 'HTTP-01' },
    status: { state: 'invalid', reason: 'urn:ietf:params:acme:error:unauthorized: 404' },
  };
  api.apply(challenge);
  const objects = await liveObjects(new ManifestView([]), client);
  t.same(objects.map((object) => object.kind).sort(), ['Certificate', 'CertificateRequest', 'Challenge', 'Order']);
  for (const plural of ['orders', 'certificaterequests']) {
    t.same(
      paths(api, plural).map((request) => request.accept.includes('as=PartialObjectMetadataList')),
      [true],
      `${plural}: one metadata list`,
    );
  }
  t.equal(objects.find((object) => object.kind === 'Order')?.spec, undefined, 'no spec kept (metadata only)');
  const certificate = objects.find((object) => object.kind === 'Certificate');
  t.same(new IssuanceRecords(objects).failingChallengesOf(certificate ?? {}), [
    {
      namespace: 'apps',
      name: 'app-tls-1-1-1',
      dnsName: 'app.example.com',
      type: 'HTTP-01',
      state: 'invalid',
      reason: 'urn:ietf:params:acme:error:unauthorized: 404',
    },
  ]);
});

t.test(
  "namespace by namespace: the view's Gateways and each namespace's Certificates and Ingresses, listed only where a metadata list found some",
  async (t) => {
    const { api, client } = await start(t);
    api.apply({
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: 'b-tls', namespace: 'blue' },
      spec: { secretName: 'b-tls', dnsNames: ['b.example.com'] },
    });
    api.apply({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'web', namespace: 'blue' },
      spec: { rules: [{ host: 'b.example.com' }] },
    });
    api.apply({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'cm-acme-http-solver-x', namespace: 'red', labels: { 'acme.cert-manager.io/http01-solver': 'true' } },
      spec: {},
    });
    const gateway = (namespace: string): KubeObject => ({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'gw', namespace },
      spec: { listeners: [] },
    });
    const source = liveSource(new ManifestView([gateway('green'), gateway('apps')]), client);
    const batches: string[] = [];
    for await (const { namespace, pages } of source.batches()) {
      const kinds: string[] = [];
      for await (const page of pages) kinds.push(...page.map((object) => `${object.kind} ${object.metadata?.name}`));
      batches.push(`${namespace}: ${kinds.join(', ')}`);
    }
    t.same(
      batches,
      ['apps: Gateway gw, Certificate app-tls', 'blue: Certificate b-tls, Ingress web', 'green: Gateway gw'],
      'sorted; a solver Ingress is neither judged nor a reason to visit its namespace',
    );
    const lists = (plural: string) =>
      paths(api, plural).map((request) => `${request.path.split('?')[0]}${request.accept.includes('as=PartialObjectMetadataList') ? ' (metadata)' : ''}`);
    t.same(lists('certificates'), [
      '/apis/cert-manager.io/v1/certificates (metadata)',
      '/apis/cert-manager.io/v1/namespaces/apps/certificates',
      '/apis/cert-manager.io/v1/namespaces/blue/certificates',
    ]);
    t.same(
      lists('ingresses').filter((path) => !path.includes('labelSelector')),
      ['/apis/networking.k8s.io/v1/ingresses (metadata)', '/apis/networking.k8s.io/v1/namespaces/blue/ingresses'],
    );
  },
);

t.test('solver HTTPRoutes are listed in full by their label, with their status, where the view counts some', async (t) => {
  const { api, client } = await start(t);
  const route = (namespace: string, name: string, labels: Record<string, string>): FakeObject => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace, labels },
    spec: { parentRefs: [{ name: 'gw', namespace: 'infra' }], hostnames: ['a.example.com'] },
    status: {
      parents: [
        {
          controllerName: 'traefik.io/gateway-controller',
          parentRef: { name: 'gw', namespace: 'infra' },
          conditions: [{ type: 'Accepted', status: 'False', reason: 'NotAllowedByListeners' }],
        },
      ],
    },
  });
  const solver = route('red', 'cm-acme-http-solver-r', { 'acme.cert-manager.io/http01-solver': 'true' });
  api.apply(solver);
  api.apply(route('apps', 'web', { app: 'web' }));
  // The live view holds the solver route's metadata, as acme-solver-cap counts it.
  const source = liveSource(new ManifestView([{ ...solver, spec: undefined, status: undefined }]), client);
  const batches: string[] = [];
  let status: unknown;
  for await (const { namespace, pages } of source.batches()) {
    const kinds: string[] = [];
    for await (const page of pages)
      for (const object of page) {
        kinds.push(`${object.kind} ${object.metadata?.name}`);
        if (object.kind === 'HTTPRoute') status = object.status;
      }
    batches.push(`${namespace}: ${kinds.join(', ')}`);
  }
  t.same(batches, ['apps: Certificate app-tls', 'red: HTTPRoute cm-acme-http-solver-r'], 'only solver routes, and their namespace is visited for them');
  t.same(
    status,
    {
      parents: [
        {
          controllerName: 'traefik.io/gateway-controller',
          parentRef: { name: 'gw', namespace: 'infra' },
          conditions: [{ type: 'Accepted', status: 'False', reason: 'NotAllowedByListeners' }],
        },
      ],
    },
    'the status the controller wrote',
  );
  t.same(
    paths(api, 'httproutes').map((request) => decodeURIComponent(request.path)),
    ['/apis/gateway.networking.k8s.io/v1/namespaces/red/httproutes?labelSelector=acme.cert-manager.io/http01-solver=true&limit=500'],
    "one list by label, in the solver route's namespace",
  );
});

t.test('listed objects arrive whole but for managedFields and the last-applied annotation, as the view keeps them', async (t) => {
  const { api, client } = await start(t);
  const spec = { secretName: 'kept-tls', dnsNames: ['kept.example.com'], issuerRef: { name: 'le', kind: 'ClusterIssuer' } };
  const status = { conditions: [{ type: 'Ready', status: 'False', reason: 'Pending' }] };
  api.apply({
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: {
      name: 'kept',
      namespace: 'apps',
      uid: 'uid-kept',
      labels: { app: 'kept' },
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"big":"copy"}', 'example.com/note': 'stays' },
      managedFields: [{ manager: 'kubectl', operation: 'Apply', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': {} } }],
    },
    spec,
    status,
  });
  const kept = (await liveObjects(new ManifestView([]), client)).find((object) => object.metadata?.name === 'kept');
  t.equal(kept?.kind, 'Certificate');
  t.equal(kept?.apiVersion, 'cert-manager.io/v1');
  t.same(kept?.spec, spec);
  t.same(kept?.status, status);
  t.same(kept?.metadata?.labels, { app: 'kept' });
  t.same(kept?.metadata?.annotations, { 'example.com/note': 'stays' }, 'the last-applied copy is dropped, other annotations stay');
  t.equal(kept?.metadata?.uid, 'uid-kept');
  t.notOk(kept?.metadata && 'managedFields' in kept.metadata, 'no managedFields');
});
