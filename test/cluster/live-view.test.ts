// The live view against a local list/watch server that follows the API's semantics
// (fake-api-server.ts). What only a real kube-apiserver proves is in live-view.e2e.test.ts.
import t from 'tap';
import { createLiveView, type LiveView } from '../../src/cluster/live/live-view.ts';
import { FakeApiServer } from './fake-api-server.ts';
import { gateway, recordingLogger, secret, SOLVER, solverRoute, waitFor } from './helpers.ts';

type Setup = { unserved?: string[]; listen?: boolean; staleAfterSeconds?: number; pageSize?: number };

type Teardown = { teardown(fn: () => unknown): void };

const setup = async (test: Teardown, options: Setup = {}) => {
  const api = new FakeApiServer(undefined, { unserved: options.unserved });
  if (options.listen === false) await api.reservePort();
  else await api.start();
  const log = recordingLogger();
  const view: LiveView = createLiveView({
    kubeconfig: api.kubeconfigPath,
    staleAfterSeconds: options.staleAfterSeconds ?? 30,
    logger: log.logger,
    backoff: { initialMs: 20, maxMs: 100 },
    pageSize: options.pageSize,
  });
  test.teardown(async () => {
    await view.stop();
    await api.stop();
  });
  return { api, view, log };
};

const ready = (view: LiveView) => waitFor('the view to be ready', () => view.status().ready);

const listRequests = (api: FakeApiServer, plural: string) =>
  api.requests.filter((request) => request.path.includes(`/${plural}?`) && !request.path.includes('watch=1'));
const watchRequests = (api: FakeApiServer, plural: string) =>
  api.requests.filter((request) => request.path.includes(`/${plural}?`) && request.path.includes('watch=1'));

t.test('initial sync', async (t) => {
  t.test('lists every resource and becomes ready', async (t) => {
    const { api, view } = await setup(t);
    api.apply(secret('app', 'app-tls'));
    api.apply(gateway('traefik', 'traefik-gateway', 2));
    api.apply(solverRoute('app', 'cm-acme-http-solver-abcde'));
    api.apply(solverRoute('app', 'plain-route', { app: 'web' }));
    api.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'app', annotations: { 'certguard.io/max-solver-routes': '50' } } });
    await view.start();
    await ready(view);
    t.strictSame(view.status(), { ready: true, notReady: [], idle: [] });
    t.equal(view.list('gateways').length, 1);
    t.equal((view.list('gateways')[0]?.spec as { listeners: unknown[] }).listeners.length, 2);
    t.strictSame(
      view.list('solver-httproutes').map((route) => route.metadata?.name),
      ['cm-acme-http-solver-abcde'],
      'only label-selected routes are cached',
    );
    t.equal(view.list('namespaces')[0]?.metadata?.annotations?.['certguard.io/max-solver-routes'], '50');
    t.strictSame(
      view.resourceStats().filter((stat) => stat.objects > 0),
      [
        { resource: 'secrets', synced: true, objects: 1 },
        { resource: 'namespaces', synced: true, objects: 1 },
        { resource: 'gateways', synced: true, objects: 1 },
        { resource: 'solver-httproutes', synced: true, objects: 1 },
      ],
    );
  });

  t.test('asks for metadata only for Secrets and solver objects, and full objects for the rest', async (t) => {
    const { api, view } = await setup(t);
    await view.start();
    await ready(view);
    const metadataList = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';
    t.equal(listRequests(api, 'secrets')[0]?.accept, metadataList);
    t.equal(listRequests(api, 'httproutes')[0]?.accept, metadataList);
    t.equal(listRequests(api, 'ingresses')[0]?.accept, metadataList);
    t.equal(listRequests(api, 'gateways')[0]?.accept, 'application/json');
    await waitFor('the secrets watch', () => watchRequests(api, 'secrets').length > 0);
    t.equal(watchRequests(api, 'secrets')[0]?.accept, 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json');
    t.match(listRequests(api, 'httproutes')[0]?.path, /labelSelector=acme\.cert-manager\.io%2Fhttp01-solver%3Dtrue/);
    t.match(watchRequests(api, 'secrets')[0]?.path, /allowWatchBookmarks=true&resourceVersion=\d+/);
    t.equal(api.requests[0]?.authorization, 'Bearer fake-token', 'credentials come from the kubeconfig');
  });

  t.test('keeps a compact metadata-only entry: no data, managedFields, resourceVersion, or labels certguard does not select on', async (t) => {
    const { api, view } = await setup(t);
    api.apply(
      secret('app', 'app-tls', {
        metadata: {
          ...secret('app', 'app-tls').metadata,
          labels: { app: 'app-tls', 'certguard.io/placeholder': 'true', 'app.kubernetes.io/managed-by': 'certguard' },
        },
      }),
    );
    api.apply(
      solverRoute('app', 'cm-acme-http-solver-abcde', {
        ...SOLVER,
        'acme.cert-manager.io/http-domain': '1234567',
        'acme.cert-manager.io/http-token': '7654321',
      }),
    );
    await view.start();
    await ready(view);
    t.strictSame(view.list('secrets')[0], {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'app-tls',
        namespace: 'app',
        creationTimestamp: '2025-01-01T00:00:00Z',
        labels: { 'app.kubernetes.io/managed-by': 'certguard', 'certguard.io/placeholder': 'true' },
      },
    });
    t.strictSame(view.list('solver-httproutes')[0], {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: {
        name: 'cm-acme-http-solver-abcde',
        namespace: 'app',
        creationTimestamp: '2025-01-01T00:00:00Z',
        labels: SOLVER,
        ownerReferences: [{ apiVersion: 'acme.cert-manager.io/v1', kind: 'Challenge', controller: true, name: 'cm-acme-http-solver-abcde-challenge' }],
      },
    });
    t.equal(view.list('gateways').length, 0);
  });

  t.test('refuses to select metadata-only objects by a label it does not keep (it would find nothing)', async (t) => {
    const { api, view } = await setup(t);
    api.apply(secret('app', 'app-tls'));
    await view.start();
    await ready(view);
    t.throws(() => view.list('secrets', { labels: { app: 'app-tls' } }), {
      message: 'secrets: the cache keeps only the labels certguard selects on, not "app" (see isKeptLabel)',
    });
    t.throws(() => view.count('secrets', { labels: { app: 'app-tls' } }), {
      message: 'secrets: the cache keeps only the labels certguard selects on, not "app" (see isKeptLabel)',
    });
    t.strictSame(view.list('gateways', { labels: { app: 'web' } }), [], 'full objects keep every label');
  });

  t.test('keeps only the annotations readers use on metadata-only objects', async (t) => {
    const { api, view } = await setup(t);
    const annotations = {
      'cert-manager.io/certificate-name': 'app',
      'cert-manager.io/issuer-name': 'letsencrypt',
      'certguard.io/placeholder-for': 'gateway traefik/traefik-gateway',
      'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"tls.key":"c2VjcmV0"}}',
    };
    api.apply(secret('app', 'annotated', { metadata: { name: 'annotated', namespace: 'app', annotations } }));
    await view.start();
    await ready(view);
    t.strictSame(view.list('secrets')[0]?.metadata?.annotations, {
      'cert-manager.io/certificate-name': 'app',
      'certguard.io/placeholder-for': 'gateway traefik/traefik-gateway',
    });
  });

  t.test('keeps of a Certificate only what policies read', async (t) => {
    const { api, view } = await setup(t);
    api.apply({
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: {
        name: 'app',
        namespace: 'app',
        uid: 'u',
        labels: { team: 'web' },
        annotations: {
          'acme.cert-manager.io/http01-parentrefname': 'traefik-gateway',
          'kubectl.kubernetes.io/last-applied-configuration': '{}',
          'example.com/note': 'x',
        },
        ownerReferences: [
          { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', name: 'traefik-gateway', uid: 'g', controller: true, blockOwnerDeletion: true },
        ],
        managedFields: [{ manager: 'kubectl' }],
      },
      spec: {
        secretName: 'app-tls',
        issuerRef: { name: 'letsencrypt', kind: 'ClusterIssuer' },
        commonName: 'app.example.com',
        dnsNames: ['app.example.com'],
        duration: '2160h',
        usages: ['digital signature'],
        privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Never', encoding: 'PKCS8' },
      },
      status: {
        conditions: [
          { type: 'Issuing', status: 'True', reason: 'Issuing' },
          {
            type: 'Ready',
            status: 'False',
            reason: 'DoesNotExist',
            message: 'Issuing certificate as Secret does not exist',
            lastTransitionTime: '2025-03-01T10:00:00Z',
          },
        ],
        notAfter: '2025-06-01T10:00:00Z',
      },
    });
    await view.start();
    await ready(view);
    t.strictSame(view.list('certificates', { namespace: 'app' }), [
      {
        apiVersion: 'cert-manager.io/v1',
        kind: 'Certificate',
        metadata: {
          name: 'app',
          namespace: 'app',
          labels: { team: 'web' },
          annotations: { 'acme.cert-manager.io/http01-parentrefname': 'traefik-gateway' },
          ownerReferences: [{ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', name: 'traefik-gateway', controller: true }],
        },
        spec: {
          secretName: 'app-tls',
          issuerRef: { name: 'letsencrypt', kind: 'ClusterIssuer' },
          commonName: 'app.example.com',
          dnsNames: ['app.example.com'],
          privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Never' },
        },
        status: { conditions: [{ type: 'Ready', status: 'False', reason: 'DoesNotExist' }] },
      },
    ]);
  });

  t.test('idles on Certificates until their CRD is served', async (t) => {
    const { view } = await setup(t, { unserved: ['certificates'] });
    await view.start();
    await ready(view);
    t.equal(view.isServed('certificates'), false);
    t.match(view.status().idle, ['certificates: not served (CRD not installed)']);
  });

  t.test('drops managedFields from full objects and freezes what it hands out', async (t) => {
    const { api, view } = await setup(t);
    api.apply(gateway('traefik', 'traefik-gateway', 1));
    await view.start();
    await ready(view);
    const cached = await view.get('gateways', 'traefik', 'traefik-gateway');
    t.equal(cached?.metadata && 'managedFields' in cached.metadata, false);
    t.throws(() => {
      (cached as { spec: unknown }).spec = {};
    }, TypeError);
  });

  t.test('lists in pages and keeps every object', async (t) => {
    const { api, view } = await setup(t, { pageSize: 2 });
    for (let index = 0; index < 5; index += 1) api.apply(secret('app', `tls-${index}`));
    await view.start();
    await ready(view);
    t.equal(view.list('secrets').length, 5);
    t.strictSame(
      listRequests(api, 'secrets').map((request) => new URL(request.path, 'http://x').searchParams.get('continue') !== null),
      [false, true, true],
    );
  });

  t.test('finds every object when a list comes out of name order', async (t) => {
    const { api, view } = await setup(t, { pageSize: 2 });
    const order = ['m', 'b', 'z', 'a', 'k', 'c'];
    for (const name of order) api.apply(secret('app', name));
    await view.start();
    await ready(view);
    for (const name of order) t.equal((await view.get('secrets', 'app', name))?.metadata?.name, name, `${name} is cached`);
    t.equal(view.list('secrets').length, 6);
    const before = api.requests.length;
    api.apply(secret('app', 'd'));
    await waitFor('a Secret added by the watch', () => view.list('secrets').length === 7);
    t.equal((await view.get('secrets', 'app', 'd'))?.metadata?.name, 'd');
    t.equal(api.requests.slice(before).filter((request) => !request.path.includes('watch=1')).length, 0, 'all answered from the cache');
  });

  t.test('lists one namespace when asked', async (t) => {
    const api = new FakeApiServer();
    await api.start();
    api.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'traefik', namespace: 'traefik' } });
    api.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'app' } });
    const view = createLiveView({
      kubeconfig: api.kubeconfigPath,
      staleAfterSeconds: 30,
      logger: recordingLogger().logger,
      resources: ['services'],
      namespaces: { services: ['traefik'] },
    });
    t.teardown(async () => {
      await view.stop();
      await api.stop();
    });
    await view.start();
    await ready(view);
    t.strictSame(
      view.list('services').map((service) => service.metadata?.name),
      ['traefik'],
    );
    t.match(listRequests(api, 'services')[0]?.path, /^\/api\/v1\/namespaces\/traefik\/services\?/);
  });
});

t.test('watches a resource in several namespaces, one loop each, read as one', async (t) => {
  const api = new FakeApiServer();
  await api.start();
  for (const [namespace, name] of [
    ['apps', 'a-tls'],
    ['web', 'w-tls'],
    ['kube-system', 'token'],
    ['apps', 'b-tls'],
  ] as const)
    api.apply(secret(namespace, name));
  const view = createLiveView({
    kubeconfig: api.kubeconfigPath,
    staleAfterSeconds: 30,
    logger: recordingLogger().logger,
    resources: ['secrets'],
    namespaces: { secrets: ['apps', 'web'] },
  });
  t.teardown(async () => {
    await view.stop();
    await api.stop();
  });
  t.equal(view.isServed('secrets'), true, 'served until discovery says otherwise');
  await view.start();
  await ready(view);
  t.strictSame(
    view
      .list('secrets')
      .map((s) => `${s.metadata?.namespace}/${s.metadata?.name}`)
      .sort(),
    ['apps/a-tls', 'apps/b-tls', 'web/w-tls'],
    'only the listed namespaces',
  );
  t.strictSame(
    view.list('secrets', { namespace: 'web' }).map((s) => s.metadata?.name),
    ['w-tls'],
  );
  t.strictSame([...view.count('secrets')].sort(), [
    ['apps', 2],
    ['web', 1],
  ]);
  t.equal((await view.get('secrets', 'apps', 'b-tls'))?.metadata?.name, 'b-tls', 'get answers from the namespace’s cache');
  t.strictSame(
    listRequests(api, 'secrets')
      .map((request) => request.path.split('?')[0])
      .sort(),
    ['/api/v1/namespaces/apps/secrets', '/api/v1/namespaces/web/secrets'],
    'one list per namespace, none cluster-wide',
  );
  t.same(view.resourceStats(), [{ resource: 'secrets', synced: true, objects: 3 }]);
  api.apply(secret('web', 'new-tls'));
  await waitFor('a Secret added by the web watch', () => view.list('secrets', { namespace: 'web' }).length === 2);
  t.pass('each namespace has its own watch');
});

t.test('changes arrive through the watch', async (t) => {
  const { api, view } = await setup(t);
  api.apply(gateway('traefik', 'traefik-gateway', 1));
  api.apply(solverRoute('app', 'cm-acme-http-solver-1'));
  await view.start();
  await ready(view);
  await waitFor('the watches', () => api.watchCount === 12);

  api.apply(secret('app', 'new-tls'));
  await waitFor('an added Secret', () => view.list('secrets', { namespace: 'app' }).length === 1);
  t.equal(view.list('secrets')[0]?.metadata?.name, 'new-tls');
  t.equal(view.list('secrets')[0]?.data, undefined, 'watch events are metadata only too');

  api.apply(gateway('traefik', 'traefik-gateway', 3));
  await waitFor('an updated Gateway', () => (view.list('gateways')[0]?.spec as { listeners: unknown[] }).listeners.length === 3);
  t.pass('the update is seen');

  api.delete('gateway.networking.k8s.io/v1', 'HTTPRoute', 'app', 'cm-acme-http-solver-1');
  await waitFor('a deleted route', () => view.list('solver-httproutes').length === 0);
  t.equal(view.resourceStats().find((stat) => stat.resource === 'solver-httproutes')?.objects, 0);

  api.apply(solverRoute('app', 'not-a-solver', { app: 'web' }));
  api.apply(solverRoute('other', 'cm-acme-http-solver-2'));
  await waitFor('a new solver route', () => view.list('solver-httproutes').length === 1);
  t.strictSame(view.list('solver-httproutes', { namespace: 'app' }), [], 'per-namespace list');
  t.equal(view.list('solver-httproutes', { labels: SOLVER }).length, 1);
});

t.test('count answers per namespace without building objects, and follows the watch', async (t) => {
  const { api, view } = await setup(t);
  const unowned = (namespace: string, name: string) => ({ ...solverRoute(namespace, name), metadata: { name, namespace, labels: SOLVER } });
  api.apply(solverRoute('app', 'cm-acme-http-solver-1'));
  api.apply(solverRoute('app', 'cm-acme-http-solver-2'));
  api.apply(unowned('app', 'labelled-by-hand'));
  api.apply(solverRoute('other', 'cm-acme-http-solver-3'));
  api.apply(secret('app', 'placeholder', { metadata: { name: 'placeholder', namespace: 'app', labels: { 'certguard.io/placeholder': 'true' } } }));
  api.apply(secret('app', 'plain'));
  await view.start();
  await ready(view);
  const CHALLENGE = { group: 'acme.cert-manager.io', kind: 'Challenge' };
  t.strictSame(
    view.count('solver-httproutes'),
    new Map([
      ['app', 3],
      ['other', 1],
    ]),
  );
  t.strictSame(
    view.count('solver-httproutes', { ownedBy: CHALLENGE }),
    new Map([
      ['app', 2],
      ['other', 1],
    ]),
  );
  t.strictSame(view.count('solver-httproutes', { namespace: 'other', ownedBy: CHALLENGE }), new Map([['other', 1]]));
  t.strictSame(view.count('solver-httproutes', { ownedBy: { group: 'acme.cert-manager.io', kind: 'Order' } }), new Map());
  t.strictSame(view.count('secrets', { labels: { 'certguard.io/placeholder': 'true' } }), new Map([['app', 1]]));
  t.strictSame(view.count('gateways'), new Map(), 'nothing cached: no namespaces');

  api.apply(unowned('app', 'cm-acme-http-solver-1'));
  api.delete('gateway.networking.k8s.io/v1', 'HTTPRoute', 'other', 'cm-acme-http-solver-3');
  await waitFor('the watch events', () => view.count('solver-httproutes').get('other') === undefined);
  t.strictSame(view.count('solver-httproutes', { ownedBy: CHALLENGE }), new Map([['app', 1]]), 'an update that drops the owner is counted');
  t.strictSame(view.count('solver-httproutes'), new Map([['app', 3]]));
});

t.test('API server absent at start', async (t) => {
  const { api, view, log } = await setup(t, { listen: false });
  await view.start();
  const down = await waitFor('a failed attempt', () => view.status().notReady.find((line) => line.startsWith('secrets:') && line.includes('unreachable')));
  t.equal(down, `secrets: API server unreachable: connect ECONNREFUSED 127.0.0.1:${api.port}`);
  t.equal(view.status().ready, false);
  t.equal(view.status().notReady.length, 12, 'every resource is named');
  t.equal(view.isServed('gateways'), true, 'a CRD-backed resource is not idled on a guess');
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.equal(log.lines.filter((line) => line.message.startsWith('secrets: API server unreachable')).length, 1, 'the failure is logged once, not every retry');

  api.apply(secret('app', 'app-tls'));
  await api.start();
  await ready(view);
  t.equal(view.list('secrets').length, 1, 'synced without a restart');
  t.ok(log.lines.some((line) => line.message === 'secrets: connected again'));
});

t.test('API server restarted mid-run', async (t) => {
  t.test('resumes the watch from the last resourceVersion, without listing again', async (t) => {
    const { api, view } = await setup(t);
    api.apply(secret('app', 'before'));
    await view.start();
    await ready(view);
    await waitFor('the watches', () => api.watchCount === 12);
    const lists = listRequests(api, 'secrets').length;
    await api.stop();
    api.apply(secret('app', 'while-down'));
    api.delete('v1', 'Secret', 'app', 'before');
    await api.start();
    await waitFor(
      'the change made while down',
      () =>
        view
          .list('secrets')
          .map((object) => object.metadata?.name)
          .join() === 'while-down',
    );
    t.equal(listRequests(api, 'secrets').length, lists, 'no new list');
    t.equal(view.status().ready, true);
  });

  t.test('lists again when the resourceVersion is too old (410 Gone)', async (t) => {
    const { api, view, log } = await setup(t);
    api.apply(secret('app', 'before'));
    await view.start();
    await ready(view);
    await waitFor('the watches', () => api.watchCount === 12);
    const lists = listRequests(api, 'secrets').length;
    await api.stop();
    api.delete('v1', 'Secret', 'app', 'before');
    api.apply(secret('app', 'while-down'));
    api.compact();
    await api.start();
    await waitFor(
      'the re-listed state',
      () =>
        view
          .list('secrets')
          .map((object) => object.metadata?.name)
          .join() === 'while-down',
    );
    t.ok(listRequests(api, 'secrets').length > lists, 'listed again');
    t.ok(log.lines.some((line) => line.message === 'secrets: watch expired (410 Gone); listing again'));
  });

  t.test('an ERROR 410 event on an open watch leads to a new list', async (t) => {
    const { api, view } = await setup(t);
    await view.start();
    await ready(view);
    await waitFor('the watches', () => api.watchCount === 12);
    const lists = listRequests(api, 'gateways').length;
    api.expireWatches();
    api.apply(gateway('traefik', 'after', 1));
    await waitFor('the Gateway', () => view.list('gateways').length === 1);
    t.ok(listRequests(api, 'gateways').length > lists);
  });

  t.test('a cache disconnected longer than staleAfterSeconds is not ready, and ready again once back', async (t) => {
    const { api, view, log } = await setup(t, { staleAfterSeconds: 0.2 });
    await view.start();
    await ready(view);
    await waitFor('the watches', () => api.watchCount === 12);
    await api.stop();
    const stale = await waitFor('a stale cache', () => view.status().notReady.find((line) => line.startsWith('secrets:')));
    t.match(stale, /^secrets: disconnected for [\d.]+ s \(stale after 0\.2 s\): API server unreachable: /);
    t.equal(view.resourceStats().find((stat) => stat.resource === 'secrets')?.synced, false);
    await waitFor('the stale log line', () => log.lines.some((line) => line.level === 'error' && line.message.startsWith('secrets: cache is stale')));
    await api.start();
    await ready(view);
    t.equal(view.resourceStats().find((stat) => stat.resource === 'secrets')?.synced, true);
  });
});

t.test('CRDs', async (t) => {
  t.test('an absent CRD idles its resource without blocking readiness, and is picked up when installed', async (t) => {
    const { api, view, log } = await setup(t, { unserved: ['gateways', 'listenersets'] });
    await view.start();
    await ready(view);
    t.strictSame(view.status(), {
      ready: true,
      notReady: [],
      idle: ['gateways: not served (CRD not installed)', 'listenersets: not served (CRD not installed)'],
    });
    t.equal(view.isServed('gateways'), false);
    t.equal(view.isServed('referencegrants'), true);
    const before = api.requests.length;
    t.equal(await view.get('gateways', 'traefik', 'traefik-gateway'), undefined);
    t.equal(api.requests.filter((request, index) => index >= before && request.path.includes('/gateways/')).length, 0, 'no live GET for an unserved resource');
    t.ok(log.lines.some((line) => line.message === 'gateways: not served (CRD not installed); policies that need it idle until it appears'));

    api.serve('gateways');
    api.apply(gateway('traefik', 'traefik-gateway', 1));
    await waitFor('the CRD to be noticed', () => view.isServed('gateways') && view.list('gateways').length === 1);
    t.strictSame(view.status().idle, ['listenersets: not served (CRD not installed)']);
  });

  t.test('uses the first served version', async (t) => {
    const api = new FakeApiServer([
      { group: 'gateway.networking.k8s.io', versions: ['v1beta1'], plural: 'referencegrants', kind: 'ReferenceGrant', namespaced: true },
    ]);
    await api.start();
    api.apply({ apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'ReferenceGrant', metadata: { name: 'allow', namespace: 'certs' }, spec: {} });
    const view = createLiveView({ kubeconfig: api.kubeconfigPath, staleAfterSeconds: 30, logger: recordingLogger().logger, resources: ['referencegrants'] });
    t.teardown(async () => {
      await view.stop();
      await api.stop();
    });
    await view.start();
    await ready(view);
    t.equal(view.list('referencegrants')[0]?.apiVersion, 'gateway.networking.k8s.io/v1beta1');
  });

  t.test('a CRD removed later idles its resource and empties its cache', async (t) => {
    const { api, view } = await setup(t);
    api.apply(gateway('traefik', 'traefik-gateway', 1));
    await view.start();
    await ready(view);
    api.serve('gateways', false);
    await api.stop();
    await api.start();
    await waitFor('the removal to be noticed', () => !view.isServed('gateways'));
    t.strictSame(view.list('gateways'), []);
    await ready(view);
  });
});

t.test('get', async (t) => {
  t.test('confirms a cache miss with a live GET (a Secret created a moment ago)', async (t) => {
    const { api, view } = await setup(t);
    await view.start();
    await ready(view);
    api.holdEvents = true;
    api.apply(secret('app', 'just-created'));
    t.equal(view.list('secrets').length, 0, 'the watch has not delivered it');
    const found = await view.get('secrets', 'app', 'just-created');
    t.equal(found?.metadata?.name, 'just-created');
    t.equal(found?.data, undefined, 'the live GET is metadata only too');
    const live = api.requests.filter((request) => request.path === '/api/v1/namespaces/app/secrets/just-created');
    t.equal(live.length, 1);
    t.equal(live[0]?.accept, 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json');
    t.equal(await view.get('secrets', 'app', 'never-created'), undefined, 'a confirmed miss');
    api.releaseEvents();
  });

  t.test('answers from the cache without a request when the object is there', async (t) => {
    const { api, view } = await setup(t);
    api.apply(secret('app', 'cached'));
    await view.start();
    await ready(view);
    const before = api.requests.length;
    t.equal((await view.get('secrets', 'app', 'cached'))?.metadata?.name, 'cached');
    t.equal(api.requests.slice(before).filter((request) => !request.path.includes('watch=1')).length, 0);
  });

  t.test('fetches Secret content with a live GET', async (t) => {
    const { api, view } = await setup(t);
    api.apply(secret('app', 'app-tls'));
    await view.start();
    await ready(view);
    const full = await view.get('secrets', 'app', 'app-tls', { content: true });
    t.equal(full?.type, 'kubernetes.io/tls');
    t.strictSame(full?.data, { 'tls.crt': 'Y2VydA==', 'tls.key': 'c2VjcmV0' });
    t.equal(full?.metadata && 'managedFields' in full.metadata, false);
    t.equal(full?.metadata?.annotations?.['kubectl.kubernetes.io/last-applied-configuration'], undefined);
  });

  t.test('says why when the live GET cannot be made', async (t) => {
    const { api, view } = await setup(t);
    await view.start();
    await ready(view);
    await api.stop();
    await t.rejects(view.get('secrets', 'app', 'app-tls'), {
      message: `reading Secret app/app-tls from the API server: API server unreachable: connect ECONNREFUSED 127.0.0.1:${api.port}`,
    });
    await api.start();
  });
});

t.test('readiness names what is wrong', async (t) => {
  const { api, view } = await setup(t);
  api.forbidden.add('secrets');
  await view.start();
  const line = await waitFor('the 403', () => view.status().notReady.find((entry) => entry.includes('403')));
  t.equal(
    line,
    'secrets: list: HTTP 403 Forbidden: secrets is forbidden: User "system:serviceaccount:certguard:certguard" cannot list resource "secrets" in API group "" at the cluster scope',
  );
  await waitFor('the other resources', () => view.status().notReady.length === 1);
  t.strictSame(view.status().notReady, [line], 'only the forbidden resource keeps the view from being ready');
  api.forbidden.delete('secrets');
  await ready(view);
  t.strictSame(view.status().notReady, []);
});

t.test('before start the view is not ready', async (t) => {
  const { view } = await setup(t);
  t.strictSame(view.status(), { ready: false, notReady: ['cluster view: not started'], idle: [] });
});

t.test('createSecret', async (t) => {
  const placeholder = (namespace: string, name: string) => ({
    metadata: { name, namespace, labels: { 'certguard.io/placeholder': 'true' } },
    type: 'kubernetes.io/tls',
    data: {},
  });
  const { api, view } = await setup(t);
  api.apply(secret('app', 'taken'));
  api.terminating.add('leaving');
  const cases = [
    { name: 'creates a missing Secret', secret: placeholder('app', 'fresh'), outcome: { outcome: 'created' } },
    { name: 'treats 409 AlreadyExists as exists', secret: placeholder('app', 'taken'), outcome: { outcome: 'exists' } },
    {
      name: 'refuses in a terminating namespace with the API message',
      secret: placeholder('leaving', 'fresh'),
      outcome: { outcome: 'refused', reason: 'secrets "fresh" is forbidden: unable to create new content in namespace leaving because it is being terminated' },
    },
  ];
  for (const entry of cases) t.strictSame(await view.createSecret(entry.secret), entry.outcome, entry.name);
  const created = api.requests.find((request) => request.method === 'POST');
  t.equal(created?.path, '/api/v1/namespaces/app/secrets');
  await api.stop();
  t.strictSame(
    await view.createSecret(placeholder('app', 'other')),
    { outcome: 'refused', reason: `API server unreachable: connect ECONNREFUSED 127.0.0.1:${api.port}` },
    'refuses when the API server is unreachable',
  );
});

t.test('the Secret → listeners index follows the Gateway watch: add, update, delete and re-list', async (t) => {
  const { api, view } = await setup(t);
  api.apply(gateway('traefik', 'web', 2));
  t.notOk(view.isSynced('gateways'), 'not synced before the first list');
  await view.start();
  await ready(view);
  await waitFor('the watches', () => api.watchCount === 12);
  t.ok(view.isSynced('gateways') && view.isSynced('listenersets'), 'synced after the first list');
  const users = (secret: string) =>
    view.listenersUsing('traefik', secret).map((use) => `${use.owner.kind} ${use.owner.namespace}/${use.owner.name} ${use.listener.name}`);
  t.same(users('app1-tls'), ['Gateway traefik/web https-1'], 'indexed from the list');

  api.apply(gateway('traefik', 'other', 1));
  await waitFor('an added Gateway', () => users('app0-tls').length === 2);
  t.same(users('app0-tls'), ['Gateway traefik/other https-0', 'Gateway traefik/web https-0'], 'both Gateways, in a stable order');

  api.apply(gateway('traefik', 'web', 1));
  await waitFor('an updated Gateway', () => users('app1-tls').length === 0);
  t.same(users('app0-tls'), ['Gateway traefik/other https-0', 'Gateway traefik/web https-0'], 'the kept listener stays');

  api.delete('gateway.networking.k8s.io/v1', 'Gateway', 'traefik', 'other');
  await waitFor('a deleted Gateway', () => users('app0-tls').length === 1);
  t.same(users('app0-tls'), ['Gateway traefik/web https-0']);

  const lists = listRequests(api, 'gateways').length;
  await api.stop();
  api.delete('gateway.networking.k8s.io/v1', 'Gateway', 'traefik', 'web');
  api.apply(gateway('traefik', 'while-down', 3));
  api.compact();
  await api.start();
  await waitFor('the re-listed state', () => users('app2-tls').length === 1);
  t.ok(listRequests(api, 'gateways').length > lists, 'listed again');
  t.same(users('app0-tls'), ['Gateway traefik/while-down https-0'], 'the re-list replaced what the old list indexed');
});
