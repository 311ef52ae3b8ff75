// In-process cost of one review of the admission bench's 25-listener Gateway on the live view
// (steady state: every verdict known), split into what certguard adds to an HTTP handler: the
// AdmissionReview schema check, the policies, the decision log line (pino without redaction, as
// serve writes it, to /dev/null)
// and the metrics. review() runs on the fixture's clean and uncovered Gateways and its solver
// HTTPRoute create (review-fixture.ts). Prints one line per part: µs of wall time and of process
// CPU time per review (on a shared machine the CPU time is the figure to compare; review-ab.ts
// compares two trees in one process). argv: none.
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { LISTENERS, reviewFixture } from './review-fixture.ts';
import { unredacted } from '../src/server/logger.ts';

const ROUNDS = Number(process.env.ROUNDS ?? 20_000);
const WARMUP = 2_000;

const fixture = await reviewFixture(fileURLToPath(new URL('..', import.meta.url)));
const { api, request, decisions, metrics } = fixture;
const decisionLog = unredacted(fixture.logger);

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
await time('decodeReview (ajv)', fixture.decode);
await time('review(), clean Gateway (policies on the live view, verdicts known)', fixture.clean);
await time(`review(), uncovered Gateway (${LISTENERS} coverage warnings)`, fixture.uncovered);
await time('review(), solver HTTPRoute create (acme-solver-cap, 10 solvers, 1 pending)', fixture.solver);
await time('decision log line (pino, unredacted as serve writes it, to /dev/null)', () =>
  decisionLog.info(
    {
      uid: request.uid,
      operation: 'CREATE',
      kind: 'gateway.networking.k8s.io/Gateway',
      object: 'bench/gw',
      user: 'bench',
      dryRun: false,
      endpoint: 'validate',
      policies: decisions.map((decision) => `${decision.policy}=${decision.decision}`),
      allowed: true,
      reason: undefined,
      warnings: 0,
      audit: undefined,
      durationMs: 0.1,
    },
    'admission decision',
  ),
);
await time('metrics.recordReview', () => metrics.recordReview(request, decisions));
process.stdout.write(
  `API requests during the rounds beyond the sync: ${api.requests.filter((r) => !r.path.includes('watch=') && /\/secrets\/[^/?]+$/.test(r.path)).length} Secret GETs (the first review's included)\n`,
);
await fixture.stop();
