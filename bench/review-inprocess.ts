// In-process cost of one review of the admission bench's 25-listener Gateway on the live view
// (steady state: every verdict known), split into what certguard adds to an HTTP handler: the
// AdmissionReview schema check, the policies, the decision log line (pino, redaction, /dev/null)
// and the metrics. review() runs on two Gateways: "clean" (every listener's hostname covered by
// its certificate, as a working Gateway is) and "uncovered" (no listener covered: 25 coverage
// warnings per review), and on a solver HTTPRoute create under acme-solver-cap (10 solvers in
// the namespace, one admitted create in the replica's ledger, as in a burst). Prints one line per part: µs of wall time and of process CPU time per
// review (on a shared machine the CPU time is the figure to compare). argv: none.
import { open } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { review } from '../src/admission/complete.ts';
import { decodeReview } from '../src/admission/decode.ts';
import type { AdmissionRequest } from '../src/admission/types.ts';
import { issueSelfSigned, validityWindow } from '../src/certs/x509.ts';
import { parseManifests } from '../src/cluster/manifest-view.ts';
import { createLiveView } from '../src/cluster/live/live-view.ts';
import { buildPolicies } from '../src/compose.ts';
import { createAdmittedSolvers } from '../src/policies/acme-solver-cap/admitted.ts';
import { defaultConfig } from '../src/config/load.ts';
import { createMetrics, type ViewStats } from '../src/metrics/metrics.ts';
import { createLogger } from '../src/server/logger.ts';
import { FakeApiServer, type FakeObject } from '../test/cluster/fake-api-server.ts';

const LISTENERS = 25;
const ROUNDS = Number(process.env.ROUNDS ?? 20_000);
const WARMUP = 2_000;

// The Secrets' certificate covers *.example.com: the clean Gateway's hostnames, not the uncovered one's.
const pair = await issueSelfSigned({ commonName: 'example.com', dnsNames: ['*.example.com'], ...validityWindow(1) });
const data = { 'tls.crt': Buffer.from(pair.certificatePem).toString('base64'), 'tls.key': Buffer.from(pair.privateKeyPem).toString('base64') };
const SOLVER_LABELS = { 'acme.cert-manager.io/http01-solver': 'true' };
const owner = [{ apiVersion: 'acme.cert-manager.io/v1', kind: 'Challenge', name: 'bench-tls-1', uid: 'uid-bench-tls-1', controller: true }];
const solverRoute = (name: string) => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name, namespace: 'bench', generateName: 'cm-acme-http-solver-', labels: SOLVER_LABELS, ownerReferences: owner },
});
const solvers = Array.from({ length: 10 }, (_, index) => solverRoute(`cm-acme-http-solver-${index}`));
const objects = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } },
  ...solvers,
  ...Array.from({ length: LISTENERS }, (_, index) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: { name: `tls-${index}`, namespace: 'bench' },
    data,
  })),
];
const api = new FakeApiServer();
api.load(parseManifests(objects.map((object) => stringify(object)).join('---\n'), 'bench') as FakeObject[]);
await api.start();
const logger = createLogger('info', (await open('/dev/null', 'w')).createWriteStream());
const view = createLiveView({ kubeconfig: api.kubeconfigPath, staleAfterSeconds: 30, logger });
await view.start();
while (!view.status().ready) await new Promise((resolve) => setTimeout(resolve, 20));

const reviewOf = (domain: string) => ({
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
          tls: { certificateRefs: [{ name: `tls-${index}` }] },
        })),
      },
    },
  },
});
const clean = reviewOf('example.com');
const request = clean.request as unknown as AdmissionRequest;
const uncovered = reviewOf('example.net').request as unknown as AdmissionRequest;
const policies = buildPolicies(defaultConfig(), { logger, admittedSolvers: createAdmittedSolvers() });
const solverCreate = {
  uid: '00000000-0000-4000-8000-000000000001',
  kind: { group: 'gateway.networking.k8s.io', version: 'v1', kind: 'HTTPRoute' },
  resource: { group: 'gateway.networking.k8s.io', version: 'v1', resource: 'httproutes' },
  namespace: 'bench',
  name: 'cm-acme-http-solver-new',
  operation: 'CREATE',
  userInfo: { username: 'bench' },
  object: solverRoute('cm-acme-http-solver-new'),
} as unknown as AdmissionRequest;
const metrics = createMetrics(view as typeof view & Partial<ViewStats>, { defaultMetrics: false });
const outcome = await review(request, policies, { view, writer: view });
const warned = await review(uncovered, policies, { view, writer: view });
if (!outcome.response.allowed || outcome.response.warnings?.length) throw new Error(`expected allowed without warnings: ${JSON.stringify(outcome.response)}`);
const solverOutcome = await review(solverCreate, policies, { view, writer: view });
if (!solverOutcome.response.allowed || solverOutcome.decisions.map((d) => `${d.policy}=${d.decision}`).join() !== 'acme-solver-cap=allowed')
  throw new Error(`expected acme-solver-cap=allowed: ${JSON.stringify(solverOutcome)}`);
if (!warned.response.allowed || warned.response.warnings?.length !== LISTENERS)
  throw new Error(`expected ${LISTENERS} warnings: ${JSON.stringify(warned.response)}`);

const cpuMicros = (): number => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

const time = async (name: string, step: () => unknown): Promise<void> => {
  for (let round = 0; round < WARMUP; round += 1) await step();
  const [started, cpuStarted] = [performance.now(), cpuMicros()];
  for (let round = 0; round < ROUNDS; round += 1) await step();
  const [wall, cpu] = [(1000 * (performance.now() - started)) / ROUNDS, (cpuMicros() - cpuStarted) / ROUNDS];
  process.stdout.write(`${name}: ${wall.toFixed(1)} µs per review (CPU ${cpu.toFixed(1)} µs)\n`);
};

process.stdout.write(
  `load average ${(await import('node:os'))
    .loadavg()
    .map((load) => load.toFixed(2))
    .join(' ')}, Node ${process.version}, ${ROUNDS} rounds after ${WARMUP}, flags: ${process.execArgv.join(' ') || 'none'}\n`,
);
await time('decodeReview (ajv)', () => decodeReview(clean));
await time('review(), clean Gateway (policies on the live view, verdicts known)', () => review(request, policies, { view, writer: view }));
await time(`review(), uncovered Gateway (${LISTENERS} coverage warnings)`, () => review(uncovered, policies, { view, writer: view }));
await time('review(), solver HTTPRoute create (acme-solver-cap, 10 solvers, 1 pending)', () => review(solverCreate, policies, { view, writer: view }));
await time('decision log line (pino + redaction, to /dev/null)', () =>
  logger.info(
    {
      uid: request.uid,
      operation: 'CREATE',
      kind: 'gateway.networking.k8s.io/Gateway',
      object: 'bench/gw',
      user: 'bench',
      dryRun: false,
      endpoint: 'validate',
      policies: outcome.decisions.map((decision) => `${decision.policy}=${decision.decision}`),
      allowed: true,
      reason: undefined,
      warnings: 0,
      audit: undefined,
      durationMs: 0.1,
    },
    'admission decision',
  ),
);
await time('metrics.recordReview', () => metrics.recordReview(request, outcome.decisions));
process.stdout.write(
  `API requests during the rounds beyond the sync: ${api.requests.filter((r) => !r.path.includes('watch=') && /\/secrets\/[^/?]+$/.test(r.path)).length} Secret GETs (the first review's included)\n`,
);
await view.stop();
await api.stop();
