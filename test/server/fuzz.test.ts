// Property test: whatever a client sends, certguard answers HTTP 400 with a JSON message, or an
// AdmissionReview carrying the request's uid and never code 500. Seeded: the seed is printed;
// replay a failure with CERTGUARD_FUZZ_SEED=<seed> (fast-check also prints the shrunk case).
import { Agent } from 'node:https';
import fc from 'fast-check';
import t from 'tap';
import { startServer } from '../../src/cli/serve.ts';
import { loadManifestView } from '../../src/cluster/manifest-view.ts';
import { parseConfig } from '../../src/config/load.ts';
import { buildPolicies } from '../../src/compose.ts';
import type { NameResolver } from '../../src/dns/resolver.ts';
import { buildApp } from '../../src/server/app.ts';
import { createLogger } from '../../src/server/logger.ts';
import { localhostCertificates, mountedSecretDir } from '../helpers/certs.ts';
import { startNxdomainDns } from '../helpers/nxdomain-dns.ts';
import { fuzzCase, judgeAnswer, loadSeedReviews, postReview, type FuzzCase } from '../helpers/fuzz.ts';

// A few thousand cases: enough to meet every policy's readers many times over, in seconds.
const RUNS = 2500;

const seed = Number(process.env.CERTGUARD_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** Answers at once: the fuzz is about shapes, not DNS (test/dns covers lookups). */
const resolver: NameResolver = {
  lookup: async (name) => (name.startsWith('lb') ? { addresses: ['203.0.113.10'], cnames: [] } : { error: 'NXDOMAIN', cnames: [] }),
  lookupCaa: async () => ({ records: [] }),
  describe: () => 'fuzz table',
};

t.test(`mutated fixtures of every policy never get a 5xx or a code 500 (seed ${seed})`, async (t) => {
  const seeds = await loadSeedReviews();
  t.ok(seeds.length > 30, `${seeds.length} seed reviews from the policies' fixtures and examples/reviews`);
  const logger = createLogger('silent');
  const config = parseConfig({ policies: { 'certificate-dns': { ingress: { hostnames: ['lb.example.net'] } } } });
  const app = buildApp({ policies: buildPolicies(config, { logger, resolver }), view: await loadManifestView(['examples/cluster']), logger });
  t.teardown(() => app.close());
  const counts = { judged: 0, unreadable: 0, rejected: 0 };
  let failed = '';
  try {
    await fc.assert(
      fc.asyncProperty(fuzzCase(seeds), async (fuzz) => {
        const response = await app.inject({ method: 'POST', url: '/validate', headers: { 'content-type': 'application/json' }, payload: fuzz.payload });
        const problem = judgeAnswer(fuzz, response.statusCode, response.body);
        if (problem) throw new Error((failed = `${problem} (${fuzz.description.slice(0, 500)})`));
        const code = response.statusCode === 200 ? (response.json() as { response: { status?: { code?: number } } }).response.status?.code : undefined;
        counts[response.statusCode !== 200 ? 'rejected' : code === 400 ? 'unreadable' : 'judged']++;
      }),
      { seed, numRuns: RUNS, endOnFailure: true },
    );
  } catch (error) {
    t.fail(
      `${failed || (error as Error).message.slice(0, 1000)} — replay with CERTGUARD_FUZZ_SEED=${seed} (${(error as Error).message.split('\n')[0]?.slice(0, 200)})`,
    );
    return;
  }
  t.pass(`${RUNS} cases: ${counts.judged} judged by the policies, ${counts.unreadable} unreadable objects (code 400), ${counts.rejected} HTTP 400s`);
  t.ok(counts.judged > RUNS / 6, 'a good share reaches the policies (the mutations are not all caught before them)');
});

// Fewer over real HTTPS: each case costs a round trip, and the in-process run above covers breadth.
const HTTPS_RUNS = 300;

const postOver = (agent: Agent, port: number, fuzz: FuzzCase) => postReview(agent, port, fuzz.payload);

t.test(`over HTTPS against certguard serve on port 0, the same holds (seed ${seed})`, async (t) => {
  const seeds = await loadSeedReviews();
  const pair = await localhostCertificates();
  const mount = await mountedSecretDir(pair.serving);
  // DNS answered NXDOMAIN at once by a local stub: nothing leaves the machine.
  const dns = await startNxdomainDns();
  const config = parseConfig({ policies: { 'certificate-dns': { resolvers: [dns.server], ingress: { hostnames: ['lb.example.net'] } } } });
  const server = await startServer({
    port: 0,
    metricsPort: 0,
    bindAddress: '127.0.0.1',
    certPath: mount.certPath,
    keyPath: mount.keyPath,
    config,
    manifests: 'examples/cluster',
    logger: createLogger('silent'),
  });
  const agent = new Agent({ keepAlive: true, ca: pair.ca.certificatePem, maxSockets: 4 });
  t.teardown(async () => {
    agent.destroy();
    await server.close();
    await mount.cleanup();
    await dns.close();
  });
  let failed = '';
  try {
    await fc.assert(
      fc.asyncProperty(fuzzCase(seeds), async (fuzz) => {
        const { status, text } = await postOver(agent, server.ports.admission, fuzz);
        const problem = judgeAnswer(fuzz, status, text);
        if (problem) throw new Error((failed = `${problem} (${fuzz.description.slice(0, 500)})`));
      }),
      { seed, numRuns: HTTPS_RUNS, endOnFailure: true },
    );
  } catch (error) {
    t.fail(`${failed || (error as Error).message.slice(0, 1000)} — replay with CERTGUARD_FUZZ_SEED=${seed}`);
    return;
  }
  t.pass(`${HTTPS_RUNS} cases over HTTPS keep-alive`);
  const after = await postOver(agent, server.ports.admission, { payload: JSON.stringify(seeds[0]), uid: 'fuzz-0', description: 'after' });
  t.equal(after.status, 200, 'still serving afterwards');
});
