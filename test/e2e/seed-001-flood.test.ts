// Incident 001, the flood: a Challenge that keeps failing makes cert-manager create solver HTTPRoutes
// (generateName cm-acme-http-solver-, solver label, owned by the Challenge) on every retry.
// certguard admits exactly the cap per namespace and denies every later one with the cap
// message; other namespaces and ordinary HTTPRoutes are unaffected.
import t from 'tap';
import type { Certguard } from './harness/certguard.ts';
import type { Cluster } from './harness/cluster.ts';
import { namespace, yamlOf } from './harness/objects.ts';
import { waitFor } from './harness/processes.ts';
import { startStack } from './harness/stack.ts';

const CAP = 25; // acme-solver-cap's default maxPerNamespace
const ATTEMPTS = 30;
const CHALLENGE = 'web-tls-1-2966306345-1157493011';

type Obj = Record<string, unknown>;

const challenge = (ns: string): Obj => ({
  apiVersion: 'acme.cert-manager.io/v1',
  kind: 'Challenge',
  metadata: { namespace: ns, name: CHALLENGE },
  spec: {
    url: 'https://acme-v02.api.letsencrypt.org/acme/chall/1/2/3',
    authorizationURL: 'https://acme-v02.api.letsencrypt.org/acme/authz/1/2',
    dnsName: 'pay.example.com',
    type: 'HTTP-01',
    token: 'token-abc',
    key: 'token-abc.thumbprint',
    issuerRef: { name: 'letsencrypt', kind: 'ClusterIssuer', group: 'cert-manager.io' },
    solver: { http01: { gatewayHTTPRoute: { parentRefs: [{ name: 'traefik-gateway', namespace: 'traefik' }] } } },
  },
});

// What cert-manager's http01 solver creates (pkg/issuer/acme/http/httproute.go).
const solverRoute = (ns: string, challengeUid: string): Obj => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: {
    namespace: ns,
    generateName: 'cm-acme-http-solver-',
    labels: { 'acme.cert-manager.io/http01-solver': 'true', 'acme.cert-manager.io/http-domain': '1234567890', 'acme.cert-manager.io/http-token': '987654321' },
    ownerReferences: [
      { apiVersion: 'acme.cert-manager.io/v1', kind: 'Challenge', name: CHALLENGE, uid: challengeUid, controller: true, blockOwnerDeletion: true },
    ],
  },
  spec: {
    parentRefs: [{ name: 'traefik-gateway', namespace: 'traefik' }],
    hostnames: ['pay.example.com'],
    rules: [
      {
        matches: [{ path: { type: 'Exact', value: '/.well-known/acme-challenge/token-abc' } }],
        backendRefs: [{ name: 'cm-acme-http-solver-xyz', port: 8089 }],
      },
    ],
  },
});

const capMessage = (ns: string) =>
  `admission webhook "acme-solver-cap.certguard.io" denied the request: namespace "${ns}" has reached its cap of ${CAP} ACME HTTP-01 solver HTTPRoutes owned by cert-manager Challenges ` +
  `(certguard setting maxPerNamespace): a challenge that keeps failing leaves a new solver behind on every retry, usually because DNS for its domain does not point at the ingress, ` +
  'the backend Service is missing, or the route is not attached to a Gateway listener. ' +
  `Look with "kubectl get challenges -n ${ns}" and "kubectl describe challenge ${CHALLENGE} -n ${ns}". ` +
  `Remove stale solvers with "kubectl delete httproutes -n ${ns} -l acme.cert-manager.io/http01-solver=true" (cert-manager recreates the ones its pending challenges still need). ` +
  `Raise the cap with "kubectl annotate namespace ${ns} certguard.io/max-solver-routes=<n> --overwrite".\n`;

const createChallenge = async (cluster: Cluster, ns: string): Promise<string> => {
  const created = await cluster.kubectl(['create', '-f', '-', '-o', 'jsonpath={.metadata.uid}'], { input: yamlOf(challenge(ns)) });
  if (created.code !== 0) throw new Error(`creating the Challenge failed: ${created.stderr}`);
  return created.stdout;
};

const solverCount = async (cluster: Cluster, ns: string): Promise<number> => {
  const listed = await cluster.kubectl(['get', 'httproutes', '-n', ns, '-l', 'acme.cert-manager.io/http01-solver=true', '-o', 'name']);
  return listed.stdout.split('\n').filter(Boolean).length;
};

// cert-manager retries a failed challenge after seconds, long after certguard's watch has seen
// the previous solver; waiting for the view here replays that pace (the cap counts from the cache).
const untilCertguardCounts = (certguard: Certguard, ns: string, count: number) =>
  waitFor(`certguard to count ${count} solvers in ${ns}`, async () =>
    ((await certguard.metric('certguard_acme_solver_objects', { namespace: ns, kind: 'HTTPRoute' })) ?? 0) === count ? true : undefined,
  );

t.test('incident 001: a failing challenge floods its namespace with solver HTTPRoutes', async (t) => {
  const stack = await startStack(t, { config: {} });
  const { cluster, certguard } = stack;
  const namespaces = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(namespace('shop'), namespace('blog')) });
  t.equal(namespaces.code, 0, namespaces.stderr);
  const shopChallenge = await createChallenge(cluster, 'shop');

  const outcomes: string[] = [];
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    await untilCertguardCounts(certguard, 'shop', Math.min(attempt, CAP));
    const created = await cluster.kubectl(['create', '-f', '-'], { input: yamlOf(solverRoute('shop', shopChallenge)) });
    if (
      created.code === 0 &&
      /^httproute\.gateway\.networking\.k8s\.io\/cm-acme-http-solver-[a-z0-9]{5} created\n$/.test(created.stdout) &&
      created.stderr === ''
    ) {
      outcomes.push('admitted');
    } else if (created.code === 1 && created.stderr === `Error from server (Forbidden): error when creating "STDIN": ${capMessage('shop')}`) {
      outcomes.push('denied with the cap message');
    } else {
      outcomes.push(`unexpected: ${created.code} ${created.stdout} ${created.stderr}`);
    }
  }
  t.same(
    outcomes,
    [...Array<string>(CAP).fill('admitted'), ...Array<string>(ATTEMPTS - CAP).fill('denied with the cap message')],
    'exactly the cap is admitted, every later one denied',
  );
  t.equal(await solverCount(cluster, 'shop'), CAP, `the namespace holds exactly ${CAP} solver routes`);

  await t.test('other namespaces and ordinary HTTPRoutes are unaffected', async (t) => {
    const blogChallenge = await createChallenge(cluster, 'blog');
    const solver = await cluster.kubectl(['create', '-f', '-'], { input: yamlOf(solverRoute('blog', blogChallenge)) });
    t.match(solver.stdout, /^httproute\.gateway\.networking\.k8s\.io\/cm-acme-http-solver-[a-z0-9]{5} created\n$/, solver.stderr);
    t.equal(solver.stderr, '');

    const plain = { ...solverRoute('shop', shopChallenge), metadata: { namespace: 'shop', name: 'storefront' } };
    const route = await cluster.kubectl(['create', '-f', '-'], { input: yamlOf(plain) });
    t.equal(route.stdout, 'httproute.gateway.networking.k8s.io/storefront created\n', 'an application HTTPRoute in the full namespace is admitted');
    t.equal(route.stderr, '');
  });

  await t.test('cleaning up is never denied, and frees the namespace', async (t) => {
    const deleted = await cluster.kubectl(['delete', 'httproutes', '-n', 'shop', '-l', 'acme.cert-manager.io/http01-solver=true']);
    t.equal(deleted.code, 0, deleted.stderr);
    t.equal(await solverCount(cluster, 'shop'), 0);
    await untilCertguardCounts(certguard, 'shop', 0);
    const again = await cluster.kubectl(['create', '-f', '-'], { input: yamlOf(solverRoute('shop', shopChallenge)) });
    t.match(again.stdout, /^httproute\.gateway\.networking\.k8s\.io\/cm-acme-http-solver-[a-z0-9]{5} created\n$/, again.stderr);
  });
});
