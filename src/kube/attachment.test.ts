// Gateway API attachment rules, one table each (the policies' tables cover the messages).
import t from 'tap';
import { allowedListenersOf, hostnamesIntersect, judgeRouteListeners, namespaceRefusal, withNameLabel } from './attachment.ts';
import { listenersOf } from './gateway.ts';
import { selects } from './selector.ts';

t.test('hostnames intersect as HTTPRouteSpec.Hostnames says', async (t) => {
  const rows: [string | undefined, string[], boolean][] = [
    [undefined, ['a.example.com'], true],
    ['a.example.com', [], true],
    ['a.example.com', ['a.example.com'], true],
    ['A.example.com', ['a.example.com'], true],
    ['a.example.com', ['b.example.com'], false],
    ['*.example.com', ['a.example.com'], true],
    ['*.example.com', ['a.b.example.com'], true],
    ['*.example.com', ['example.com'], false],
    ['*.example.com', ['a.example.net', 'b.example.com'], true],
    ['a.example.com', ['*.example.com'], true],
    ['a.b.example.com', ['*.example.com'], true],
    ['example.com', ['*.example.com'], false],
    ['*.example.com', ['*.example.com'], true],
  ];
  for (const [listener, route, expected] of rows)
    t.equal(hostnamesIntersect(listener, route), expected, `${listener ?? '(none)'} vs ${route.join(',') || '(none)'}`);
});

t.test('label selectors select as apimachinery does', async (t) => {
  const labels = { team: 'a', env: 'prod' };
  const rows: [unknown, boolean][] = [
    [{}, true],
    [undefined, false],
    [{ matchLabels: { team: 'a' } }, true],
    [{ matchLabels: { team: 'b' } }, false],
    [{ matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'stage'] }] }, true],
    [{ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, false],
    [{ matchExpressions: [{ key: 'missing', operator: 'NotIn', values: ['x'] }] }, true],
    [{ matchExpressions: [{ key: 'team', operator: 'Exists' }] }, true],
    [{ matchExpressions: [{ key: 'team', operator: 'DoesNotExist' }] }, false],
    [{ matchExpressions: [{ key: 'team', operator: 'Bogus' }] }, false],
    [{ matchLabels: { team: 'a' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['dev'] }] }, false],
  ];
  for (const [selector, expected] of rows) t.equal(selects(selector, labels), expected, JSON.stringify(selector));
});

t.test('allowedListeners defaults to None and each from value admits what the spec says', async (t) => {
  t.same(allowedListenersOf({ spec: {} }), { from: 'None', written: false });
  t.same(allowedListenersOf({ spec: { allowedListeners: { namespaces: { from: 'Same' } } } }), { from: 'Same', written: true });
  const team = withNameLabel('team-a', { tier: 'web' });
  t.equal(namespaceRefusal({ from: 'All' }, 'infra', team), undefined);
  t.equal(namespaceRefusal({ from: 'Same' }, 'team-a', team), undefined);
  t.equal(namespaceRefusal({ from: 'Same' }, 'infra', team), 'which admits namespace "infra" only');
  t.equal(namespaceRefusal({ from: 'None' }, 'team-a', team), 'which admits no namespace');
  t.equal(namespaceRefusal({ from: 'Selector', selector: { matchLabels: { 'kubernetes.io/metadata.name': 'team-a' } } }, 'infra', team), undefined);
  t.equal(
    namespaceRefusal({ from: 'Selector', selector: { matchLabels: { tier: 'db' } } }, 'infra', team),
    'whose selector {matchLabels: {tier: db}} does not select namespace "team-a" (labels tier=web)',
  );
});

t.test("a route attaches to the listeners its parentRef selects and that admit it, in the spec's order of rules", async (t) => {
  const gateway = {
    spec: {
      listeners: [
        { name: 'web', port: 80, protocol: 'HTTP' },
        { name: 'web-all', port: 80, protocol: 'HTTP', hostname: '*.example.com', allowedRoutes: { namespaces: { from: 'All' } } },
        { name: 'websecure', port: 443, protocol: 'HTTPS', allowedRoutes: { namespaces: { from: 'All' } }, tls: { certificateRefs: [{ name: 'x' }] } },
        { name: 'tls', port: 8443, protocol: 'TLS', allowedRoutes: { namespaces: { from: 'All' } }, tls: { mode: 'Passthrough' } },
        { name: 'grpc-only', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' }, kinds: [{ kind: 'GRPCRoute' }] } },
      ],
    },
  };
  const listeners = listenersOf(gateway, 'infra');
  const route = { kind: 'HTTPRoute', namespace: withNameLabel('app', {}), hostnames: ['pay.example.com'] };
  const verdicts = (section: { sectionName?: string; port?: number }) =>
    judgeRouteListeners(listeners, 'infra', route, section).map((verdict) => [verdict.listener.name, verdict.excludedBy ?? 'attached']);
  t.same(verdicts({}), [
    ['web', 'namespace'],
    ['web-all', 'attached'],
    ['websecure', 'attached'],
    ['tls', 'kind'],
    ['grpc-only', 'kind'],
  ]);
  t.same(verdicts({ sectionName: 'websecure' }), [
    ['web', 'sectionName'],
    ['web-all', 'sectionName'],
    ['websecure', 'attached'],
    ['tls', 'sectionName'],
    ['grpc-only', 'sectionName'],
  ]);
  t.same(verdicts({ port: 80 }), [
    ['web', 'namespace'],
    ['web-all', 'attached'],
    ['websecure', 'port'],
    ['tls', 'port'],
    ['grpc-only', 'kind'],
  ]);
  const other = { ...route, hostnames: ['pay.example.org'] };
  t.same(
    judgeRouteListeners(listeners, 'infra', other, {}).map((verdict) => verdict.excludedBy ?? 'attached'),
    ['namespace', 'hostname', 'attached', 'kind', 'kind'],
  );
});

t.test('a protocol that names an Object property takes no route kind (user input, not a table key)', async (t) => {
  const listeners = listenersOf(
    { spec: { listeners: ['constructor', 'toString', '__proto__'].map((protocol, index) => ({ name: `l${index}`, port: 80, protocol })) } },
    'infra',
  );
  const route = { kind: 'HTTPRoute', namespace: withNameLabel('infra', {}), hostnames: ['a.example.com'] };
  t.same(
    judgeRouteListeners(listeners, 'infra', route, {}).map((verdict) => verdict.why),
    ['protocol constructor takes no HTTPRoute', 'protocol toString takes no HTTPRoute', 'protocol __proto__ takes no HTTPRoute'],
  );
});
