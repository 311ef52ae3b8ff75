// One-off attack (not part of `npm run bench` or `npm test`): N AdmissionReviews mutated from the
// project's fixtures (test/helpers/fuzz.ts: fields deleted, replaced by null / numbers / huge
// strings / arrays, nested, reversed; 5 % raw garbage), sent over HTTPS keep-alive on 16
// connections to a real `certguard serve --manifests examples/cluster` process. Counts what
// came back and what the server logged; a correct run has 0 HTTP 5xx and 0 internal errors.
//
//   node bench/attack.ts [count=100000] [seed]
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import fc from 'fast-check';
import { writeCertificates } from '../src/cli/certs.ts';
import { localhostCertificates } from '../test/helpers/certs.ts';
import { fuzzCase, judgeAnswer, loadSeedReviews, postReview, type FuzzCase } from '../test/helpers/fuzz.ts';
import { startNxdomainDns } from '../test/helpers/nxdomain-dns.ts';

const COUNT = Number(process.argv[2] ?? 100_000);
const SEED = Number(process.argv[3] ?? 16);
const CONNECTIONS = 16;
const BATCH = 500;

const post = postReview;

const rssMiB = async (pid: number): Promise<number> => {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
};

const dir = await mkdtemp(join(tmpdir(), 'certguard-attack-'));
const pair = await localhostCertificates();
await writeCertificates(join(dir, 'certs'), pair);
// DNS answered NXDOMAIN at once by a local stub: nothing leaves the machine.
const dns = await startNxdomainDns();
await writeFile(join(dir, 'config.yaml'), `policies:\n  certificate-dns:\n    resolvers: ["${dns.server}"]\n    ingress: { hostnames: [lb.example.net] }\n`);
const child = spawn(
  process.execPath,
  [
    'bin/certguard.js',
    'serve',
    '--manifests',
    'examples/cluster',
    '--port',
    '0',
    '--metrics-port',
    '0',
    '--bind-address',
    '127.0.0.1',
    '--tls-cert',
    join(dir, 'certs/tls.crt'),
    '--tls-key',
    join(dir, 'certs/tls.key'),
    '--config',
    join(dir, 'config.yaml'),
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const logged = { errors: 0, internal: 0 };
let port = 0;
const listening = new Promise<void>((resolve) => {
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const entry = JSON.parse(line) as { level: number; msg: string; admission?: number; reason?: string };
    if (entry.msg === 'certguard listening') ((port = entry.admission ?? 0), resolve());
    if (entry.level >= 50) logged.errors++;
    if (entry.reason?.startsWith('internal error')) logged.internal++;
  });
});
await listening;

const seeds = await loadSeedReviews();
const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS, ca: pair.ca.certificatePem });
const counts = { judged: 0, unreadable: 0, http400: 0, http5xx: 0, code500: 0, otherViolations: 0 };
const examples: string[] = [];
const started = Date.now();
for (let offset = 0; offset < COUNT; offset += BATCH) {
  const cases: FuzzCase[] = fc.sample(fuzzCase(seeds), { seed: SEED + offset, numRuns: Math.min(BATCH, COUNT - offset) });
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const fuzz = cases[next++] as FuzzCase;
      const { status, text } = await post(agent, port, fuzz.payload);
      const problem = judgeAnswer(fuzz, status, text);
      if (status >= 500) counts.http5xx++;
      else if (status === 400) counts.http400++;
      else if (problem?.startsWith('code 500')) counts.code500++;
      else if (!problem) counts[JSON.parse(text).response.status?.code === 400 ? 'unreadable' : 'judged']++;
      if (problem && !problem.startsWith('code 500') && status < 500) counts.otherViolations++;
      if (problem && examples.length < 5) examples.push(`${problem} (${fuzz.description.slice(0, 300)})`);
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  if ((offset + BATCH) % 10_000 === 0) process.stderr.write(`${offset + BATCH} sent, ${counts.http5xx} HTTP 5xx, ${counts.code500} code 500\n`);
}
const seconds = (Date.now() - started) / 1000;
const after = await post(agent, port, JSON.stringify(seeds[0]));
const rss = await rssMiB(child.pid!);
agent.destroy();
child.kill('SIGTERM');
await dns.close();
await rm(dir, { recursive: true, force: true });
process.stdout.write(
  `${COUNT} reviews (seed ${SEED}) in ${seconds.toFixed(0)} s over ${CONNECTIONS} HTTPS keep-alive connections\n` +
    `judged by the policies: ${counts.judged}, unreadable objects (code 400 AdmissionReview): ${counts.unreadable}, HTTP 400: ${counts.http400}\n` +
    `HTTP 5xx: ${counts.http5xx}, code 500 answers: ${counts.code500}, other invariant violations: ${counts.otherViolations}\n` +
    `server log: ${logged.errors} error lines, ${logged.internal} decisions with "internal error"\n` +
    `afterwards: HTTP ${after.status}, server RSS ${rss.toFixed(0)} MiB\n` +
    examples.map((example) => `  e.g. ${example}\n`).join(''),
);
