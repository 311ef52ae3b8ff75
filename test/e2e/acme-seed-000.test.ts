// Seed 000 from start to finish with real ACME: a Gateway whose new HTTPS listeners wait for
// certificates that cert-manager orders from pebble over HTTP-01, answered by cert-manager's own
// solver Pods *through that same Gateway*. Everything a user runs is real: certguard installed by
// its chart on the node, cert-manager v1.21.1 with its acmesolver image (built from its module),
// Traefik v3.6.12 as the ingress inside the node's network namespace on ports 80 and 443 (it
// reaches the solver Pods by their IPs), and pebble validating each name through the suite's
// dnsmasq, which points every name at the node (PEBBLE_VA_ALWAYS_VALID stays unset).
//
// - placeholder: the Certificates and the grown Gateway in one apply, as a GitOps sync applies
//   them; the placeholders keep the Gateway Accepted and Programmed, the solver routes attach to
//   it, pebble validates, cert-manager issues into each placeholder (same Secret), and Traefik
//   serves the pebble chain, checked by a TLS handshake verified against pebble's root.
// - enforce: the listener is refused with the message naming the Certificate and the loop; the
//   Certificate from the same apply issues, and the listener applied again once it is Ready is
//   admitted and serves the pebble chain (the documented order).
// - without certguard: what Traefik v3.6 does meanwhile (the baseline the README's table cites).
import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import t from 'tap';
import { issueSelfSigned, validityWindow } from '../../src/certs/x509.ts';
import { startDnsmasq } from '../dns/dnsmasq.ts';
import { startCertManager } from './harness/cert-manager.ts';
import { certguardPods, installCertguard, waitForMode } from './harness/chart.ts';
import type { Cluster } from './harness/cluster.ts';
import { startNodeCluster } from './harness/node-cluster.ts';
import { namespace, tlsSecret, yamlOf, type Condition } from './harness/objects.ts';
import { startPebble } from './harness/pebble.ts';
import { waitFor } from './harness/processes.ts';
import { startTraefik, type Traefik } from './harness/traefik.ts';
import { CERTGUARD_NAMESPACE, WEBHOOK_CONFIGURATION_NAME } from './harness/webhooks.ts';
import { watchObjects } from './harness/watch.ts';

const GW_NS = 'traefik';
const GW = 'traefik-gateway';
const WORKING = ['app00.example.com', 'app01.example.com'];
type Entry = { listener: string; hostname: string; namespace: string; secret: string };
const entry = (ns: string, hostname: string): Entry => ({ listener: `websecure-${ns}`, hostname, namespace: ns, secret: `${ns}-tls-secret` });
// The seed's two listeners (cross-namespace Secrets, permitted by ReferenceGrants).
const SEED = [entry('app-prod', 'app.example.com'), entry('app-sandbox', 'app-sandbox.example.com')];
const ENFORCED = entry('shop', 'shop.example.com');
const UNGUARDED = entry('blog', 'blog.example.com');
const ALL = [...SEED, ENFORCED, UNGUARDED];
const SOLVER_LABEL = 'acme.cert-manager.io/http01-solver';
const ISSUANCE_MS = 180_000;

type Obj = Record<string, unknown>;
type Meta = { name: string; namespace: string; uid: string; labels?: Record<string, string>; annotations?: Record<string, string>; generation?: number };
type Secret = { metadata: Meta; data: Record<string, string> };
type Route = { metadata: Meta; status?: { parents?: Array<{ parentRef: { name: string; namespace?: string }; controllerName: string; conditions: Condition[] }> } };
type GatewayObject = { metadata: Meta & { generation: number }; status?: { conditions?: Condition[] } };

const listener = (name: string, hostname: string, secret: string, secretNamespace?: string): Obj => ({
  name, hostname, port: 443, protocol: 'HTTPS',
  tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name: secret, ...(secretNamespace ? { namespace: secretNamespace } : {}) }] },
  allowedRoutes: { namespaces: { from: 'All' } },
});

const gateway = (entries: Entry[]): Obj => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { namespace: GW_NS, name: GW },
  spec: {
    gatewayClassName: 'traefik',
    listeners: [
      // Where every namespace's HTTP-01 solver routes attach, as in the seed.
      { name: 'web', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } },
      ...WORKING.map((hostname, i) => listener(`websecure-app0${i}`, hostname, `app0${i}-tls`)),
      ...entries.map((e) => listener(e.listener, e.hostname, e.secret, e.namespace)),
    ],
  },
});

// Traefik terminates TLS on an entry point only for routers attached there: one HTTPRoute per host.
const route = (ns: string, hostname: string, section: string): Obj => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { namespace: ns, name: 'web' },
  spec: { parentRefs: [{ name: GW, namespace: GW_NS, sectionName: section }], hostnames: [hostname], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] },
});

const referenceGrant = (ns: string): Obj => ({
  apiVersion: 'gateway.networking.k8s.io/v1beta1',
  kind: 'ReferenceGrant',
  metadata: { namespace: ns, name: 'traefik-gateway-tls' },
  spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: GW_NS }], to: [{ group: '', kind: 'Secret' }] },
});

const certificate = (e: Entry): Obj => ({
  apiVersion: 'cert-manager.io/v1',
  kind: 'Certificate',
  metadata: { namespace: e.namespace, name: e.namespace },
  spec: { secretName: e.secret, dnsNames: [e.hostname], issuerRef: { kind: 'ClusterIssuer', name: 'pebble' } },
});

/** A namespace of the scenario: its grant, a route for its host on its listener, its Certificate. */
const appObjects = (e: Entry): Obj[] => [referenceGrant(e.namespace), route(e.namespace, e.hostname, e.listener), certificate(e)];

const issuer = (server: string): Obj => ({
  apiVersion: 'cert-manager.io/v1',
  kind: 'ClusterIssuer',
  metadata: { name: 'pebble' },
  spec: {
    acme: {
      server,
      skipTLSVerify: true,
      privateKeySecretRef: { name: 'pebble-account' },
      solvers: [{ http01: { gatewayHTTPRoute: { parentRefs: [{ name: GW, namespace: GW_NS }] } } }],
    },
  },
});

const getJson = async <T>(cluster: Cluster, args: string[]): Promise<T | undefined> => {
  const got = await cluster.kubectl(['get', ...args, '-o', 'json']);
  return got.code === 0 ? (JSON.parse(got.stdout) as T) : undefined;
};

const gatewayConditions = async (cluster: Cluster): Promise<Record<string, string> | undefined> => {
  const object = await getJson<GatewayObject>(cluster, ['gateway', GW, '-n', GW_NS]);
  const all = object?.status?.conditions ?? [];
  if (!object || all.length === 0 || all.some((c) => c.observedGeneration !== object.metadata.generation)) return undefined;
  return Object.fromEntries(all.map((c) => [c.type, `${c.status} ${c.reason ?? ''}`.trim()]));
};

const HEALTHY = { Accepted: 'True Accepted', Programmed: 'True Programmed' };

const untilGateway = (cluster: Cluster, wanted: Record<string, string>) =>
  waitFor(`Gateway conditions ${JSON.stringify(wanted)}`, async () => {
    const state = await gatewayConditions(cluster);
    return state && JSON.stringify(state) === JSON.stringify(wanted) ? state : undefined;
  }, { timeoutMs: 60_000, intervalMs: 500 });

/** A TLS handshake by SNI that must verify against `root` for `hostname` (chain and name). */
const verifiedCertificate = (traefik: Traefik, hostname: string, root: string): Promise<X509Certificate> =>
  new Promise((resolve, reject) => {
    const socket = connect({ host: traefik.address, port: traefik.websecurePort, servername: hostname, ca: root, timeout: 5_000 }, () => {
      const raw = socket.getPeerCertificate().raw;
      socket.end();
      resolve(new X509Certificate(raw));
    });
    socket.once('timeout', () => socket.destroy(new Error('TLS handshake timed out')));
    socket.once('error', reject);
  });

const untilPebbleServed = (traefik: Traefik, hostname: string, root: string) =>
  waitFor(`${hostname} to serve a certificate that verifies against pebble's root`, () =>
    verifiedCertificate(traefik, hostname, root).catch(() => undefined), { timeoutMs: ISSUANCE_MS, intervalMs: 500 });

const untilReady = (cluster: Cluster, e: Entry) =>
  waitFor(`Certificate ${e.namespace}/${e.namespace} to be Ready`, async () => {
    const got = await getJson<{ status?: { conditions?: Condition[] } }>(cluster, ['certificate', e.namespace, '-n', e.namespace]);
    return got?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? true : undefined;
  }, { timeoutMs: ISSUANCE_MS, intervalMs: 1_000 });

/** The placeholder gauge of every certguard pod, read through the API server's pod proxy. */
const placeholderGauges = async (cluster: Cluster, ns: string): Promise<number[]> => {
  const pods = await certguardPods(cluster as never);
  return Promise.all(pods.map(async (pod) => {
    const got = await cluster.kubectl(['get', '--raw', `/api/v1/namespaces/${CERTGUARD_NAMESPACE}/pods/${pod.metadata.name}:8080/proxy/metrics`]);
    const line = got.stdout.split('\n').find((l) => l.startsWith(`certguard_placeholder_secrets{namespace="${ns}"}`));
    return line ? Number(line.split(' ').at(-1)) : 0;
  }));
};

t.test('seed 000 with ACME: HTTP-01 through the same Gateway, from pebble, on a real node', async (t) => {
  const cluster = await startNodeCluster();
  t.teardown(() => cluster.stop());
  const dns = await startDnsmasq([...WORKING, ...ALL.map((e) => e.hostname)].map((name) => ({ name, a: [cluster.nodeAddress] })));
  t.teardown(() => dns.stop());
  // pebble's VA connects to port 80 of the name's address: Traefik's web entry point.
  const pebble = await startPebble({ dnsServer: dns.address, httpPort: 80 });
  t.teardown(() => pebble.stop());
  const traefik = await startTraefik(cluster, { node: { netnsPath: cluster.netnsPath, address: cluster.nodeAddress } });
  t.teardown(() => traefik.stop());
  await installCertguard(cluster, { config: { policies: { 'gateway-listener-tls': { mode: 'placeholder' }, 'certificate-dns': { mode: 'off' } } } });
  await waitForMode(cluster, 'placeholder');
  const root = await pebble.rootPem();

  const working = await Promise.all(WORKING.map((hostname) => issueSelfSigned({ commonName: hostname, dnsNames: [hostname], ...validityWindow(30) })));
  const prepared = await cluster.kubectl(['apply', '-f', '-'], {
    input: yamlOf(
      traefik.gatewayClass, namespace('cert-manager'), namespace(GW_NS),
      { apiVersion: 'v1', kind: 'Service', metadata: { namespace: GW_NS, name: 'web' }, spec: { ports: [{ port: 80 }] } },
      ...ALL.flatMap((e) => [namespace(e.namespace), { apiVersion: 'v1', kind: 'Service', metadata: { namespace: e.namespace, name: 'web' }, spec: { ports: [{ port: 80 }] } }]),
      ...WORKING.flatMap((hostname, i) => [tlsSecret(GW_NS, `app0${i}-tls`, working[i] as never), route(GW_NS, hostname, `websecure-app0${i}`)]),
      issuer(pebble.directoryUrl),
      gateway([]),
    ),
  });
  t.equal(prepared.code, 0, prepared.stderr);
  await untilGateway(cluster, HEALTHY);
  const certManager = await startCertManager(cluster, {
    gatewayApi: true,
    extraArgs: [`--acme-http01-solver-image=${cluster.images.acmesolver.reference}`, `--acme-http01-solver-nameservers=${dns.address}`],
  });
  t.teardown(() => certManager.stop());

  await t.test('placeholder: one apply, the Gateway stays programmed, pebble validates through it, each placeholder is replaced in place', async (t) => {
    const secrets = watchObjects<Secret>(cluster, ['secrets', '-A', '-l', 'certguard.io/placeholder=true']);
    t.teardown(() => secrets.stop());
    const routes = watchObjects<Route>(cluster, ['httproutes', '-A', '-l', `${SOLVER_LABEL}=true`]);
    t.teardown(() => routes.stop());
    const applied = Date.now();
    const result = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(...SEED.flatMap(appObjects), gateway(SEED)) });
    t.equal(result.code, 0, result.code === 0 ? 'admitted' : result.stderr);
    t.equal((result.stderr.match(/^Warning: .*did not exist: certguard created a self-signed placeholder Secret/gm) ?? []).length, 2, `one placeholder warning per listener:\n${result.stderr}`);
    await untilGateway(cluster, HEALTHY);
    t.pass('the grown Gateway is Accepted and Programmed');

    const served = await Promise.all(SEED.map((e) => untilPebbleServed(traefik, e.hostname, root)));
    t.comment(`apply to every new listener serving a pebble certificate: ${((Date.now() - applied) / 1000).toFixed(1)} s`);
    for (const [i, e] of SEED.entries()) {
      t.equal(served[i]?.subjectAltName, `DNS:${e.hostname}`, `${e.hostname} serves the pebble-signed chain, verified against pebble's root`);
      await untilReady(cluster, e);
      const secret = await getJson<Secret>(cluster, ['secret', e.secret, '-n', e.namespace]);
      const placeholder = secrets.events().find((ev) => ev.object.metadata.namespace === e.namespace && ev.object.metadata.name === e.secret)?.object;
      t.ok(placeholder, `certguard created the placeholder ${e.namespace}/${e.secret}`);
      t.equal(secret?.metadata.uid, placeholder?.metadata.uid, 'cert-manager issued into the placeholder Secret itself');
      // cert-manager keeps other writers' labels but writes its own issuer annotations over the sentinel.
      t.equal(secret?.metadata.labels?.['certguard.io/placeholder'], 'true', "cert-manager kept certguard's label");
      t.equal(secret?.metadata.annotations?.['cert-manager.io/issuer-name'], 'pebble', 'the sentinel issuer is replaced by the real one');
    }
    const attached = routes.events().filter((ev) => ev.object.status?.parents?.some((p) =>
      p.parentRef.name === GW && p.controllerName === 'traefik.io/gateway-controller' && p.conditions.some((c) => c.type === 'Accepted' && c.status === 'True')));
    t.same([...new Set(attached.map((ev) => ev.object.metadata.namespace))].sort(), SEED.map((e) => e.namespace).sort(), 'each solver route was accepted by this Gateway');
    t.same(await gatewayConditions(cluster), HEALTHY, 'still Accepted and Programmed');
    for (const e of SEED) {
      const gauges = await waitFor(`the placeholder gauge of ${e.namespace} to be 0 on every pod`, async () => {
        const values = await placeholderGauges(cluster, e.namespace);
        return values.every((v) => v === 0) ? values : undefined;
      });
      t.same(gauges, [0, 0], `certguard_placeholder_secrets{namespace="${e.namespace}"} is 0 on both pods`);
    }
  });
  await t.test('enforce: the listener is refused naming its Certificate and the loop; once that Certificate is Ready it is admitted', async (t) => {
    const old = (await certguardPods(cluster as never)).map((pod) => pod.metadata.name);
    await installCertguard(cluster, { config: { policies: { 'certificate-dns': { mode: 'off' } } } });
    await waitForMode(cluster, 'enforce');
    await waitFor('the placeholder-mode pods to be gone', async () => ((await certguardPods(cluster as never)).some((pod) => old.includes(pod.metadata.name)) ? undefined : true), { timeoutMs: 120_000, intervalMs: 500 });
    const e = ENFORCED;
    // The same GitOps apply: the Certificate is created, the Gateway refused.
    const refused = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(...appObjects(e), gateway([...SEED, e])) });
    t.equal(refused.code, 1);
    t.ok(refused.stderr.includes(
      `admission webhook "gateway-listener-tls.certguard.io" denied the request: spec.listeners[${3 + SEED.length}] "${e.listener}" (Gateway ${GW_NS}/${GW}, hostname "${e.hostname}"): ` +
      `certificateRefs[0] Secret "${e.namespace}/${e.secret}" does not exist: Certificate ${e.namespace}/${e.namespace} would issue it, but its HTTP-01 challenge for "${e.hostname}" is answered through this Gateway, ` +
      'which Traefik ≤ 3.0 does not serve while a listener is unresolved and current controllers report as not accepted or not programmed until the Secret exists. ' +
      `Fix: enable placeholder mode (policies.gateway-listener-tls.mode: placeholder) so certguard creates a temporary self-signed one, or add this listener once Certificate ${e.namespace}/${e.namespace} is Ready\n`,
    ), `certguard's message, verbatim:\n${refused.stderr}`);
    t.same(await gatewayConditions(cluster), HEALTHY, 'the Gateway is untouched: Accepted and Programmed');
    const started = Date.now();
    await untilReady(cluster, e);
    t.comment(`Certificate ${e.namespace}/${e.namespace} Ready ${((Date.now() - started) / 1000).toFixed(1)} s after the refused apply`);
    const again = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(gateway([...SEED, e])) });
    t.equal(again.code, 0, again.stderr);
    t.equal(again.stderr, '', 'admitted without a warning: the Secret exists and holds a certificate for the hostname');
    await untilGateway(cluster, HEALTHY);
    const served = await untilPebbleServed(traefik, e.hostname, root);
    t.equal(served.subjectAltName, `DNS:${e.hostname}`, `${e.hostname} serves the pebble-signed chain`);
  });

  await t.test('without certguard, Traefik v3.6: Accepted=False while the Secret is missing, HTTP-01 still passes, the listener recovers', async (t) => {
    const removed = await cluster.kubectl(['delete', `validatingwebhookconfiguration/${WEBHOOK_CONFIGURATION_NAME}`, `mutatingwebhookconfiguration/${WEBHOOK_CONFIGURATION_NAME}`, '--ignore-not-found']);
    t.equal(removed.code, 0, removed.stderr);
    const e = UNGUARDED;
    const grown = gateway([...SEED, ENFORCED, e]);
    await waitFor('the API server to stop calling certguard', async () => {
      const probe = await cluster.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: yamlOf(grown) });
      return probe.code === 0 ? true : undefined;
    });
    const gateways = watchObjects<GatewayObject>(cluster, ['gateways', '-n', GW_NS]);
    t.teardown(() => gateways.stop());
    const applied = Date.now();
    const result = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(...appObjects(e), grown) });
    t.equal(result.code, 0, result.stderr);
    const served = await untilPebbleServed(traefik, e.hostname, root);
    t.comment(`without certguard: apply to ${e.hostname} serving a pebble certificate: ${((Date.now() - applied) / 1000).toFixed(1)} s`);
    t.equal(served.subjectAltName, `DNS:${e.hostname}`, 'the challenge passed through the Gateway Traefik reported as not accepted');
    const states = gateways.events().map((ev) => ev.object).filter((g) => g.status?.conditions?.every((c) => c.observedGeneration === g.metadata.generation))
      .map((g) => (g.status?.conditions ?? []).map((c) => `${c.type}=${c.status} ${c.reason ?? ''}`.trim()).join(', '));
    t.ok(states.includes('Accepted=False ListenersNotValid'), `while the Secret was missing the Gateway was Accepted=False ListenersNotValid, without Programmed (seen: ${[...new Set(states)].join(' | ')})`);
    await untilGateway(cluster, HEALTHY);
    t.pass('once the Secret exists, Accepted and Programmed again');
    t.equal((await verifiedCertificate(traefik, SEED[0]?.hostname ?? '', root)).subjectAltName, `DNS:${SEED[0]?.hostname}`, 'the other listeners kept serving');
  });
});
