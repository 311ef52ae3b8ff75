// Incident 001 with real solver Pods: certguard from its chart on the node, its certificate-dns
// resolving through the suite's dnsmasq (in the node's namespace, where its pods reach it),
// cert-manager's solver Pods answering through Traefik, pebble validating.
//
// - A Certificate whose name points elsewhere is refused at apply, naming both addresses.
// - With a namespace's solver cap at 1 and a first challenge under way, two more Certificates:
//   certguard refuses cert-manager's solver routes for them while the first challenge completes;
//   its route goes away, the next ones are admitted, and all three issue. The chart runs two
//   replicas, each counting the creates it admitted itself: at most 2 × the cap at once, the bound
//   the acme-solver-cap README documents (two retries landing on both replicas at the same moment
//   reach it).
import t from 'tap';
import { certguardPods, installCertguard, waitForMode } from './harness/chart.ts';
import { namespace, yamlOf } from './harness/objects.ts';
import { waitFor } from './harness/processes.ts';
import { watchObjects } from './harness/watch.ts';
import { HTTP_LISTENER, gatewayConditions, pebbleIssuer, startAcmeCertManager, startAcmeNode, untilReady } from './fixtures/acme-node.ts';

const GW_NS = 'traefik';
const GW = 'traefik-gateway';
const NS = 'shop';
const ELSEWHERE_IP = '198.51.100.7';
const ELSEWHERE = 'old.example.com';
const NAMES = ['a.shop.example.com', 'b.shop.example.com', 'c.shop.example.com'];
const SOLVER_LABEL = 'acme.cert-manager.io/http01-solver';
const CAP = 1;
/** The chart's default replica count. */
const REPLICAS = 2;
/** Three issuances one after the other, each behind cert-manager's back-off after refused creates. */
const ALL_ISSUED_MS = 600_000;

type Obj = Record<string, unknown>;
type Route = { metadata: { name: string; namespace: string } };

const certificate = (name: string, hostname: string): Obj => ({
  apiVersion: 'cert-manager.io/v1',
  kind: 'Certificate',
  metadata: { namespace: NS, name },
  spec: { secretName: `${name}-tls`, dnsNames: [hostname], issuerRef: { kind: 'ClusterIssuer', name: 'pebble' } },
});

// The HTTP listener every solver route attaches to.
const gateway = (): Obj => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { namespace: GW_NS, name: GW },
  spec: { gatewayClassName: 'traefik', listeners: [HTTP_LISTENER] },
});

/** The most solver routes that existed at once in the namespace, replaying the watch's ADDED/DELETED. */
const mostAtOnce = (events: Array<{ type: string; object: Route }>): number => {
  const live = new Set<string>();
  let most = 0;
  for (const { type, object } of events) {
    if (type === 'ADDED') live.add(object.metadata.name);
    if (type === 'DELETED') live.delete(object.metadata.name);
    most = Math.max(most, live.size);
  }
  return most;
};

t.test('incident 001 with real solver Pods: DNS checked at apply, the solver cap under real issuance', async (t) => {
  const world = await startAcmeNode(t, [], {
    records: (node) => [...NAMES.map((name) => ({ name, a: [node] })), { name: ELSEWHERE, a: [ELSEWHERE_IP] }],
  });
  const { cluster } = world;
  await installCertguard(cluster, { config: { policies: { 'certificate-dns': { resolvers: [world.dns.address] } } } });
  await waitForMode(cluster, 'enforce');
  t.equal((await certguardPods(cluster)).length, REPLICAS, `the chart runs ${REPLICAS} certguard replicas`);
  const prepared = await cluster.kubectl(['apply', '-f', '-'], {
    input: yamlOf(
      world.traefik.gatewayClass,
      namespace('cert-manager'),
      namespace(GW_NS),
      namespace(NS, { 'certguard.io/max-solver-routes': String(CAP) }),
      pebbleIssuer(world.pebble.directoryUrl, GW_NS, GW),
      gateway(),
    ),
  });
  t.equal(prepared.code, 0, prepared.stderr);
  await waitFor(
    'Traefik to program the Gateway with its address',
    async () => {
      const state = await gatewayConditions(cluster, GW_NS, GW);
      return state?.Programmed === 'True Programmed' ? true : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
  const certManager = await startAcmeCertManager(t, world);

  await t.test('a Certificate whose name points elsewhere is refused at apply', async (t) => {
    const applied = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(certificate('old', ELSEWHERE)) });
    t.equal(applied.code, 1);
    t.ok(
      applied.stderr.includes(
        `admission webhook "certificate-dns.certguard.io" denied the request: Certificate ${NS}/old: spec.dnsNames[0] "${ELSEWHERE}" resolves to ${ELSEWHERE_IP}, ` +
          `but HTTP-01 challenges arrive at the ingress ${cluster.nodeAddress} (gateway ${GW_NS}/${GW}), so `,
      ),
      `certguard's message names both addresses:\n${applied.stderr}`,
    );
    const stored = await cluster.kubectl(['get', 'certificate', 'old', '-n', NS]);
    t.not(stored.code, 0, 'nothing was stored');
  });

  await t.test('cap 1: the next solver routes are refused while a challenge completes, then all three issue', async (t) => {
    const routes = watchObjects<Route>(cluster, ['httproutes', '-n', NS, '-l', `${SOLVER_LABEL}=true`]);
    t.teardown(() => routes.stop());
    const applied = Date.now();
    const first = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(certificate('c0', NAMES[0] ?? '')) });
    t.equal(first.code, 0, first.stderr);
    // The cap is reached once the first challenge's route exists and certguard's views have it
    // (a burst of simultaneous creates is acme-solver-burst.test.ts's subject).
    await waitFor('the first solver route', async () => (routes.events().some((e) => e.type === 'ADDED') ? true : undefined), {
      timeoutMs: 60_000,
      intervalMs: 100,
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const rest = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(...NAMES.slice(1).map((hostname, i) => certificate(`c${i + 1}`, hostname))) });
    t.equal(rest.code, 0, rest.stderr);
    for (const [i] of NAMES.entries()) {
      await untilReady(cluster, NS, `c${i}`, ALL_ISSUED_MS);
      t.comment(`c${i} Ready ${((Date.now() - applied) / 1000).toFixed(1)} s after the apply`);
    }
    t.pass('all three Certificates issued through the capped namespace');
    const events = routes.events().filter((e) => e.type === 'ADDED' || e.type === 'DELETED');
    const most = mostAtOnce(events);
    t.comment(`at most ${most} solver routes at once: ${events.map((e) => `${e.type} ${e.object.metadata.name}`).join(', ')}`);
    t.ok(most <= REPLICAS * CAP, `at most ${REPLICAS} replicas × cap ${CAP} solver routes at once (saw ${most})`);
    t.equal(
      events.filter((e) => e.type === 'ADDED').length >= NAMES.length,
      true,
      `a solver route per challenge, one after the other (${events.length} ADDED/DELETED events)`,
    );
    t.match(certManager.logs(), /has reached its cap of 1 ACME HTTP-01 solver HTTPRoute/, "cert-manager's refused creates carry certguard's cap message");
  });
});
