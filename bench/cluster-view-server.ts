// Child process of bench/cluster-view.ts: a fake list/watch API server (test/cluster/
// fake-api-server.ts) loaded with the cluster size (issue 6; issue 12 adds 10,000 Certificates). Kept out of the measured process so
// the RSS we report is the view's alone. Prints one JSON line: { kubeconfig, objects }.
import { AUDIT_FAKE_RESOURCES, DEFAULT_FAKE_RESOURCES, FakeApiServer, type FakeObject } from '../test/cluster/fake-api-server.ts';

const count = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
const ROUTES = count('ROUTES', 100_000);
const SECRETS = count('SECRETS', 50_000);
const GATEWAYS = count('GATEWAYS', 2_000);
const LISTENERS = count('LISTENERS', 10);
const NAMESPACES = count('NAMESPACES', 500);
const CERTIFICATES = count('CERTIFICATES', 10_000);

const namespaceOf = (index: number): string => `team-${index % NAMESPACES}`;
const hex = (index: number, width: number): string => index.toString(16).padStart(width, '0');

// Shaped like cert-manager's: generateName suffix, domain/token hash labels, a controller owner.
function* solverRoutes(): Generator<FakeObject> {
  for (let index = 0; index < ROUTES; index += 1) {
    yield {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: {
        name: `cm-acme-http-solver-${hex(index, 5)}`,
        namespace: namespaceOf(index),
        uid: `6f1c${hex(index, 8)}-0000-4000-8000-000000000000`,
        creationTimestamp: '2025-03-01T10:00:00Z',
        generateName: 'cm-acme-http-solver-',
        labels: {
          'acme.cert-manager.io/http01-solver': 'true',
          'acme.cert-manager.io/http-domain': String(1_000_000_000 + index),
          'acme.cert-manager.io/http-token': String(2_000_000_000 + index),
        },
        ownerReferences: [
          {
            apiVersion: 'acme.cert-manager.io/v1',
            kind: 'Challenge',
            name: `app-${index}-tls-1-2345678-${index}`,
            uid: `7a2d${hex(index, 8)}-0000-4000-8000-000000000000`,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
        managedFields: [
          {
            manager: 'cert-manager-challenges',
            operation: 'Update',
            apiVersion: 'gateway.networking.k8s.io/v1',
            time: '2025-03-01T10:00:00Z',
            fieldsType: 'FieldsV1',
            fieldsV1: { 'f:metadata': {}, 'f:spec': {} },
          },
        ],
      },
      spec: {
        parentRefs: [{ name: 'traefik-gateway', namespace: 'traefik' }],
        hostnames: [`app-${index}.example.com`],
        rules: [
          {
            matches: [{ path: { type: 'Exact', value: `/.well-known/acme-challenge/${hex(index, 40)}` } }],
            backendRefs: [{ name: `cm-acme-http-solver-${hex(index, 5)}`, port: 8089 }],
          },
        ],
      },
    };
  }
}

function* secrets(): Generator<FakeObject> {
  for (let index = 0; index < SECRETS; index += 1) {
    yield {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: `app-${index}-tls`,
        namespace: namespaceOf(index),
        uid: `8b3e${hex(index, 8)}-0000-4000-8000-000000000000`,
        creationTimestamp: '2025-03-01T10:00:00Z',
        labels: { 'controller.cert-manager.io/fao': 'true' },
        annotations: {
          'cert-manager.io/certificate-name': `app-${index}`,
          'cert-manager.io/issuer-name': 'letsencrypt',
          'cert-manager.io/common-name': `app-${index}.example.com`,
        },
      },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': 'A'.repeat(2400), 'tls.key': 'B'.repeat(1700) },
    };
  }
}

// A programmed Gateway's status as Traefik v3's Gateway provider writes it
// (pkg/provider/kubernetes/gateway/kubernetes.go): the Gateway's Accepted and Programmed
// conditions and, per listener, supportedKinds (HTTPRoute, GRPCRoute for HTTPS), attachedRoutes
// and Accepted, ResolvedRefs, Programmed "No error found". The API server sends it in every list
// and watch event; until bench/README.md's 2026-11-29 run the bench's Gateways had only
// addresses and one condition, which hid what the cache kept of a real one.
const condition = (type: string, message: string) => ({
  type,
  status: 'True',
  reason: type,
  message,
  lastTransitionTime: '2025-03-01T10:00:00Z',
  observedGeneration: 1,
});
const gatewayStatus = () => ({
  addresses: [{ type: 'IPAddress', value: '203.0.113.10' }],
  conditions: [condition('Accepted', 'Gateway successfully scheduled'), condition('Programmed', 'Gateway successfully programmed')],
  listeners: Array.from({ length: LISTENERS }, (_, listener) => ({
    name: `https-${listener}`,
    supportedKinds: [
      { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' },
      { group: 'gateway.networking.k8s.io', kind: 'GRPCRoute' },
    ],
    attachedRoutes: 1,
    conditions: [condition('Accepted', 'No error found'), condition('ResolvedRefs', 'No error found'), condition('Programmed', 'No error found')],
  })),
});

function* gateways(): Generator<FakeObject> {
  for (let index = 0; index < GATEWAYS; index += 1) {
    const namespace = namespaceOf(index);
    yield {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: {
        name: `gateway-${index}`,
        namespace,
        uid: `9c4f${hex(index, 8)}-0000-4000-8000-000000000000`,
        creationTimestamp: '2025-03-01T10:00:00Z',
        annotations: { 'cert-manager.io/cluster-issuer': 'letsencrypt' },
        managedFields: [{ manager: 'kubectl', operation: 'Apply', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:listeners': {} } } }],
      },
      spec: {
        gatewayClassName: 'traefik',
        listeners: Array.from({ length: LISTENERS }, (_, listener) => ({
          name: `https-${listener}`,
          hostname: `app-${index}-${listener}.example.com`,
          port: 443,
          protocol: 'HTTPS',
          allowedRoutes: { namespaces: { from: 'Same' } },
          // Secret app-<index + listener × GATEWAYS>-tls: an existing one, in the Gateway's namespace
          // while GATEWAYS is a multiple of NAMESPACES, so the audit reads 20,000 Secrets' content.
          tls: { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: `app-${index + listener * GATEWAYS}-tls`, namespace }] },
        })),
      },
      status: gatewayStatus(),
    };
  }
}

// Shaped like a shim Certificate as cert-manager writes it: owner, annotations, full status.
function* certificates(): Generator<FakeObject> {
  for (let index = 0; index < CERTIFICATES; index += 1) {
    yield {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: {
        name: `app-${index}-tls`,
        namespace: namespaceOf(index),
        uid: `ad5f${hex(index, 8)}-0000-4000-8000-000000000000`,
        creationTimestamp: '2025-03-01T10:00:00Z',
        generation: 1,
        labels: { 'app.kubernetes.io/name': `app-${index}` },
        annotations: { 'acme.cert-manager.io/http01-parentrefkind': 'Gateway', 'acme.cert-manager.io/http01-parentrefname': `gateway-${index % GATEWAYS}` },
        ownerReferences: [
          {
            apiVersion: 'gateway.networking.k8s.io/v1',
            kind: 'Gateway',
            name: `gateway-${index % GATEWAYS}`,
            uid: `9c4f${hex(index % GATEWAYS, 8)}-0000-4000-8000-000000000000`,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
        managedFields: [
          {
            manager: 'cert-manager-certificates-trigger',
            operation: 'Update',
            apiVersion: 'cert-manager.io/v1',
            time: '2025-03-01T10:00:00Z',
            fieldsType: 'FieldsV1',
            fieldsV1: { 'f:status': { 'f:conditions': {} } },
          },
        ],
      },
      spec: {
        secretName: `app-${index}-tls`,
        issuerRef: { name: 'letsencrypt', kind: 'ClusterIssuer', group: 'cert-manager.io' },
        dnsNames: [`app-${index}.example.com`],
        usages: ['digital signature', 'key encipherment'],
        privateKey: { algorithm: 'RSA', size: 2048, rotationPolicy: 'Always' },
      },
      status: {
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'Ready',
            message: 'Certificate is up to date and has not expired',
            lastTransitionTime: '2025-03-01T10:00:05Z',
            observedGeneration: 1,
          },
        ],
        notBefore: '2025-03-01T09:00:05Z',
        notAfter: '2025-05-30T09:00:04Z',
        renewalTime: '2025-04-30T09:00:04Z',
        revision: 1,
      },
    };
  }
}

// kube-apiserver lists in storage-key order, /registry/<resource>/<namespace>/<name> (etcd range
// reads; a continue token is the last key read), so a list fills one namespace after another.
// The fake server lists in load order: load in key order. LIST_ORDER=generated keeps the order the
// generators make (round-robin over the namespaces), for comparison.
const inKeyOrder = (objects: Iterable<FakeObject>): Iterable<FakeObject> => {
  if (process.env.LIST_ORDER === 'generated') return objects;
  const key = (object: FakeObject): string => `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
  return [...objects].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
};

// Leases and Events for `serve --audit` (bench/cluster-view.ts audit); no PolicyReport CRD.
const api = new FakeApiServer([...DEFAULT_FAKE_RESOURCES, ...AUDIT_FAKE_RESOURCES]);
api.load(inKeyOrder(solverRoutes()));
api.load(inKeyOrder(secrets()));
api.load(inKeyOrder(gateways()));
api.load(inKeyOrder(certificates()));
await api.start();
process.stdout.write(
  `${JSON.stringify({ kubeconfig: api.kubeconfigPath, objects: { routes: ROUTES, secrets: SECRETS, gateways: GATEWAYS, listeners: LISTENERS, certificates: CERTIFICATES, namespaces: NAMESPACES } })}\n`,
);
process.on('SIGTERM', () => void api.stop().then(() => process.exit(0)));
