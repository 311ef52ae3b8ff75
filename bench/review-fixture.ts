// The in-process review benches' world, built from the sources under `root` (this tree, or a
// worktree of another commit for a same-process A/B): a fake API server holding 25 TLS Secrets
// and 10 solver routes in namespace "bench", a live view synced from it, the default policies, and
// the reviews the benches time — a clean 25-listener Gateway (every hostname covered by its
// Secret's *.example.com certificate), the same Gateway uncovered (hostnames under example.net:
// 25 coverage warnings), and a solver HTTPRoute create under acme-solver-cap; `handler` sends the
// clean review through serve's Fastify app in process (app.inject: routing, body parse, deadline,
// review, metrics, the decision line to /dev/null; no HTTP or TLS).
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { destination } from 'pino';
import { stringify } from 'yaml';

export const LISTENERS = 25;

const SOLVER_LABELS = { 'acme.cert-manager.io/http01-solver': 'true' };
const owner = [{ apiVersion: 'acme.cert-manager.io/v1', kind: 'Challenge', name: 'bench-tls-1', uid: 'uid-bench-tls-1', controller: true }];
const solverRoute = (name: string) => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name, namespace: 'bench', generateName: 'cm-acme-http-solver-', labels: SOLVER_LABELS, ownerReferences: owner },
});

/**
 * The Gateway under review: `missing` listeners reference Secrets that do not exist; `domain`
 * example.com is covered by the Secrets' certificate (*.example.com), example.net is not (a
 * coverage warning per listener, 25 in the answer). Shared with bench/admission.ts.
 */
export const gatewayReview = (missing: number, domain = 'example.com') => ({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: {
    uid: '00000000-0000-4000-8000-000000000000',
    kind: { group: 'gateway.networking.k8s.io', version: 'v1', kind: 'Gateway' },
    resource: { group: 'gateway.networking.k8s.io', version: 'v1', resource: 'gateways' },
    namespace: 'bench',
    name: 'gw',
    operation: 'CREATE',
    userInfo: { username: 'bench' },
    object: {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'gw', namespace: 'bench' },
      spec: {
        gatewayClassName: 'bench',
        listeners: Array.from({ length: LISTENERS }, (_, index) => ({
          name: `https-${index}`,
          port: 443,
          protocol: 'HTTPS',
          hostname: `app-${index}.${domain}`,
          tls: { certificateRefs: [{ name: index >= LISTENERS - missing ? `missing-${index}` : `tls-${index}` }] },
        })),
      },
    },
  },
});

const solverCreate = {
  uid: '00000000-0000-4000-8000-000000000001',
  kind: { group: 'gateway.networking.k8s.io', version: 'v1', kind: 'HTTPRoute' },
  resource: { group: 'gateway.networking.k8s.io', version: 'v1', resource: 'httproutes' },
  namespace: 'bench',
  name: 'cm-acme-http-solver-new',
  operation: 'CREATE',
  userInfo: { username: 'bench' },
  object: solverRoute('cm-acme-http-solver-new'),
};

type Decision = { policy: string; decision: string };
type Outcome = { response: { allowed: boolean; warnings?: string[] }; decisions: Decision[] };

/** `path` under `root`, loaded from that tree (its own module instances). */
const load = (root: string, path: string) => import(resolve(root, path));

export const reviewFixture = async (root: string) => {
  const [
    { review },
    { decodeReview },
    x509,
    { parseManifests },
    { createLiveView },
    { buildPolicies },
    { createAdmittedSolvers },
    { defaultConfig },
    metricsModule,
    { createLogger },
    fake,
    { buildApp },
    { buildMetrics },
  ] = await Promise.all(
    [
      'src/admission/complete.ts',
      'src/admission/decode.ts',
      'src/certs/x509.ts',
      'src/cluster/manifest-view.ts',
      'src/cluster/live/live-view.ts',
      'src/compose.ts',
      'src/policies/acme-solver-cap/admitted.ts',
      'src/config/load.ts',
      'src/metrics/metrics.ts',
      'src/server/logger.ts',
      'test/cluster/fake-api-server.ts',
      'src/server/app.ts',
      'src/compose-metrics.ts',
    ].map((path) => load(root, path)),
  );
  const pair = await x509.issueSelfSigned({ commonName: 'example.com', dnsNames: ['*.example.com'], ...x509.validityWindow(1) });
  const data = { 'tls.crt': Buffer.from(pair.certificatePem).toString('base64'), 'tls.key': Buffer.from(pair.privateKeyPem).toString('base64') };
  const objects = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } },
    ...Array.from({ length: 10 }, (_, index) => solverRoute(`cm-acme-http-solver-${index}`)),
    ...Array.from({ length: LISTENERS }, (_, index) => ({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: { name: `tls-${index}`, namespace: 'bench' },
      data,
    })),
  ];
  const api = new fake.FakeApiServer();
  api.load(parseManifests(objects.map((object) => stringify(object)).join('---\n'), 'bench'));
  await api.start();
  const logger = createLogger('info', (await open('/dev/null', 'w')).createWriteStream());
  const view = createLiveView({ kubeconfig: api.kubeconfigPath, staleAfterSeconds: 30, logger });
  await view.start();
  while (!view.status().ready) await new Promise((done) => setTimeout(done, 20));
  const policies = buildPolicies(defaultConfig(), { logger, admittedSolvers: createAdmittedSolvers() });
  const deps = { view, writer: view };
  const clean = gatewayReview(0);
  const [request, uncovered] = [clean.request, gatewayReview(0, 'example.net').request];
  const reviewOf = (admission: unknown) => (): Promise<Outcome> => review(admission, policies, deps);
  // As serve builds it (src/cli/serve.ts), logging through the kind of stream production does (sonic-boom).
  const app = buildApp({
    policies,
    ...deps,
    logger: createLogger('info', destination({ dest: '/dev/null' })),
    recordDecision: buildMetrics(view).recordDecision,
  });
  const payload = JSON.stringify(clean);
  const handler = async (): Promise<unknown> => {
    const response = await app.inject({ method: 'POST', url: '/validate', headers: { 'content-type': 'application/json' }, payload });
    if (response.statusCode !== 200) throw new Error(`handler: ${response.statusCode} ${response.body}`);
    return response;
  };
  const fixture = {
    api: api as { requests: { path: string }[] },
    logger,
    request,
    decode: () => decodeReview(clean),
    clean: reviewOf(request),
    uncovered: reviewOf(uncovered),
    solver: reviewOf(solverCreate),
    /** 2 of 25 Secrets missing: each confirmed by a GET to the in-process fake API server, as the live view does. */
    denied: reviewOf(gatewayReview(2).request),
    handler,
    metrics: metricsModule.createMetrics(view, { defaultMetrics: false }),
    stop: async () => {
      await app.close();
      await view.stop();
      await api.stop();
    },
  };
  const [outcome, warned, solved] = [await fixture.clean(), await fixture.uncovered(), await fixture.solver()];
  if (!outcome.response.allowed || outcome.response.warnings?.length) throw new Error(`expected allowed without warnings: ${JSON.stringify(outcome.response)}`);
  if (!warned.response.allowed || warned.response.warnings?.length !== LISTENERS)
    throw new Error(`expected ${LISTENERS} warnings: ${JSON.stringify(warned.response)}`);
  if (!solved.response.allowed || solved.decisions.map((d) => `${d.policy}=${d.decision}`).join() !== 'acme-solver-cap=allowed')
    throw new Error(`expected acme-solver-cap=allowed: ${JSON.stringify(solved)}`);
  return { ...fixture, decisions: outcome.decisions };
};
