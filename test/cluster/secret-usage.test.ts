// The Secret/ConfigMap → references index on its own: what counts as a use, and that updates and
// re-lists leave nothing behind.
import t from 'tap';
import { SecretUsageIndex, type RefOwnerResource, type UsedKind } from '../../src/cluster/secret-usage.ts';
import type { KubeObject } from '../../src/kube/object.ts';

/** The index over a store of owners, as a view holds them: upsert, remove and replace keep both. */
class Indexed {
  readonly objects = new Map<string, KubeObject>();
  readonly index = new SecretUsageIndex((resource, namespace, name) => this.objects.get(`${resource}/${namespace}/${name}`));

  upsert(resource: RefOwnerResource, object: KubeObject): void {
    this.objects.set(`${resource}/${object.metadata?.namespace}/${object.metadata?.name}`, object);
    this.index.upsert(resource, object);
  }

  remove(resource: RefOwnerResource, namespace: string, name: string): void {
    this.objects.delete(`${resource}/${namespace}/${name}`);
    this.index.remove(resource, namespace, name);
  }

  replace(resource: RefOwnerResource, objects: KubeObject[]): void {
    for (const key of [...this.objects.keys()]) if (key.startsWith(`${resource}/`)) this.objects.delete(key);
    for (const object of objects) this.objects.set(`${resource}/${object.metadata?.namespace}/${object.metadata?.name}`, object);
    this.index.replace(resource, objects);
  }

  usesOf(namespace: string, name: string) {
    return this.index.usesOf(namespace, name);
  }

  refsOf(kind: UsedKind, namespace: string, name: string): string[] {
    return this.index.tlsRefUsesOf(kind, namespace, name).map(({ owner, tlsRef }) => `${owner.kind} ${owner.namespace}/${owner.name} ${tlsRef.field}`);
  }

  get size(): number {
    return this.index.size;
  }
}

const owner = (kind: 'Gateway' | 'ListenerSet', namespace: string, name: string, listeners: object[], parentRef?: object): KubeObject => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind,
  metadata: { namespace, name },
  spec: { ...(parentRef ? { parentRef } : {}), listeners },
});

const https = (name: string, refs: object[], hostname?: string) => ({
  name,
  port: 443,
  protocol: 'HTTPS',
  ...(hostname ? { hostname } : {}),
  tls: { certificateRefs: refs },
});

const names = (index: Indexed, namespace: string, name: string) =>
  index
    .usesOf(namespace, name)
    .map((use) => `${use.owner.kind} ${use.owner.namespace}/${use.owner.name} ${use.listener.name}${use.listener.hostname ? ` ${use.listener.hostname}` : ''}`);

t.test('indexes core Secret refs of TLS-terminating listeners, in any namespace, and nothing else', async (t) => {
  const index = new Indexed();
  index.upsert(
    'gateways',
    owner('Gateway', 'traefik', 'web', [
      https('a', [{ name: 'app-tls' }, { name: 'shop-tls', namespace: 'certs' }], 'app.example.com'),
      https('b', [
        { group: 'example.com', kind: 'Certificate', name: 'app-tls' },
        { kind: 'ConfigMap', name: 'ca' },
      ]),
      { name: 'pass', port: 8443, protocol: 'TLS', tls: { mode: 'Passthrough', certificateRefs: [{ name: 'pass-tls' }] } },
      { name: 'term', port: 8444, protocol: 'TLS', tls: { certificateRefs: [{ name: 'term-tls' }] } },
      { name: 'plain', port: 80, protocol: 'HTTP' },
    ]),
  );
  index.upsert(
    'listenersets',
    owner('ListenerSet', 'apps', 'extra', [https('api', [{ name: 'app-tls', namespace: 'traefik' }])], { name: 'web', namespace: 'traefik' }),
  );
  t.same(
    names(index, 'traefik', 'app-tls'),
    ['Gateway traefik/web a app.example.com', 'ListenerSet apps/extra api'],
    'Gateways first; other group/kind refs are not Secrets',
  );
  t.same(names(index, 'certs', 'shop-tls'), ['Gateway traefik/web a app.example.com'], 'a cross-namespace ref is indexed (the policy judges its grant)');
  t.same(names(index, 'traefik', 'term-tls'), ['Gateway traefik/web term'], 'TLS defaults to Terminate');
  t.same([names(index, 'traefik', 'pass-tls'), names(index, 'traefik', 'ca')], [[], []], 'Passthrough and ConfigMap refs are not uses');
  t.same(index.usesOf('traefik', 'app-tls')[1]?.owner.parent, { namespace: 'traefik', name: 'web' }, 'a ListenerSet use carries its parent Gateway');
  t.equal(index.size, 3);
});

t.test('an update, a delete and a re-list leave no stale entry', async (t) => {
  const index = new Indexed();
  index.upsert('gateways', owner('Gateway', 'traefik', 'web', [https('a', [{ name: 'one-tls' }]), https('b', [{ name: 'one-tls' }])]));
  index.upsert('listenersets', owner('ListenerSet', 'traefik', 'extra', [https('c', [{ name: 'one-tls' }])]));
  index.upsert('gateways', owner('Gateway', 'traefik', 'web', [https('a', [{ name: 'two-tls' }])]));
  t.same(names(index, 'traefik', 'one-tls'), ['ListenerSet traefik/extra c'], 'the updated Gateway no longer uses one-tls');
  t.same(names(index, 'traefik', 'two-tls'), ['Gateway traefik/web a']);
  index.remove('listenersets', 'traefik', 'extra');
  t.same(names(index, 'traefik', 'one-tls'), [], 'deleted');
  index.replace('gateways', [owner('Gateway', 'traefik', 'other', [https('x', [{ name: 'three-tls' }])])]);
  t.same([names(index, 'traefik', 'two-tls'), names(index, 'traefik', 'three-tls')], [[], ['Gateway traefik/other x']], 'a re-list replaces that kind');
  t.equal(index.size, 1, 'no empty entries left');
});

t.test('two listeners on one Secret index it once; the listeners are read from the owner as the view holds it now', async (t) => {
  const index = new Indexed();
  index.upsert('gateways', owner('Gateway', 'traefik', 'web', [https('a', [{ name: 'one-tls' }]), https('b', [{ name: 'one-tls' }, { name: 'one-tls' }])]));
  t.same(
    names(index, 'traefik', 'one-tls'),
    ['Gateway traefik/web a', 'Gateway traefik/web b', 'Gateway traefik/web b'],
    'one use per reference, the owner listed once',
  );
  t.equal(index.size, 1);
  index.objects.delete('gateways/traefik/web');
  t.same(names(index, 'traefik', 'one-tls'), [], 'an owner the view no longer holds has no uses');
});

const caRef = (name: string, kind = 'ConfigMap', namespace?: string) => ({ group: '', kind, name, ...(namespace ? { namespace } : {}) });

/** A Gateway with spec.tls: default and per-port client CA bundles, and a backend client certificate. */
const tlsGateway = (
  namespace: string,
  name: string,
  tls: { defaults?: object[]; port8443?: object[]; client?: object },
  listeners: object[] = [],
): KubeObject => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { namespace, name },
  spec: {
    listeners,
    tls: {
      frontend: {
        ...(tls.defaults ? { default: { validation: { caCertificateRefs: tls.defaults } } } : {}),
        ...(tls.port8443 ? { perPort: [{ port: 8443, tls: { validation: { caCertificateRefs: tls.port8443 } } }] } : {}),
      },
      ...(tls.client ? { backend: { clientCertificateRef: tls.client } } : {}),
    },
  },
});

const backendTlsPolicy = (namespace: string, name: string, refs: object[]): KubeObject => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'BackendTLSPolicy',
  metadata: { namespace, name },
  spec: { targetRefs: [{ group: '', kind: 'Service', name: 'api' }], validation: { caCertificateRefs: refs, hostname: 'api.internal' } },
});

t.test("indexes a Gateway's spec.tls refs and a BackendTLSPolicy's CA refs by kind, Gateways first", async (t) => {
  const index = new Indexed();
  index.upsert(
    'gateways',
    tlsGateway('traefik', 'web', {
      defaults: [
        caRef('client-ca'),
        caRef('shared-ca', 'ConfigMap', 'certs'),
        caRef('secret-ca', 'Secret'),
        { group: 'example.com', kind: 'Bundle', name: 'client-ca' },
      ],
      port8443: [caRef('client-ca')],
      client: { name: 'backend-client' },
    }),
  );
  index.upsert('backendtlspolicies', backendTlsPolicy('traefik', 'api-tls', [caRef('client-ca'), caRef('elsewhere', 'ConfigMap', 'certs')]));
  t.same(
    index.refsOf('ConfigMap', 'traefik', 'client-ca'),
    [
      'Gateway traefik/web spec.tls.frontend.default.validation.caCertificateRefs[0]',
      'Gateway traefik/web spec.tls.frontend.perPort[0].tls.validation.caCertificateRefs[0]',
      'BackendTLSPolicy traefik/api-tls spec.validation.caCertificateRefs[0]',
    ],
    'every field that uses the ConfigMap, Gateways before BackendTLSPolicies',
  );
  t.same(index.refsOf('ConfigMap', 'certs', 'shared-ca'), ['Gateway traefik/web spec.tls.frontend.default.validation.caCertificateRefs[1]'], 'cross-namespace');
  t.same(
    index.refsOf('Secret', 'traefik', 'secret-ca'),
    ['Gateway traefik/web spec.tls.frontend.default.validation.caCertificateRefs[2]'],
    'a CA bundle in a Secret',
  );
  t.same(index.refsOf('ConfigMap', 'traefik', 'secret-ca'), [], 'kinds are apart: a ConfigMap of the same name is not used');
  t.same(
    index.refsOf('Secret', 'traefik', 'backend-client'),
    ['Gateway traefik/web spec.tls.backend.clientCertificateRef'],
    'the backend client certificate (kind defaults to Secret)',
  );
  t.same(index.refsOf('ConfigMap', 'certs', 'elsewhere'), [], "a BackendTLSPolicy's refs are local: a written namespace is ignored");
  t.same(index.refsOf('ConfigMap', 'traefik', 'elsewhere'), ['BackendTLSPolicy traefik/api-tls spec.validation.caCertificateRefs[1]']);
  t.same(index.usesOf('traefik', 'backend-client'), [], 'no listener uses it');
  t.equal(index.size, 5, 'client-ca, certs/shared-ca, secret-ca, backend-client, elsewhere; not the example.com Bundle');
});

t.test('listener and spec.tls refs of one Gateway to one Secret are both found; updates and removals drop them', async (t) => {
  const index = new Indexed();
  index.upsert('gateways', tlsGateway('traefik', 'web', { client: { name: 'both-tls' } }, [https('a', [{ name: 'both-tls' }])]));
  t.same(names(index, 'traefik', 'both-tls'), ['Gateway traefik/web a']);
  t.same(index.refsOf('Secret', 'traefik', 'both-tls'), ['Gateway traefik/web spec.tls.backend.clientCertificateRef']);
  t.equal(index.size, 1, 'one entry for the Secret');
  index.upsert('gateways', tlsGateway('traefik', 'web', { defaults: [caRef('ca')] }));
  t.same([names(index, 'traefik', 'both-tls'), index.refsOf('Secret', 'traefik', 'both-tls')], [[], []], 'an update that drops both refs');
  t.same(index.refsOf('ConfigMap', 'traefik', 'ca'), ['Gateway traefik/web spec.tls.frontend.default.validation.caCertificateRefs[0]']);
  index.upsert('backendtlspolicies', backendTlsPolicy('traefik', 'api-tls', [caRef('ca')]));
  index.remove('gateways', 'traefik', 'web');
  t.same(
    index.refsOf('ConfigMap', 'traefik', 'ca'),
    ['BackendTLSPolicy traefik/api-tls spec.validation.caCertificateRefs[0]'],
    'the Gateway is gone, the policy stays',
  );
  index.replace('backendtlspolicies', []);
  t.same(index.refsOf('ConfigMap', 'traefik', 'ca'), [], 'a re-list replaces that kind');
  t.equal(index.size, 0, 'no empty entries left');
});
