import t from 'tap';
import { annotationOf, annotationsOf, labelsOf, namespaceOf, ownerReferencesOf, stringsOf } from './accessors.ts';
import { listenerOwnerOf, listenersOf, parentGatewayOf, tlsListenersOf } from './gateway.ts';

t.test('malformed metadata reads as absent, never as a TypeError', async (t) => {
  const table: Array<{ name: string; object: unknown }> = [
    { name: 'annotations that are a string', object: { metadata: { annotations: 'a=b', labels: 'x', ownerReferences: 'y' } } },
    { name: 'metadata that is null', object: { metadata: null } },
    { name: 'an object that is an array', object: [] },
    { name: 'no object at all', object: undefined },
  ];
  for (const { name, object } of table) {
    t.same(annotationsOf(object), {}, `${name}: annotations`);
    t.same(labelsOf(object), {}, `${name}: labels`);
    t.same(ownerReferencesOf(object), [], `${name}: ownerReferences`);
    t.equal(annotationOf(object, 'a'), undefined, `${name}: one annotation`);
  }
});

t.test('keeps the well-formed entries of a partly malformed map or list', async (t) => {
  const object = {
    metadata: {
      annotations: { good: 'yes', number: 3, empty: '' },
      ownerReferences: [
        null,
        { apiVersion: 'v1', kind: 'Challenge' },
        { apiVersion: 'acme.cert-manager.io/v1', kind: 'Challenge', name: 'c', controller: true },
      ],
    },
  };
  t.same(annotationsOf(object), { good: 'yes', empty: '' });
  t.equal(annotationOf(object, 'empty'), '', 'an empty annotation is a value');
  t.equal(annotationOf(object, 'toString'), undefined, 'no prototype keys');
  t.same(ownerReferencesOf(object), [{ apiVersion: 'acme.cert-manager.io/v1', kind: 'Challenge', name: 'c', controller: true }]);
  t.same(stringsOf(['a', 1, null, 'b']), ['a', 'b']);
});

t.test('the namespace is the object\'s, then the request\'s, then "default"', async (t) => {
  t.equal(namespaceOf({ metadata: { namespace: 'own' } }, 'request'), 'own');
  t.equal(namespaceOf({ metadata: { namespace: '' } }, 'request'), 'request');
  t.equal(namespaceOf({ metadata: {} }, undefined), 'default');
});

t.test('listeners: malformed entries are skipped in place, Gateway API defaults applied', async (t) => {
  const gateway = {
    metadata: { namespace: 'traefik' },
    spec: {
      listeners: [
        null,
        { name: 'web', protocol: 'HTTP' },
        {
          name: 'websecure',
          protocol: 'HTTPS',
          hostname: 'a.example.com',
          tls: { certificateRefs: [{ name: 'a-tls' }, null, { group: 'x.io', kind: 'Cert', namespace: 'other', name: 'c' }] },
        },
        { name: 'passthrough', protocol: 'TLS', tls: { mode: 'Passthrough' } },
        { name: 'tls', protocol: 'TLS', tls: 'broken' },
      ],
    },
  };
  const listeners = listenersOf(gateway, 'traefik');
  t.same(
    listeners.map((listener) => [listener.index, listener.name, listener.terminatesTls]),
    [
      [1, 'web', false],
      [2, 'websecure', true],
      [3, 'passthrough', false],
      [4, 'tls', true],
    ],
  );
  t.same(tlsListenersOf(gateway, 'traefik')[0]?.tls?.certificateRefs, [
    { group: '', kind: 'Secret', namespace: 'traefik', name: 'a-tls', written: { group: undefined, kind: undefined, namespace: undefined } },
    { group: '', kind: 'Secret', namespace: 'traefik', name: '', written: { group: undefined, kind: undefined, namespace: undefined } },
    { group: 'x.io', kind: 'Cert', namespace: 'other', name: 'c', written: { group: 'x.io', kind: 'Cert', namespace: 'other' } },
  ]);
  t.same(tlsListenersOf({ spec: { listeners: 'not a list' } }, 'x'), []);
  t.same(tlsListenersOf({ spec: null }, 'x'), []);
});

t.test('a ListenerSet names its parent Gateway, defaulting the namespace to its own', async (t) => {
  const listenerSet = { metadata: { name: 'apps' }, spec: { parentRef: { name: 'gw' } } };
  t.same(listenerOwnerOf('ListenerSet', listenerSet, { namespace: 'team' }), {
    kind: 'ListenerSet',
    namespace: 'team',
    name: 'apps',
    parent: { namespace: 'team', name: 'gw' },
  });
  t.same(parentGatewayOf({ spec: { parentRef: { name: 'gw', namespace: 'infra' } } }, 'team'), { namespace: 'infra', name: 'gw' });
  t.equal(parentGatewayOf({ spec: { parentRef: 'gw' } }, 'team'), undefined);
  t.same(listenerOwnerOf('Gateway', { metadata: { generateName: 'gw-' } }), { kind: 'Gateway', namespace: 'default', name: 'gw-<generated>' });
  t.equal(listenerOwnerOf('HTTPRoute', {}), undefined);
});
