// The solver cap under a burst (issue 33): many challenges at once make cert-manager create solver
// HTTPRoutes concurrently, faster than certguard's cache sees them. 200 creates from 20 concurrent
// clients against a cap of 50 in one namespace, straight to the API server (generateName, solver
// labels, owned by a real Challenge). One certguard process: exactly the cap is stored, and the
// validating webhook saw each generated name. Two replicas installed by the chart: at most
// 2 × cap (each replica counts only what it admitted itself); the count is printed.
import t from 'tap';
import { post } from './harness/admission-client.ts';
import { certguardPods, installCertguard, waitForMode } from './harness/chart.ts';
import type { Cluster } from './harness/cluster.ts';
import { startNodeCluster, type NodeCluster } from './harness/node-cluster.ts';
import { namespace, yamlOf } from './harness/objects.ts';
import { startStack } from './harness/stack.ts';
import { CERTGUARD_NAMESPACE } from './harness/webhooks.ts';

const CAP = 50;
const CREATES = 200;
const CLIENTS = 20;
const REPLICAS = 2; // the chart's default replicaCount
const NS = 'burst';
const CHALLENGE = 'burst-tls-1-2966306345-1157493011';
const CONFIG = { policies: { 'acme-solver-cap': { maxPerNamespace: CAP } } };

type Obj = Record<string, unknown>;

const challenge = (): Obj => ({
  apiVersion: 'acme.cert-manager.io/v1',
  kind: 'Challenge',
  metadata: { namespace: NS, name: CHALLENGE },
  spec: {
    url: 'https://acme-v02.api.letsencrypt.org/acme/chall/1/2/3',
    authorizationURL: 'https://acme-v02.api.letsencrypt.org/acme/authz/1/2',
    dnsName: 'burst.example.com',
    type: 'HTTP-01',
    token: 'token-abc',
    key: 'token-abc.thumbprint',
    issuerRef: { name: 'letsencrypt', kind: 'ClusterIssuer', group: 'cert-manager.io' },
    solver: { http01: { gatewayHTTPRoute: { parentRefs: [{ name: 'traefik-gateway', namespace: 'traefik' }] } } },
  },
});

// What cert-manager's http01 solver creates (pkg/issuer/acme/http/httproute.go), as in seed-001-flood.test.ts.
const solverRoute = (challengeUid: string): Obj => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: {
    namespace: NS,
    generateName: 'cm-acme-http-solver-',
    labels: { 'acme.cert-manager.io/http01-solver': 'true', 'acme.cert-manager.io/http-domain': '1234567890', 'acme.cert-manager.io/http-token': '987654321' },
    ownerReferences: [
      { apiVersion: 'acme.cert-manager.io/v1', kind: 'Challenge', name: CHALLENGE, uid: challengeUid, controller: true, blockOwnerDeletion: true },
    ],
  },
  spec: {
    parentRefs: [{ name: 'traefik-gateway', namespace: 'traefik' }],
    hostnames: ['burst.example.com'],
    rules: [
      {
        matches: [{ path: { type: 'Exact', value: '/.well-known/acme-challenge/token-abc' } }],
        backendRefs: [{ name: 'cm-acme-http-solver-xyz', port: 8089 }],
      },
    ],
  },
});

const CAP_DENIAL =
  `admission webhook "acme-solver-cap.certguard.io" denied the request: namespace "${NS}" has reached its cap of ${CAP} ACME HTTP-01 solver HTTPRoutes owned by cert-manager Challenges ` +
  '(certguard setting maxPerNamespace): a challenge that keeps failing leaves a new solver behind on every retry, usually because DNS for its domain does not point at the ingress, ' +
  'the backend Service is missing, or the route is not attached to a Gateway listener. ' +
  `Look with "kubectl get challenges -n ${NS}" and "kubectl describe challenge ${CHALLENGE} -n ${NS}". ` +
  `Remove stale solvers with "kubectl delete httproutes -n ${NS} -l acme.cert-manager.io/http01-solver=true" (cert-manager recreates the ones its pending challenges still need). ` +
  `Raise the cap with "kubectl annotate namespace ${NS} certguard.io/max-solver-routes=<n> --overwrite".`;

type Answer = { status: number; body: { message?: string; metadata?: { name?: string } } };

const postJson = async (cluster: Cluster, path: string, object: object): Promise<Answer> => {
  const answer = await post(cluster, path, object, 60_000);
  return { status: answer.status, body: JSON.parse(answer.body) as Answer['body'] };
};

type Burst = { admitted: string[]; denied: number; other: string[] };

/** CLIENTS clients, each creating CREATES / CLIENTS solver routes one after the other. */
const burst = async (cluster: Cluster, challengeUid: string): Promise<Burst> => {
  const outcome: Burst = { admitted: [], denied: 0, other: [] };
  const client = async () => {
    for (let i = 0; i < CREATES / CLIENTS; i += 1) {
      const answer = await postJson(cluster, `/apis/gateway.networking.k8s.io/v1/namespaces/${NS}/httproutes`, solverRoute(challengeUid));
      if (answer.status === 201 && answer.body.metadata?.name) outcome.admitted.push(answer.body.metadata.name);
      else if (answer.status === 403 && answer.body.message === CAP_DENIAL) outcome.denied += 1;
      else outcome.other.push(`${answer.status} ${answer.body.message ?? ''}`);
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
  return outcome;
};

const prepare = async (cluster: Cluster): Promise<string> => {
  const created = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(namespace(NS)) });
  if (created.code !== 0) throw new Error(`creating the namespace failed: ${created.stderr}`);
  const owner = await cluster.kubectl(['create', '-f', '-', '-o', 'jsonpath={.metadata.uid}'], { input: yamlOf(challenge()) });
  if (owner.code !== 0) throw new Error(`creating the Challenge failed: ${owner.stderr}`);
  return owner.stdout;
};

const storedSolvers = async (cluster: Cluster): Promise<string[]> => {
  const listed = await cluster.kubectl([
    'get',
    'httproutes',
    '-n',
    NS,
    '-l',
    'acme.cert-manager.io/http01-solver=true',
    '-o',
    'jsonpath={.items[*].metadata.name}',
  ]);
  return listed.stdout.split(' ').filter(Boolean).sort();
};

/** The objects of certguard's "admission decision" log lines that it admitted. */
const admittedInLog = (logs: string): string[] =>
  logs.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    const entry = JSON.parse(line) as { msg?: string; object?: string; allowed?: boolean; dryRun?: boolean };
    return entry.msg === 'admission decision' && entry.allowed === true && !entry.dryRun && entry.object?.startsWith(`${NS}/`) ? [entry.object] : [];
  });

t.test('one certguard process: a burst of 200 solver creates stores exactly the cap', async (t) => {
  const { cluster, certguard } = await startStack(t, { config: CONFIG });
  const uid = await prepare(cluster);
  const started = Date.now();
  const outcome = await burst(cluster, uid);
  t.comment(`${CREATES} creates from ${CLIENTS} clients in ${Date.now() - started} ms: ${outcome.admitted.length} admitted, ${outcome.denied} denied`);
  t.same(outcome.other, [], 'every create is admitted or refused with the cap message, verbatim');
  t.equal(outcome.admitted.length, CAP, 'exactly the cap admitted');
  const stored = await storedSolvers(cluster);
  t.equal(stored.length, CAP, `the namespace holds exactly ${CAP} solver routes`);
  t.same(stored, [...outcome.admitted].sort());
  // The decision log names request.name, else generateName: the validating webhook got the generated name.
  t.same(
    admittedInLog(certguard.logs()).sort(),
    stored.map((name) => `${NS}/${name}`),
    'certguard saw each generated name',
  );
});

/** Admitted solver creates per certguard pod, from its metrics (read through the API server's pod proxy). */
const admittedPerPod = async (cluster: NodeCluster): Promise<number[]> =>
  Promise.all(
    (await certguardPods(cluster)).map(async (pod) => {
      const got = await cluster.kubectl(['get', '--raw', `/api/v1/namespaces/${CERTGUARD_NAMESPACE}/pods/${pod.metadata.name}:8080/proxy/metrics`]);
      const line = got.stdout
        .split('\n')
        .find(
          (entry) =>
            entry.startsWith('certguard_admission_requests_total{') && entry.includes('policy="acme-solver-cap"') && entry.includes('decision="allowed"'),
        );
      return Number(line?.split(' ').at(-1) ?? 0);
    }),
  );

t.test(`${REPLICAS} replicas installed by the chart: the same burst stores at most ${REPLICAS} × the cap`, async (t) => {
  const cluster = await startNodeCluster();
  t.teardown(() => cluster.stop());
  await installCertguard(cluster, { config: CONFIG });
  t.equal((await certguardPods(cluster)).length, REPLICAS);
  await waitForMode(cluster, 'enforce');
  const uid = await prepare(cluster);
  const started = Date.now();
  const outcome = await burst(cluster, uid);
  const stored = await storedSolvers(cluster);
  t.comment(
    `${CREATES} creates from ${CLIENTS} clients in ${Date.now() - started} ms: ${stored.length} stored (cap ${CAP}), admitted per pod ${(await admittedPerPod(cluster)).join(' + ')}`,
  );
  t.same(outcome.other, [], 'every create is admitted or refused with the cap message, verbatim');
  t.equal(stored.length, outcome.admitted.length);
  t.ok(stored.length >= CAP && stored.length <= REPLICAS * CAP, `between the cap and ${REPLICAS} × the cap: ${stored.length}`);
});
