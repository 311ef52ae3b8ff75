// Incident 001 on the real thing: cert-manager v1.21.1 (HTTP-01 through Gateway API HTTPRoutes), the
// ACME test server pebble, and the suite's dnsmasq answering for the test's names. No ingress
// controller serves the routes and no kubelet runs the solver Pods, so no challenge can pass: the
// situation of the seed, where Certificates were applied before DNS pointed at the cluster.
//
// - certguard refuses a Certificate whose name resolves elsewhere, at apply.
// - With the break-glass annotation, cert-manager orders from pebble, creates a real Challenge and
//   its solver HTTPRoute, and certguard's cap counts that route as owned by a Challenge.
// - Many failing Certificates in one namespace stop at maxPerNamespace solver routes. The
//   refused creates get the same denial every time (per Challenge), and cert-manager backs off:
//   the test records every refused create (certguard's decision log) and its pace.
import t from 'tap';
import { startDnsmasq } from '../dns/dnsmasq.ts';
import { startCertManager } from './harness/cert-manager.ts';
import type { Cluster } from './harness/cluster.ts';
import { currentCondition, gateway, namespace, yamlOf, type WithConditions } from './harness/objects.ts';
import { startPebble } from './harness/pebble.ts';
import { waitFor } from './harness/processes.ts';
import { startStack } from './harness/stack.ts';

const INGRESS_IP = '203.0.113.10';
const ELSEWHERE_IP = '198.51.100.7';
const CAP = 3;
const FLOOD = 5; // failing Certificates in one namespace, CAP of them get a solver route
/** How long the refused creates are watched after the cap is reached (seconds). */
const OBSERVE_SECONDS = 70;
const SOLVER_LABEL = 'acme.cert-manager.io/http01-solver';

type Obj = Record<string, unknown>;
type Meta = { name: string; namespace: string; labels?: Record<string, string>; ownerReferences?: Array<{ kind: string; name: string; controller?: boolean }> };
type Decision = { time: number; object: string; policies?: string[]; allowed: boolean; reason?: string };

const issuer = (server: string): Obj => ({
  apiVersion: 'cert-manager.io/v1',
  kind: 'ClusterIssuer',
  metadata: { name: 'pebble' },
  spec: {
    acme: {
      server,
      skipTLSVerify: true,
      privateKeySecretRef: { name: 'pebble-account' },
      solvers: [{ http01: { gatewayHTTPRoute: { parentRefs: [{ name: 'traefik-gateway', namespace: 'traefik' }] } } }],
    },
  },
});

const certificate = (ns: string, name: string, dnsName: string, skipReason?: string): Obj => ({
  apiVersion: 'cert-manager.io/v1',
  kind: 'Certificate',
  metadata: { namespace: ns, name, ...(skipReason ? { annotations: { 'certguard.io/skip-dns-check': skipReason } } : {}) },
  spec: { secretName: name, dnsNames: [dnsName], issuerRef: { kind: 'ClusterIssuer', name: 'pebble' } },
});

const NEVER = 'the ACME server would never reach the solver and cert-manager would retry forever';
const dnsDenial = (ns: string, name: string, host: string) =>
  `Error from server (Forbidden): error when creating "STDIN": admission webhook "certificate-dns.certguard.io" denied the request: ` +
  `Certificate ${ns}/${name}: spec.dnsNames[0] "${host}" resolves to ${ELSEWHERE_IP}, but HTTP-01 challenges arrive at the ingress ${INGRESS_IP} (gateway traefik/traefik-gateway), so ` +
  `${NEVER}. Point ${host} at ${INGRESS_IP} first, or use a DNS-01 solver.\n`;

const capDenial = (ns: string, challenge: string) =>
  `namespace "${ns}" has reached its cap of ${CAP} ACME HTTP-01 solver HTTPRoutes owned by cert-manager Challenges (certguard setting maxPerNamespace): ` +
  'a challenge that keeps failing leaves a new solver behind on every retry, usually because DNS for its domain does not point at the ingress, ' +
  'the backend Service is missing, or the route is not attached to a Gateway listener. ' +
  `Look with "kubectl get challenges -n ${ns}" and "kubectl describe challenge ${challenge} -n ${ns}". ` +
  `Remove stale solvers with "kubectl delete httproutes -n ${ns} -l ${SOLVER_LABEL}=true" (cert-manager recreates the ones its pending challenges still need). ` +
  `Raise the cap with "kubectl annotate namespace ${ns} certguard.io/max-solver-routes=<n> --overwrite".`;

const list = async (cluster: Cluster, kind: string, ns: string, selector?: string): Promise<Meta[]> => {
  const got = await cluster.kubectl(['get', kind, '-n', ns, ...(selector ? ['-l', selector] : []), '-o', 'json']);
  if (got.code !== 0) throw new Error(got.stderr);
  return (JSON.parse(got.stdout) as { items: Array<{ metadata: Meta }> }).items.map((item) => item.metadata);
};

/** certguard's "admission decision" log lines for solver HTTPRoute creates in `ns`. */
const solverDecisions = (logs: string, ns: string): Decision[] =>
  logs
    .split('\n')
    .filter((line) => line.includes('"admission decision"'))
    .map((line) => JSON.parse(line) as Decision)
    .filter((d) => d.object.startsWith(`${ns}/cm-acme-http-solver-`) && d.policies?.includes('acme-solver-cap=denied'));

const challengeOf = (reason: string | undefined): string => /kubectl describe challenge (\S+) -n/.exec(reason ?? '')?.[1] ?? '(none)';

t.test('incident 001 with cert-manager and pebble', async (t) => {
  const dns = await startDnsmasq([
    { name: 'pay.example.com', a: [ELSEWHERE_IP] },
    ...Array.from({ length: FLOOD }, (_, i) => ({ name: `f${i}.example.com`, a: [ELSEWHERE_IP] })),
  ]);
  t.teardown(() => dns.stop());
  const pebble = await startPebble({ dnsServer: dns.address });
  t.teardown(() => pebble.stop());
  const config = { policies: { 'certificate-dns': { resolvers: [dns.address] }, 'acme-solver-cap': { maxPerNamespace: CAP } } };
  const { cluster, certguard } = await startStack(t, { config });

  const prepared = await cluster.kubectl(['apply', '-f', '-'], {
    input: yamlOf(
      namespace('cert-manager'),
      namespace('traefik'),
      namespace('shop'),
      namespace('flood'),
      issuer(pebble.directoryUrl),
      gateway('traefik', 'traefik-gateway', [{ name: 'web', protocol: 'HTTP', allowedRoutesFrom: 'All' }]),
    ),
  });
  t.equal(prepared.code, 0, prepared.stderr);
  // No Gateway controller here: publish where challenges would arrive, as seed-001-dns does.
  const status = await cluster.kubectl([
    'patch',
    'gateway',
    'traefik-gateway',
    '-n',
    'traefik',
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify({ status: { addresses: [{ type: 'IPAddress', value: INGRESS_IP }] } }),
  ]);
  t.equal(status.code, 0, status.stderr);
  const certManager = await startCertManager(cluster, { gatewayApi: true });
  t.teardown(() => certManager.stop());
  await waitFor(
    'the ClusterIssuer to register its pebble account',
    async () => {
      const got = await cluster.kubectl(['get', 'clusterissuer', 'pebble', '-o', 'json']);
      return got.code === 0 && currentCondition(JSON.parse(got.stdout) as WithConditions, 'Ready') === 'True' ? true : undefined;
    },
    { timeoutMs: 60_000 },
  );
  await waitFor('certguard to see the Gateway address', async () => {
    const probe = await cluster.kubectl(['create', '--dry-run=server', '-f', '-'], { input: yamlOf(certificate('shop', 'probe', 'pay.example.com')) });
    return probe.stderr.includes(`resolves to ${ELSEWHERE_IP}, but HTTP-01 challenges arrive at the ingress ${INGRESS_IP}`) ? true : undefined;
  });

  await t.test('a Certificate whose name resolves elsewhere is refused at apply', async (t) => {
    const created = await cluster.kubectl(['create', '-f', '-'], { input: yamlOf(certificate('shop', 'pay-tls', 'pay.example.com')) });
    t.equal(created.code, 1);
    t.equal(created.stderr, dnsDenial('shop', 'pay-tls', 'pay.example.com'));
    t.same(await list(cluster, 'certificates', 'shop'), [], 'no Certificate stored');
  });

  await t.test('break-glass: cert-manager orders from pebble, a real Challenge and solver route, counted as Challenge-owned', async (t) => {
    const reason = 'DNS moves at the cut-over, ticket OPS-1234';
    const created = await cluster.kubectl(['create', '-f', '-'], { input: yamlOf(certificate('shop', 'pay-tls', 'pay.example.com', reason)) });
    t.equal(created.stdout, 'certificate.cert-manager.io/pay-tls created\n');
    t.equal(created.stderr, `Warning: Certificate shop/pay-tls: DNS check skipped (certguard.io/skip-dns-check: "${reason}").\n`);
    const routes = await waitFor(
      'cert-manager to create the solver HTTPRoute',
      async () => {
        const found = await list(cluster, 'httproutes', 'shop', `${SOLVER_LABEL}=true`);
        return found.length > 0 ? found : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    const challenges = await list(cluster, 'challenges', 'shop');
    t.equal(challenges.length, 1, 'one Challenge, created from a pebble order');
    t.equal(routes.length, 1, 'one solver HTTPRoute');
    const route = routes[0] as Meta;
    t.match(route.name, /^cm-acme-http-solver-[a-z0-9]{5}$/, 'generateName, as certguard expects');
    t.match(route.labels, { [SOLVER_LABEL]: 'true', 'acme.cert-manager.io/http-domain': /^\d+$/, 'acme.cert-manager.io/http-token': /^\d+$/ });
    t.same(
      route.ownerReferences?.map((owner) => [owner.kind, owner.name, owner.controller]),
      [['Challenge', challenges[0]?.name, true]],
      'owned by the Challenge',
    );
    const counted = await waitFor('certguard to count it', async () =>
      (await certguard.metric('certguard_acme_solver_objects', { namespace: 'shop', kind: 'HTTPRoute' })) === 1 ? 1 : undefined,
    );
    t.equal(counted, 1, 'certguard_acme_solver_objects{namespace="shop",kind="HTTPRoute"} is 1');
    t.equal(
      (await certguard.metric('certguard_acme_solver_objects_without_challenge', { namespace: 'shop', kind: 'HTTPRoute' })) ?? 0,
      0,
      'none counted as unowned',
    );
  });

  await t.test(`${FLOOD} failing Certificates in one namespace stop at ${CAP} solver routes, with one constant denial each, backed off`, async (t) => {
    const certificates = Array.from({ length: FLOOD }, (_, i) => certificate('flood', `f${i}-tls`, `f${i}.example.com`, 'flood test'));
    // All at once: cert-manager creates the solvers concurrently, faster than certguard's cache
    // shows them; its ledger of admitted creates keeps one process at the cap (before it: 4 routes).
    const created = await cluster.kubectl(['create', '-f', '-'], { input: yamlOf(...certificates) });
    t.equal(created.code, 0, `the ${FLOOD} Certificates created`);
    const routed = async () => new Set((await list(cluster, 'httproutes', 'flood', `${SOLVER_LABEL}=true`)).map((route) => route.ownerReferences?.[0]?.name));
    let seen = '';
    await waitFor(
      `${FLOOD} Challenges, each without a route refused at least once`,
      async () => {
        const challenges = (await list(cluster, 'challenges', 'flood')).map((c) => c.name);
        const withRoute = await routed();
        const denied = new Set(solverDecisions(certguard.logs(), 'flood').map((d) => challengeOf(d.reason)));
        seen = JSON.stringify({ challenges, withRoute: [...withRoute], denied: [...denied] });
        return challenges.length === FLOOD && challenges.every((name) => withRoute.has(name) || denied.has(name)) ? true : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 500 },
    ).catch((error: Error) => {
      throw new Error(`${error.message}: ${seen}`);
    });
    const capReached = Date.now();
    await new Promise((resolve) => setTimeout(resolve, OBSERVE_SECONDS * 1000));

    const routes = await list(cluster, 'httproutes', 'flood', `${SOLVER_LABEL}=true`);
    t.equal(routes.length, CAP, `exactly ${CAP} solver routes`);
    const withRoute = await routed();
    t.equal(withRoute.size, CAP, 'one route per routed Challenge');
    const challenges = (await list(cluster, 'challenges', 'flood')).map((c) => c.name);
    const refused = challenges.filter((name) => !withRoute.has(name)).sort();
    t.equal(refused.length, FLOOD - CAP, `${FLOOD - CAP} Challenges have no route`);

    const denials = solverDecisions(certguard.logs(), 'flood');
    const observed = (Date.now() - capReached) / 1000;
    for (const name of [...new Set(denials.map((d) => challengeOf(d.reason)))].sort()) {
      const mine = denials.filter((d) => challengeOf(d.reason) === name);
      t.same([...new Set(mine.map((d) => d.reason))], [capDenial('flood', name)], `${name}: ${mine.length} refused creates, one message, verbatim`);
      const times = mine.map((d) => d.time);
      const offsets = times.map((time) => ((time - (times[0] as number)) / 1000).toFixed(1));
      if (!refused.includes(name)) {
        // cert-manager's HTTPRoute lister had not yet seen the route it had just created, so it
        // tried a second one: the cap refused the duplicate, the retry found the first.
        t.comment(`${name} has its route, and its duplicate create was refused at +${offsets.join(', +')} s`);
        continue;
      }
      t.comment(`${name}: refused at +${offsets.join(', +')} s over ${observed.toFixed(0)} s`);
      // A handful per minute, not dozens per second: cert-manager's per-item back-off is intact.
      t.ok(mine.length >= 3, `${name}: cert-manager retried (${mine.length} creates)`);
      t.ok(mine.length <= (observed / 60) * 10, `${name}: ${mine.length} creates in ${observed.toFixed(0)} s, at most 10 a minute`);
    }
    t.same(
      refused.filter((name) => !denials.some((d) => challengeOf(d.reason) === name)),
      [],
      'every Challenge without a route was refused',
    );
  });
});
