// What the full-object cache keeps of a Gateway, a ListenerSet and a Certificate (compact.ts,
// certificate-entry.ts): what policies read stays, the rest is dropped.
import t from 'tap';
import type { KubeObject, ObjectMeta } from '../../src/kube/object.ts';
import { keptObjectOf } from '../../src/cluster/live/compact.ts';
import { RESOURCES } from '../../src/cluster/resources.ts';

const condition = (type: string) => ({
  type,
  status: 'True',
  reason: type,
  message: 'No error found',
  lastTransitionTime: '2025-03-01T10:00:00Z',
  observedGeneration: 1,
});
const listenerStatus = {
  name: 'https',
  supportedKinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }],
  attachedRoutes: 1,
  conditions: [condition('Accepted'), condition('ResolvedRefs')],
};
const spec = {
  gatewayClassName: 'traefik',
  listeners: [{ name: 'https', port: 443, protocol: 'HTTPS', tls: { mode: 'Terminate', certificateRefs: [{ name: 'app-tls' }] } }],
};
const programmed = (kind: string): KubeObject => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind,
  metadata: { name: 'web', namespace: 'app', managedFields: [{ manager: 'kubectl' }] } as ObjectMeta,
  spec,
  status: { addresses: [{ type: 'IPAddress', value: '203.0.113.10' }], conditions: [condition('Programmed')], listeners: [listenerStatus] },
});

t.test("a Gateway keeps its spec and status.addresses, not the controller's conditions and listener status", async (t) => {
  t.same(keptObjectOf(RESOURCES.gateways, programmed('Gateway')), {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'web', namespace: 'app' },
    spec,
    status: { addresses: [{ type: 'IPAddress', value: '203.0.113.10' }] },
  });
});

t.test('a Gateway without status.addresses keeps no status at all', async (t) => {
  const { status: _status, ...unprogrammed } = programmed('Gateway');
  t.same(keptObjectOf(RESOURCES.gateways, { ...unprogrammed, status: { conditions: [condition('Accepted')] } }), {
    ...unprogrammed,
    metadata: { name: 'web', namespace: 'app' },
  });
  t.equal('status' in keptObjectOf(RESOURCES.gateways, unprogrammed), false);
});

t.test('a ListenerSet is kept the same way, plus its Accepted condition (the audit reports it)', async (t) => {
  const kept = keptObjectOf(RESOURCES.listenersets, {
    ...programmed('ListenerSet'),
    status: { conditions: [condition('Accepted'), condition('Programmed')], listeners: [listenerStatus] },
  });
  t.same(kept.spec, spec);
  t.same(kept.status, { conditions: [condition('Accepted')] });
  const unconditioned = keptObjectOf(RESOURCES.listenersets, { ...programmed('ListenerSet'), status: { listeners: [listenerStatus] } });
  t.equal('status' in unconditioned, false, 'without an Accepted condition: no status');
});

t.test("other full objects keep their status (a Namespace's phase, a Service's load balancer)", async (t) => {
  const namespace: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'app' }, status: { phase: 'Terminating' } };
  t.same(keptObjectOf(RESOURCES.namespaces, namespace), namespace);
});

t.test('a Certificate keeps its DNS names and IP addresses, strings only', async (t) => {
  const certificate = (dnsNames: unknown[]): KubeObject => ({
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: { name: 'app-tls', namespace: 'app' },
    spec: { secretName: 'app-tls', dnsNames, ipAddresses: ['203.0.113.10'], usages: ['digital signature'] },
  });
  const specOf = (object: KubeObject) => object.spec as { dnsNames?: unknown; ipAddresses?: unknown; usages?: unknown };
  const kept = specOf(keptObjectOf(RESOURCES.certificates, certificate(['app.example.com', 'www.example.com'])));
  t.same(kept, { secretName: 'app-tls', dnsNames: ['app.example.com', 'www.example.com'], ipAddresses: ['203.0.113.10'] });
  t.same(specOf(keptObjectOf(RESOURCES.certificates, certificate(['app.example.com', 7, null]))).dnsNames, ['app.example.com'], 'a malformed item is dropped');
  t.equal('dnsNames' in specOf(keptObjectOf(RESOURCES.certificates, certificate([]))), false, 'no names, no field');
  t.equal('dnsNames' in specOf(keptObjectOf(RESOURCES.certificates, certificate([7]))), false, 'no string, no field');
});

t.test('a BackendTLSPolicy keeps its metadata and CA refs only', async (t) => {
  const refs = [{ group: '', kind: 'ConfigMap', name: 'backend-ca' }];
  const policy: KubeObject = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'BackendTLSPolicy',
    metadata: { namespace: 'apps', name: 'api-tls', labels: { app: 'api' }, managedFields: [{ manager: 'kubectl' }] } as ObjectMeta,
    spec: { targetRefs: [{ group: '', kind: 'Service', name: 'api' }], validation: { caCertificateRefs: refs, hostname: 'api.internal' } },
    status: { ancestors: [{ ancestorRef: { name: 'web' }, conditions: [condition('Accepted')] }] },
  };
  t.same(keptObjectOf(RESOURCES.backendtlspolicies, policy), {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'BackendTLSPolicy',
    metadata: { namespace: 'apps', name: 'api-tls', labels: { app: 'api' } },
    spec: { validation: { caCertificateRefs: refs } },
  });
  const wellKnown = { ...policy, spec: { validation: { wellKnownCACertificates: 'System', hostname: 'api.internal' } } };
  t.same(keptObjectOf(RESOURCES.backendtlspolicies, wellKnown).spec, {}, 'no CA refs, nothing of the spec');
});
