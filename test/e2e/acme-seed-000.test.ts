// Incident 000 from start to finish with real ACME: a Gateway whose new HTTPS listeners wait for
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
// - renewal: a pebble issuing 90-second certificates; cert-manager renews while handshakes run
//   against the listener, every one verifying; certguard admits cert-manager's writes and its
//   audit reads the renewed certificate.
// - without certguard: what Traefik v3.6 does meanwhile (the baseline the README's table cites).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { issueSelfSigned, validityWindow } from '../../src/certs/x509.ts';
import { certguardPods, installCertguard, waitForMode } from './harness/chart.ts';
import type { Cluster } from './harness/cluster.ts';
import { namespace, tlsSecret, yamlOf, type Condition } from './harness/objects.ts';
import { startPebble } from './harness/pebble.ts';
import { makeTempDir, removeTempDir, run, waitFor } from './harness/processes.ts';
import { repoRoot } from './harness/paths.ts';
import {
  HTTP_LISTENER,
  gatewayConditions as conditionsOf,
  getJson,
  httpsListener,
  pebbleIssuer,
  startAcmeCertManager,
  startAcmeNode,
  untilPebbleServed,
  untilReady as readyCertificate,
  verifiedCertificate,
} from './fixtures/acme-node.ts';
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
const RENEWED = entry('renew', 'renew.example.com');
const UNGUARDED = entry('blog', 'blog.example.com');
const ALL = [...SEED, ENFORCED, RENEWED, UNGUARDED];
/** The renewal scenario's pebble issues for this long; cert-manager renews after two thirds of it. */
const SHORT_VALIDITY_SECONDS = 90;
const SOLVER_LABEL = 'acme.cert-manager.io/http01-solver';

type Obj = Record<string, unknown>;
type Meta = { name: string; namespace: string; uid: string; labels?: Record<string, string>; annotations?: Record<string, string>; generation?: number };
type Secret = { metadata: Meta; data: Record<string, string> };
type Route = {
  metadata: Meta;
  status?: { parents?: Array<{ parentRef: { name: string; namespace?: string }; controllerName: string; conditions: Condition[] }> };
};
type GatewayObject = { metadata: Meta & { generation: number }; status?: { conditions?: Condition[] } };

const gateway = (entries: Entry[]): Obj => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { namespace: GW_NS, name: GW },
  spec: {
    gatewayClassName: 'traefik',
    listeners: [
      HTTP_LISTENER,
      ...WORKING.map((hostname, i) => httpsListener(`websecure-app0${i}`, hostname, `app0${i}-tls`)),
      ...entries.map((e) => httpsListener(e.listener, e.hostname, e.secret, e.namespace)),
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

const certificate = (e: Entry, issuerName = 'pebble'): Obj => ({
  apiVersion: 'cert-manager.io/v1',
  kind: 'Certificate',
  metadata: { namespace: e.namespace, name: e.namespace },
  spec: { secretName: e.secret, dnsNames: [e.hostname], issuerRef: { kind: 'ClusterIssuer', name: issuerName } },
});

/** A namespace of the scenario: its grant, a route for its host on its listener, its Certificate. */
const appObjects = (e: Entry, issuerName?: string): Obj[] => [
  referenceGrant(e.namespace),
  route(e.namespace, e.hostname, e.listener),
  certificate(e, issuerName),
];

const issuer = (server: string, name?: string): Obj => pebbleIssuer(server, GW_NS, GW, name);

const gatewayConditions = (cluster: Cluster) => conditionsOf(cluster, GW_NS, GW);

const HEALTHY = { Accepted: 'True Accepted', Programmed: 'True Programmed' };

const untilGateway = (cluster: Cluster, wanted: Record<string, string>) =>
  waitFor(
    `Gateway conditions ${JSON.stringify(wanted)}`,
    async () => {
      const state = await gatewayConditions(cluster);
      return state && JSON.stringify(state) === JSON.stringify(wanted) ? state : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );

const untilReady = (cluster: Cluster, e: Entry) => readyCertificate(cluster, e.namespace, e.namespace);

/** The certguard CLI against the cluster, as an admin runs it, with the chart's policy settings. */
const certguardCli = async (cluster: Cluster, dnsServer: string, args: string[]) => {
  const dir = makeTempDir('acme-cli');
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ policies: { 'certificate-dns': { mode: 'off', resolvers: [dnsServer] } } }));
  const result = await run(process.execPath, [join(repoRoot, 'bin/certguard.js'), ...args, '--kubeconfig', cluster.kubeconfigPath, '--config', config], {
    timeoutMs: 300_000,
  });
  removeTempDir(dir);
  return result;
};

type Finding = { rule: string; result: string; message: string };

const runAudit = async (cluster: Cluster, dnsServer: string): Promise<Finding[]> => {
  const audited = await certguardCli(cluster, dnsServer, ['audit', '-o', 'json']);
  if (!audited.stdout.startsWith('{')) throw new Error(`certguard audit printed no report (${audited.code}): ${audited.stderr}`);
  return (JSON.parse(audited.stdout) as { findings: Finding[] }).findings;
};

/** The placeholder gauge of every certguard pod, read through the API server's pod proxy. */
const placeholderGauges = async (cluster: Cluster, ns: string): Promise<number[]> => {
  const pods = await certguardPods(cluster as never);
  return Promise.all(
    pods.map(async (pod) => {
      const got = await cluster.kubectl(['get', '--raw', `/api/v1/namespaces/${CERTGUARD_NAMESPACE}/pods/${pod.metadata.name}:8080/proxy/metrics`]);
      const line = got.stdout.split('\n').find((l) => l.startsWith(`certguard_placeholder_secrets{namespace="${ns}"}`));
      return line ? Number(line.split(' ').at(-1)) : 0;
    }),
  );
};

t.test('incident 000 with ACME: HTTP-01 through the same Gateway, from pebble, on a real node', async (t) => {
  const world = await startAcmeNode(t, [...WORKING, ...ALL.map((e) => e.hostname)]);
  const { cluster, dns, traefik, root } = world;
  await installCertguard(cluster, { config: { policies: { 'gateway-listener-tls': { mode: 'placeholder' }, 'certificate-dns': { mode: 'off' } } } });
  await waitForMode(cluster, 'placeholder');

  const working = await Promise.all(WORKING.map((hostname) => issueSelfSigned({ commonName: hostname, dnsNames: [hostname], ...validityWindow(30) })));
  const prepared = await cluster.kubectl(['apply', '-f', '-'], {
    input: yamlOf(
      traefik.gatewayClass,
      namespace('cert-manager'),
      namespace(GW_NS),
      { apiVersion: 'v1', kind: 'Service', metadata: { namespace: GW_NS, name: 'web' }, spec: { ports: [{ port: 80 }] } },
      ...ALL.flatMap((e) => [
        namespace(e.namespace),
        { apiVersion: 'v1', kind: 'Service', metadata: { namespace: e.namespace, name: 'web' }, spec: { ports: [{ port: 80 }] } },
      ]),
      ...WORKING.flatMap((hostname, i) => [tlsSecret(GW_NS, `app0${i}-tls`, working[i] as never), route(GW_NS, hostname, `websecure-app0${i}`)]),
      issuer(world.pebble.directoryUrl),
      gateway([]),
    ),
  });
  t.equal(prepared.code, 0, prepared.stderr);
  await untilGateway(cluster, HEALTHY);
  await startAcmeCertManager(t, world);

  await t.test('placeholder: one apply, the Gateway stays programmed, pebble validates through it, each placeholder is replaced in place', async (t) => {
    const secrets = watchObjects<Secret>(cluster, ['secrets', '-A', '-l', 'certguard.io/placeholder=true']);
    t.teardown(() => secrets.stop());
    const routes = watchObjects<Route>(cluster, ['httproutes', '-A', '-l', `${SOLVER_LABEL}=true`]);
    t.teardown(() => routes.stop());
    const applied = Date.now();
    const result = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(...SEED.flatMap((e) => appObjects(e)), gateway(SEED)) });
    t.equal(result.code, 0, result.code === 0 ? 'admitted' : result.stderr);
    t.equal(
      (result.stderr.match(/^Warning: .*did not exist: certguard created a self-signed placeholder Secret/gm) ?? []).length,
      2,
      `one placeholder warning per listener:\n${result.stderr}`,
    );
    await untilGateway(cluster, HEALTHY);
    t.pass('the grown Gateway is Accepted and Programmed');

    const served = await Promise.all(SEED.map((e) => untilPebbleServed(world, e.hostname)));
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
    const attached = routes
      .events()
      .filter((ev) =>
        ev.object.status?.parents?.some(
          (p) =>
            p.parentRef.name === GW &&
            p.controllerName === 'traefik.io/gateway-controller' &&
            p.conditions.some((c) => c.type === 'Accepted' && c.status === 'True'),
        ),
      );
    t.same(
      [...new Set(attached.map((ev) => ev.object.metadata.namespace))].sort(),
      SEED.map((e) => e.namespace).sort(),
      'each solver route was accepted by this Gateway',
    );
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
    await waitFor(
      'the placeholder-mode pods to be gone',
      async () => ((await certguardPods(cluster as never)).some((pod) => old.includes(pod.metadata.name)) ? undefined : true),
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    const e = ENFORCED;
    // The same GitOps apply: the Certificate is created, the Gateway refused.
    const refused = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(...appObjects(e), gateway([...SEED, e])) });
    t.equal(refused.code, 1);
    t.ok(
      refused.stderr.includes(
        `admission webhook "gateway-listener-tls.certguard.io" denied the request: spec.listeners[${3 + SEED.length}] "${e.listener}" (Gateway ${GW_NS}/${GW}, hostname "${e.hostname}"): ` +
          `certificateRefs[0] Secret "${e.namespace}/${e.secret}" does not exist: Certificate ${e.namespace}/${e.namespace} would issue it, but its HTTP-01 challenge for "${e.hostname}" is answered through this Gateway, ` +
          'which Traefik ≤ 3.0 does not serve while a listener is unresolved and current controllers report as not accepted or not programmed until the Secret exists. ' +
          `Fix: enable placeholder mode (policies.gateway-listener-tls.mode: placeholder) so certguard creates a temporary self-signed one, or add this listener once Certificate ${e.namespace}/${e.namespace} is Ready\n`,
      ),
      `certguard's message, verbatim:\n${refused.stderr}`,
    );
    t.same(await gatewayConditions(cluster), HEALTHY, 'the Gateway is untouched: Accepted and Programmed');
    const started = Date.now();
    await untilReady(cluster, e);
    t.comment(`Certificate ${e.namespace}/${e.namespace} Ready ${((Date.now() - started) / 1000).toFixed(1)} s after the refused apply`);
    const again = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(gateway([...SEED, e])) });
    t.equal(again.code, 0, again.stderr);
    t.equal(again.stderr, '', 'admitted without a warning: the Secret exists and holds a certificate for the hostname');
    await untilGateway(cluster, HEALTHY);
    const served = await untilPebbleServed(world, e.hostname);
    t.equal(served.subjectAltName, `DNS:${e.hostname}`, `${e.hostname} serves the pebble-signed chain`);
    // A chain issued by pebble over HTTP-01 through this Gateway, as certguard explain sees it.
    const explained = await certguardCli(cluster, dns.address, ['explain', 'gateway', `${GW_NS}/${GW}`, '-v']);
    t.comment(explained.stdout);
    t.equal(explained.code, 0, explained.code === 0 ? 'certguard explain exits 0 for the healthy Gateway' : explained.stdout + explained.stderr);
    t.ok(
      explained.stdout.includes(
        `${e.hostname}: solver spec.acme.solvers[0] (HTTP-01 gatewayHTTPRoute), DNS resolves to ${cluster.nodeAddress}, ingress ${cluster.nodeAddress} (gateway ${GW_NS}/${GW})`,
      ),
      'the names hop: the solver cert-manager picked, and the name resolving to the ingress',
    );
    t.match(
      explained.stdout,
      new RegExp(`^Gateway ${GW_NS}/${GW}: 5 certificate chains, 0 not healthy \\(healthy\\)\n`),
      'every chain healthy, the pebble-issued ones included',
    );
  });

  await t.test('renewal: cert-manager renews a short-lived pebble certificate under traffic, certguard admits it, the audit reads the new one', async (t) => {
    const shortLived = await startPebble({ dnsServer: dns.address, httpPort: 80, validitySeconds: SHORT_VALIDITY_SECONDS });
    t.teardown(() => shortLived.stop());
    const shortRoot = await shortLived.rootPem();
    const e = RENEWED;
    // The documented order in enforce mode: the Certificate first, the listener once it is Ready.
    const created = await cluster.kubectl(['apply', '-f', '-'], {
      input: yamlOf(issuer(shortLived.directoryUrl, 'pebble-short'), ...appObjects(e, 'pebble-short')),
    });
    t.equal(created.code, 0, created.stderr);
    await untilReady(cluster, e);
    const added = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(gateway([...SEED, ENFORCED, e])) });
    t.equal(added.code, 0, added.stderr);
    const first = await untilPebbleServed(world, e.hostname, shortRoot);
    // Traffic through the listener until a renewed certificate is served: every handshake must verify.
    const serials = new Set<string>([first.serialNumber]);
    let handshakes = 0;
    const failures: string[] = [];
    const renewed = await waitFor(
      `${e.hostname} to serve a renewed certificate`,
      async () => {
        handshakes++;
        const served = await verifiedCertificate(traefik, e.hostname, shortRoot).catch((error: Error) => {
          failures.push(error.message);
          return undefined;
        });
        if (served) serials.add(served.serialNumber);
        return served && served.serialNumber !== first.serialNumber ? served : undefined;
      },
      { timeoutMs: (SHORT_VALIDITY_SECONDS + 60) * 1_000, intervalMs: 250 },
    );
    t.comment(`${handshakes} handshakes until the renewed certificate was served; first valid until ${first.validTo}, renewed valid from ${renewed.validFrom}`);
    t.same(failures, [], "every handshake verified against pebble's root while cert-manager renewed");
    t.ok(new Date(renewed.validFrom).getTime() >= new Date(first.validFrom).getTime(), 'the served certificate is the newer one');
    const status = await getJson<{ status?: { revision?: number } }>(cluster, ['certificate', e.namespace, '-n', e.namespace]);
    t.ok((status?.status?.revision ?? 0) >= 2, `the Certificate's revision is ${status?.status?.revision}`);
    // A 90-second certificate is always within audit.expiringWithinDays (14): that warning is the
    // only finding, and it must describe the renewed certificate, not the one it replaced.
    const findings = (await runAudit(cluster, dns.address)).filter((f) => f.message.includes(e.hostname) || f.message.includes(e.namespace));
    t.same(
      findings.map((f) => `${f.rule} ${f.result}`),
      ['certificate-expiring warn'],
      `certguard audit on ${e.hostname}: only the expiry warning`,
    );
    const expiry = /expires at (\S+), in/.exec(findings[0]?.message ?? '')?.[1] ?? '';
    t.ok(
      new Date(expiry).getTime() >= new Date(renewed.validTo).getTime(),
      `the audit read the renewed certificate (expires ${expiry}, renewed ${renewed.validTo})`,
    );
  });

  await t.test('without certguard, Traefik v3.6: Accepted=False while the Secret is missing, HTTP-01 still passes, the listener recovers', async (t) => {
    const removed = await cluster.kubectl([
      'delete',
      `validatingwebhookconfiguration/${WEBHOOK_CONFIGURATION_NAME}`,
      `mutatingwebhookconfiguration/${WEBHOOK_CONFIGURATION_NAME}`,
      '--ignore-not-found',
    ]);
    t.equal(removed.code, 0, removed.stderr);
    const e = UNGUARDED;
    const grown = gateway([...SEED, ENFORCED, RENEWED, e]);
    await waitFor('the API server to stop calling certguard', async () => {
      const probe = await cluster.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: yamlOf(grown) });
      return probe.code === 0 ? true : undefined;
    });
    const gateways = watchObjects<GatewayObject>(cluster, ['gateways', '-n', GW_NS]);
    t.teardown(() => gateways.stop());
    const applied = Date.now();
    const result = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(...appObjects(e), grown) });
    t.equal(result.code, 0, result.stderr);
    const served = await untilPebbleServed(world, e.hostname);
    t.comment(`without certguard: apply to ${e.hostname} serving a pebble certificate: ${((Date.now() - applied) / 1000).toFixed(1)} s`);
    t.equal(served.subjectAltName, `DNS:${e.hostname}`, 'the challenge passed through the Gateway Traefik reported as not accepted');
    const states = gateways
      .events()
      .map((ev) => ev.object)
      .filter((g) => g.status?.conditions?.every((c) => c.observedGeneration === g.metadata.generation))
      .map((g) => (g.status?.conditions ?? []).map((c) => `${c.type}=${c.status} ${c.reason ?? ''}`.trim()).join(', '));
    t.ok(
      states.includes('Accepted=False ListenersNotValid'),
      `while the Secret was missing the Gateway was Accepted=False ListenersNotValid, without Programmed (seen: ${[...new Set(states)].join(' | ')})`,
    );
    await untilGateway(cluster, HEALTHY);
    t.pass('once the Secret exists, Accepted and Programmed again');
    t.equal((await verifiedCertificate(traefik, SEED[0]?.hostname ?? '', root)).subjectAltName, `DNS:${SEED[0]?.hostname}`, 'the other listeners kept serving');
  });
});
