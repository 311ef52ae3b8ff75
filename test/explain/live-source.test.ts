// explain's live reads against a small fake API server: discovery picks the served version, a GET
// of a missing object is undefined, a list is label-selected and its items get their kind, a 403
// is "forbidden" on that read only, and no answer at all is marked unreachable.
import { createServer, type Server } from 'node:http';
import t from 'tap';
import { KubeClient } from '../../src/cluster/live/kube-client.ts';
import { liveSource, ReadError } from '../../src/explain/source.ts';

type Handler = (url: URL) => { status: number; body: unknown };

const listen = async (handler: Handler): Promise<{ server: Server; url: string; seen: string[] }> => {
  const seen: string[] = [];
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    seen.push(`${url.pathname}${url.search}`);
    const { status, body } = handler(url);
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { server, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, seen };
};

const client = (server: string) => new KubeClient({ server, source: 'test', apply: async () => {} });

const API: Record<string, { status: number; body: unknown }> = {
  // Only v1alpha1 serves listenersets here; v1 serves gateways.
  '/apis/gateway.networking.k8s.io/v1': { status: 200, body: { resources: [{ name: 'gateways' }, { name: 'httproutes' }] } },
  '/apis/gateway.networking.k8s.io/v1alpha1': { status: 200, body: { resources: [{ name: 'listenersets' }] } },
  '/apis/acme.cert-manager.io/v1': { status: 200, body: { resources: [{ name: 'challenges' }, { name: 'orders' }] } },
  '/apis/gateway.networking.k8s.io/v1/namespaces/shop/gateways/gw': {
    status: 200,
    body: { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: 'shop' } },
  },
  '/apis/gateway.networking.k8s.io/v1alpha1/namespaces/shop/listenersets/ls': { status: 200, body: { kind: 'ListenerSet', metadata: { name: 'ls' } } },
  '/apis/gateway.networking.k8s.io/v1/namespaces/shop/httproutes': { status: 200, body: { items: [{ metadata: { name: 'cm-acme-http-solver-x' } }] } },
  '/apis/acme.cert-manager.io/v1/namespaces/shop/challenges': {
    status: 403,
    body: { kind: 'Status', reason: 'Forbidden', message: 'challenges is forbidden', code: 403 },
  },
  '/api/v1/namespaces/shop/secrets/gone': { status: 404, body: { kind: 'Status', reason: 'NotFound', code: 404 } },
};

t.test('reads, discovery and failures', async (t) => {
  const { server, url, seen } = await listen((request) => API[request.pathname] ?? { status: 404, body: {} });
  t.teardown(() => server.close());
  const kube = client(url);
  t.teardown(() => kube.close());
  const source = liveSource(kube);
  t.equal((await source.get('Gateway', 'shop', 'gw'))?.metadata?.name, 'gw');
  t.equal((await source.get('ListenerSet', 'shop', 'ls'))?.metadata?.name, 'ls', 'from the version that serves it');
  t.equal(await source.get('Secret', 'shop', 'gone'), undefined, 'a missing object');
  const routes = await source.list('HTTPRoute', 'shop', { 'acme.cert-manager.io/http01-solver': 'true' });
  t.same(
    routes.map((route) => [route.apiVersion, route.kind, route.metadata?.name]),
    [['gateway.networking.k8s.io/v1', 'HTTPRoute', 'cm-acme-http-solver-x']],
  );
  t.ok(
    seen.includes('/apis/gateway.networking.k8s.io/v1/namespaces/shop/httproutes?labelSelector=acme.cert-manager.io%2Fhttp01-solver%3Dtrue'),
    'label-selected on the server',
  );
  await t.rejects(source.list('Challenge', 'shop'), new ReadError('Challenges in namespace shop', 'forbidden'));
  t.equal(await source.list('Order', 'other').then((orders) => orders.length), 0, 'a list the server does not know is empty');
  t.equal(source.reads(), seen.length, 'every request counted');
  t.equal(seen.filter((path) => path === '/apis/gateway.networking.k8s.io/v1').length, 1, 'one discovery GET per group-version');
});

t.test('no answer is unreachable', async (t) => {
  const { server, url } = await listen(() => ({ status: 200, body: {} }));
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const kube = client(url);
  t.teardown(() => kube.close());
  const error = await liveSource(kube)
    .get('Secret', 'shop', 'x')
    .catch((caught: unknown) => caught);
  t.ok(error instanceof ReadError && error.unreachable, 'marked unreachable');
  t.match((error as Error).message, /^cannot read Secret shop\/x: API server unreachable: /);
});
