// Incident 000 on the real thing: Traefik v3.6 (Gateway API provider) serving a Gateway with working
// HTTPS listeners, cert-manager v1.21.1 with a CA Issuer, certguard in front.
//
// - Without certguard's webhooks: adding two listeners whose Secrets do not exist turns the whole
//   Gateway Accepted=False (no Programmed condition) and the new hosts get Traefik's default
//   certificate — the outage certguard exists to prevent (the working hosts keep their own
//   certificates at the TLS level; the status is what tooling and cert-manager's users see).
// - enforce: the apply is refused with certguard's message; the Gateway stays Accepted/Programmed.
// - placeholder: the apply succeeds, the Gateway stays Accepted/Programmed, the new hosts serve
//   certguard's placeholder over TLS, then cert-manager issues into it and they serve the
//   CA-issued certificate; the placeholder gauge returns to 0.
//
// TLS is judged by handshakes with SNI against Traefik's entry point on 127.0.0.1 (no backend can
// be reached: EndpointSlices cannot hold loopback addresses, and none is needed for the handshake).
import type { X509Certificate } from 'node:crypto';
import t from 'tap';
import { issueSelfSigned, validityWindow } from '../../src/certs/x509.ts';
import { startCertManager } from './harness/cert-manager.ts';
import type { Cluster } from './harness/cluster.ts';
import { namespace, tlsSecret, yamlOf, type Condition } from './harness/objects.ts';
import { issueCa, type Issued } from './harness/pki.ts';
import { waitFor } from './harness/processes.ts';
import { startStack } from './harness/stack.ts';
import { startTraefik, type Traefik } from './harness/traefik.ts';
import { WEBHOOK_CONFIGURATION_NAME } from './harness/webhooks.ts';

const GW_NS = 'traefik';
const GW = 'traefik-gateway';
const WORKING = 5;
const CA_NAME = 'certguard-e2e-seed-000-ca';
const NEW = [
  { listener: 'websecure-app-prod', hostname: 'app.example.com', namespace: 'app-prod', secret: 'app-prod-tls-secret' },
  { listener: 'websecure-app-sandbox', hostname: 'app-sandbox.example.com', namespace: 'app-sandbox', secret: 'app-sandbox-tls-secret' },
] as const;

type Obj = Record<string, unknown>;
type GatewayStatus = { metadata: { generation: number }; status?: { conditions?: Condition[] } };

const app = (i: number) => `app${String(i).padStart(2, '0')}`;

const listener = (name: string, hostname: string, port: number, secret: string, secretNamespace?: string): Obj => ({
  name,
  hostname,
  port,
  protocol: 'HTTPS',
  tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name: secret, ...(secretNamespace ? { namespace: secretNamespace } : {}) }] },
  allowedRoutes: { namespaces: { from: 'All' } },
});

const workingListeners = (port: number) =>
  Array.from({ length: WORKING }, (_, i) => listener(`websecure-${app(i)}`, `${app(i)}.example.com`, port, `${app(i)}-tls`));

const gateway = (port: number, grown: boolean): Obj => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { namespace: GW_NS, name: GW },
  spec: {
    gatewayClassName: 'traefik',
    listeners: [...workingListeners(port), ...(grown ? NEW.map((n) => listener(n.listener, n.hostname, port, n.secret, n.namespace)) : [])],
  },
});

// Traefik terminates TLS on an entry point only for routers attached there: one HTTPRoute per host.
const route = (ns: string, name: string, hostname: string, section: string): Obj => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { namespace: ns, name },
  spec: {
    parentRefs: [{ name: GW, namespace: GW_NS, sectionName: section }],
    hostnames: [hostname],
    rules: [{ backendRefs: [{ name: 'web', port: 80 }] }],
  },
});

const service = (ns: string): Obj => ({ apiVersion: 'v1', kind: 'Service', metadata: { namespace: ns, name: 'web' }, spec: { ports: [{ port: 80 }] } });

const referenceGrant = (ns: string): Obj => ({
  apiVersion: 'gateway.networking.k8s.io/v1beta1',
  kind: 'ReferenceGrant',
  metadata: { namespace: ns, name: 'traefik-gateway-tls' },
  spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: GW_NS }], to: [{ group: '', kind: 'Secret' }] },
});

const certificate = (entry: (typeof NEW)[number]): Obj => ({
  apiVersion: 'cert-manager.io/v1',
  kind: 'Certificate',
  metadata: { namespace: entry.namespace, name: entry.secret },
  spec: { secretName: entry.secret, dnsNames: [entry.hostname], issuerRef: { kind: 'ClusterIssuer', name: 'ca' } },
});

type GatewayState = { generation: number; conditions: Record<string, string> };

/** The Gateway's conditions, or undefined while any of them still describes an older generation. */
const gatewayState = async (cluster: Cluster): Promise<GatewayState | undefined> => {
  const got = await cluster.kubectl(['get', 'gateway', GW, '-n', GW_NS, '-o', 'json']);
  const object = JSON.parse(got.stdout) as GatewayStatus;
  const { generation } = object.metadata;
  const all = object.status?.conditions ?? [];
  if (all.length === 0 || all.some((c) => c.observedGeneration !== generation)) return undefined;
  return { generation, conditions: Object.fromEntries(all.map((c) => [c.type, `${c.status}${c.reason ? ` ${c.reason}` : ''}`])) };
};

const untilGateway = (cluster: Cluster, wanted: Record<string, string>) =>
  waitFor(
    `Gateway conditions ${JSON.stringify(wanted)} for its current generation`,
    async () => {
      const state = await gatewayState(cluster);
      return state && JSON.stringify(state.conditions) === JSON.stringify(wanted) ? state : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );

const HEALTHY = { Accepted: 'True Accepted', Programmed: 'True Programmed' };

const untilServed = (traefik: Traefik, hostname: string, what: string, test: (cert: X509Certificate) => boolean) =>
  waitFor(
    `${hostname} to serve ${what}`,
    async () => {
      const cert = await traefik.servedCertificate(hostname);
      return test(cert) ? cert : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );

const DEFAULT_CERT = (cert: X509Certificate) => cert.subject === 'CN=TRAEFIK DEFAULT CERT';

t.test('incident 000 on Traefik, with cert-manager and certguard', async (t) => {
  const stack = await startStack(t, { config: {} });
  const { cluster } = stack;
  const traefik = await startTraefik(cluster);
  t.teardown(() => traefik.stop());
  // One certificate per working host (not a wildcard, which would also cover the new hosts).
  const working = await Promise.all(
    Array.from({ length: WORKING }, (_, i) =>
      issueSelfSigned({ commonName: `${app(i)}.example.com`, dnsNames: [`${app(i)}.example.com`], ...validityWindow(30) }),
    ),
  );
  const ca = await issueCa(CA_NAME);
  const port = traefik.websecurePort;
  const prepared = await cluster.kubectl(['apply', '-f', '-'], {
    input: yamlOf(
      traefik.gatewayClass,
      namespace('cert-manager'),
      namespace(GW_NS),
      service(GW_NS),
      ...NEW.flatMap((n) => [namespace(n.namespace), service(n.namespace), referenceGrant(n.namespace), route(n.namespace, 'web', n.hostname, n.listener)]),
      ...Array.from({ length: WORKING }, (_, i) => [
        tlsSecret(GW_NS, `${app(i)}-tls`, working[i] as Issued),
        route(GW_NS, app(i), `${app(i)}.example.com`, `websecure-${app(i)}`),
      ]).flat(),
      tlsSecret('cert-manager', 'ca', ca),
      { apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', metadata: { name: 'ca' }, spec: { ca: { secretName: 'ca' } } },
      gateway(port, false),
    ),
  });
  t.equal(prepared.code, 0, prepared.stderr);
  let certManager = await startCertManager(cluster);
  t.teardown(() => certManager.stop());

  const healthy = await untilGateway(cluster, HEALTHY);
  t.pass(`Traefik accepted and programmed the working Gateway (${WORKING} listeners)`);
  const servedWorking = await untilServed(traefik, 'app00.example.com', 'the working certificate', (cert) => cert.subject === 'CN=app00.example.com');
  t.equal(servedWorking.subject, 'CN=app00.example.com', 'a working host serves its certificate');

  await t.test("enforce: refused with certguard's message, the Gateway stays Accepted and Programmed", async (t) => {
    const applied = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(gateway(port, true)) });
    t.equal(applied.code, 1);
    for (const [i, n] of NEW.entries()) {
      t.ok(
        applied.stderr.includes(
          `spec.listeners[${WORKING + i}] "${n.listener}" (Gateway ${GW_NS}/${GW}, hostname "${n.hostname}"): certificateRefs[0] Secret "${n.namespace}/${n.secret}" does not exist and no Certificate or cert-manager annotation will create it: `,
        ),
        `the denial names ${n.listener} and its Secret:\n${applied.stderr}`,
      );
    }
    t.match(
      applied.stderr,
      /^Error from server \(Forbidden\): error when applying patch:[\s\S]*admission webhook "gateway-listener-tls\.certguard\.io" denied the request: /,
    );
    const state = await gatewayState(cluster);
    t.same(state, healthy, 'same generation, still Accepted and Programmed');
  });

  await t.test("without certguard: the whole Gateway goes Accepted=False, the new hosts get Traefik's default certificate", async (t) => {
    const removed = await cluster.kubectl([
      'delete',
      '--ignore-not-found',
      `validatingwebhookconfiguration/${WEBHOOK_CONFIGURATION_NAME}`,
      `mutatingwebhookconfiguration/${WEBHOOK_CONFIGURATION_NAME}`,
    ]);
    t.equal(removed.code, 0, removed.stderr);
    await waitFor('the API server to stop calling certguard', async () => {
      const probe = await cluster.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: yamlOf(gateway(port, true)) });
      return probe.code === 0 ? true : undefined;
    });
    const applied = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(gateway(port, true)) });
    t.equal(applied.code, 0, applied.stderr);
    const broken = await waitFor(
      'Traefik to reject the Gateway',
      async () => {
        const state = await gatewayState(cluster);
        return state && state.generation > healthy.generation && state.conditions.Accepted?.startsWith('False') ? state : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    t.same(broken.conditions, { Accepted: 'False ListenersNotValid' }, 'Accepted=False ListenersNotValid, no Programmed condition');
    // Measured: Traefik keeps serving the working listeners' certificates, whatever the status says.
    t.equal((await traefik.servedCertificate('app00.example.com')).subject, 'CN=app00.example.com', 'a working host still serves its own certificate');
    for (const n of NEW) {
      const served = await untilServed(traefik, n.hostname, "Traefik's default certificate", DEFAULT_CERT);
      t.equal(served.subject, 'CN=TRAEFIK DEFAULT CERT', `${n.hostname} gets Traefik's default certificate`);
    }
    // Back to the working Gateway for the next case.
    const reverted = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(gateway(port, false)) });
    t.equal(reverted.code, 0, reverted.stderr);
    await untilGateway(cluster, HEALTHY);
  });

  await t.test('placeholder: admitted, still Accepted and Programmed, placeholder served, then the CA-issued certificate', async (t) => {
    await stack.reconfigure({ policies: { 'gateway-listener-tls': { mode: 'placeholder' } } });
    // Placeholders stand in only for Secrets a Certificate will fill: the Certificates come with the
    // Gateway (a GitOps sync), while cert-manager is held back so the Secrets are still missing.
    await certManager.stop();
    const created = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(...NEW.map(certificate)) });
    t.equal(created.code, 0, created.stderr);
    const applied = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(gateway(port, true)) });
    t.equal(applied.code, 0, applied.stderr);
    t.equal((applied.stderr.match(/^Warning: /gm) ?? []).length, 2, 'one warning per placeholder');
    const state = await untilGateway(cluster, HEALTHY);
    t.ok(state.generation > healthy.generation, 'the grown Gateway is Accepted and Programmed');
    for (const n of NEW) {
      const served = await untilServed(traefik, n.hostname, 'the placeholder', (cert) => cert.subject.includes('O=certguard placeholder'));
      t.equal(served.subjectAltName, `DNS:${n.hostname}`, `${n.hostname} serves certguard's placeholder`);
    }
    t.equal(await stack.certguard.metric('certguard_placeholder_secrets', { namespace: NEW[0].namespace }), 1, 'the gauge counts the placeholder');

    certManager = await startCertManager(cluster);
    for (const n of NEW) {
      const served = await untilServed(traefik, n.hostname, 'the CA-issued certificate', (cert) => cert.issuer === `CN=${CA_NAME}`);
      t.equal(served.subjectAltName, `DNS:${n.hostname}`, `${n.hostname} serves the certificate cert-manager issued`);
    }
    t.same(await gatewayState(cluster), state, 'the Gateway stayed Accepted and Programmed throughout');
    for (const n of NEW) {
      await waitFor(`the gauge for ${n.namespace} to drop`, async () =>
        ((await stack.certguard.metric('certguard_placeholder_secrets', { namespace: n.namespace })) ?? 0) === 0 ? true : undefined,
      );
    }
    t.pass('the placeholder gauge returned to 0');
  });
});
