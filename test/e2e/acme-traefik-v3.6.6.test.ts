// Incident 000's account, settled on the version it ran: Traefik v3.6.6. The seed reports that one
// listener without its Secret made Traefik stop routing all traffic on every listener, so the
// HTTP-01 challenges that would issue those Secrets stayed pending. Replayed here without
// certguard, in the seed's shape (the Secrets in the apps' namespaces behind ReferenceGrants, an
// HTTP listener every solver route attaches to, working HTTPS listeners with routes), with real
// ACME: cert-manager's solver Pods on a node, pebble validating through Traefik.
//
// What v3.6.6 does is asserted: the Gateway goes Accepted=False ListenersNotValid while the
// Secrets are missing, yet the working host keeps its certificate and the challenges pass through
// the HTTP listener, so both Certificates issue and the Gateway recovers: no deadlock on v3.6.6
// in this shape. The seed's pending challenges must have had another cause (docs/e2e.md).
import { X509Certificate } from 'node:crypto';
import t from 'tap';
import { issueSelfSigned, validityWindow } from '../../src/certs/x509.ts';
import { namespace, tlsSecret, yamlOf } from './harness/objects.ts';
import { waitFor } from './harness/processes.ts';
import { watchObjects } from './harness/watch.ts';
import type { Condition } from './harness/objects.ts';
import {
  HTTP_LISTENER,
  gatewayConditions,
  httpsListener,
  pebbleIssuer,
  startAcmeCertManager,
  startAcmeNode,
  untilPebbleServed,
  untilReady,
} from './fixtures/acme-node.ts';

const GW_NS = 'traefik';
const GW = 'traefik-gateway';
const WORKING = 'app00.example.com';
const NEW = [
  { listener: 'websecure-app-prod', hostname: 'app.example.com', namespace: 'app-prod', secret: 'app-prod-tls-secret' },
  { listener: 'websecure-app-sandbox', hostname: 'app-sandbox.example.com', namespace: 'app-sandbox', secret: 'app-sandbox-tls-secret' },
];

type Obj = Record<string, unknown>;
type GatewayObject = { metadata: { generation: number }; status?: { conditions?: Condition[]; listeners?: Array<{ name: string; conditions: Condition[] }> } };

const gateway = (grown: boolean): Obj => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { namespace: GW_NS, name: GW },
  spec: {
    gatewayClassName: 'traefik',
    listeners: [
      HTTP_LISTENER,
      httpsListener('websecure-app00', WORKING, 'app00-tls'),
      ...(grown ? NEW.map((n) => httpsListener(n.listener, n.hostname, n.secret, n.namespace)) : []),
    ],
  },
});

const route = (ns: string, hostname: string, section: string): Obj => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { namespace: ns, name: 'web' },
  spec: { parentRefs: [{ name: GW, namespace: GW_NS, sectionName: section }], hostnames: [hostname], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] },
});

const service = (ns: string): Obj => ({ apiVersion: 'v1', kind: 'Service', metadata: { namespace: ns, name: 'web' }, spec: { ports: [{ port: 80 }] } });

const appObjects = (n: (typeof NEW)[number]): Obj[] => [
  namespace(n.namespace),
  service(n.namespace),
  route(n.namespace, n.hostname, n.listener),
  {
    apiVersion: 'gateway.networking.k8s.io/v1beta1',
    kind: 'ReferenceGrant',
    metadata: { namespace: n.namespace, name: 'traefik-gateway-tls' },
    spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: GW_NS }], to: [{ group: '', kind: 'Secret' }] },
  },
  {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: { namespace: n.namespace, name: n.namespace },
    spec: { secretName: n.secret, dnsNames: [n.hostname], issuerRef: { kind: 'ClusterIssuer', name: 'pebble' } },
  },
];

const describe = (g: GatewayObject): string =>
  [
    ...(g.status?.conditions ?? []).map((c) => `${c.type}=${c.status}`),
    ...(g.status?.listeners ?? []).map((l) => `${l.name}:Programmed=${l.conditions.find((c) => c.type === 'Programmed')?.status}`),
  ].join(' ');

t.test('incident 000 on Traefik v3.6.6, without certguard, with real ACME', async (t) => {
  const world = await startAcmeNode(t, [WORKING, ...NEW.map((n) => n.hostname)], { traefik: 'v3.6.6' });
  const { cluster } = world;
  const pair = await issueSelfSigned({ commonName: WORKING, dnsNames: [WORKING], ...validityWindow(30) });
  const own = new X509Certificate(pair.certificatePem);
  const prepared = await cluster.kubectl(['apply', '-f', '-'], {
    input: yamlOf(
      world.traefik.gatewayClass,
      namespace('cert-manager'),
      namespace(GW_NS),
      service(GW_NS),
      tlsSecret(GW_NS, 'app00-tls', pair),
      route(GW_NS, WORKING, 'websecure-app00'),
      pebbleIssuer(world.pebble.directoryUrl, GW_NS, GW),
      gateway(false),
    ),
  });
  t.equal(prepared.code, 0, prepared.stderr);
  await waitFor(
    'the working Gateway to be Accepted and Programmed',
    async () => {
      const state = await gatewayConditions(cluster, GW_NS, GW);
      return state?.Accepted === 'True Accepted' && state.Programmed === 'True Programmed' ? true : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
  await startAcmeCertManager(t, world);
  const gateways = watchObjects<GatewayObject>(cluster, ['gateways', '-n', GW_NS]);
  t.teardown(() => gateways.stop());

  const applied = Date.now();
  const result = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(...NEW.flatMap(appObjects), gateway(true)) });
  t.equal(result.code, 0, result.stderr);
  const broken = await waitFor(
    'Traefik to report the grown Gateway',
    async () => {
      const state = await gatewayConditions(cluster, GW_NS, GW);
      return state?.Accepted?.startsWith('False') ? state : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  );
  t.same(broken, { Accepted: 'False ListenersNotValid' }, 'while the Secrets are missing: Accepted=False ListenersNotValid, no Programmed');
  const served = await world.traefik.servedCertificate(WORKING);
  t.equal(served.serialNumber, own.serialNumber, `${WORKING}, whose Secret exists, keeps serving its own certificate`);

  const issued = await Promise.all(NEW.map((n) => untilPebbleServed(world, n.hostname)));
  t.comment(`apply to both new listeners serving pebble's chain, without certguard: ${((Date.now() - applied) / 1000).toFixed(1)} s`);
  for (const [i, n] of NEW.entries()) {
    t.equal(issued[i]?.subjectAltName, `DNS:${n.hostname}`, `${n.hostname}: the challenge passed through the HTTP listener and the Certificate issued`);
    await untilReady(cluster, n.namespace, n.namespace);
  }
  await waitFor(
    'the Gateway to recover',
    async () => {
      const state = await gatewayConditions(cluster, GW_NS, GW);
      return state?.Accepted === 'True Accepted' && state.Programmed === 'True Programmed' ? true : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
  t.pass('Accepted and Programmed again once the Secrets exist');
  t.comment(`the Gateway's states, as watched: ${[...new Set(gateways.events().map((e) => describe(e.object)))].join(' | ')}`);
});
