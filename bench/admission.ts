// Reviews per second and latency of POST /validate over HTTPS keep-alive on loopback: certguard
// judging a Gateway with 25 HTTPS listeners (allowed; allowed with a coverage warning per
// listener; denied for 2 missing Secrets) next to a bare Fastify HTTPS handler answering a fixed
// review, in the same run. certguard runs twice: on
// the manifest view, and on the live view against the fake API server in its own process, each
// request to it answered after LATENCY_MS (the production path: list/watch, GETs of Secrets),
// counting the API requests each review costs. Then an open loop: reviews sent at a fixed rate
// whether or not earlier ones have returned, latency measured from when each was due.
// ROWS=allowed: only the bare handler and the live view's allowed row, no open loop — with
// BENCH_CPU_PROF, each server's profile then holds those reviews alone (bench/profile-split.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadavg, cpus } from 'node:os';
import { createInterface, type Interface } from 'node:readline';
import { stringify } from 'yaml';
import { issueSelfSigned, validityWindow } from '../src/certs/x509.ts';
import { writeCertificates } from '../src/cli/certs.ts';
import { localhostCertificates } from '../test/helpers/certs.ts';
import { imageSettings } from './image-settings.ts';
import { gatewayReview, LISTENERS } from './review-fixture.ts';

const CONNECTIONS = 8;
const count = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
const WARMUP_REQUESTS = count('WARMUP', 2_000);
const MEASURED_REQUESTS = count('REQUESTS', 10_000);
/** The fake API server's answer time per request (a real one on a LAN: about a millisecond). */
const LATENCY_MS = count('LATENCY_MS', 1);
const OPEN_LOOP_RATE = count('OPEN_LOOP_RATE', 1_000);
const OPEN_LOOP_SECONDS = count('OPEN_LOOP_SECONDS', 10);
// Enough sockets that the open loop never waits for one: at 1,000/s and a few ms each, ~10 busy.
const OPEN_LOOP_CONNECTIONS = 64;
const ALLOWED_ONLY = process.env.ROWS === 'allowed';

const clusterObjects = (certificatePem: string, privateKeyPem: string) => [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } },
  ...Array.from({ length: LISTENERS }, (_, index) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: { name: `tls-${index}`, namespace: 'bench' },
    data: { 'tls.crt': Buffer.from(certificatePem).toString('base64'), 'tls.key': Buffer.from(privateKeyPem).toString('base64') },
  })),
];

type Target = { port: number; child: ChildProcess };

// BENCH_CPU_PROF=<dir>: every server process writes a CPU profile there when the bench ends.
const profileArgs = (): string[] => (process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []);

const firstLine = async (lines: Interface): Promise<string> => String((await lines[Symbol.asyncIterator]().next()).value);

// TARGET_NODE_FLAGS="...": Node and V8 flags for the certguard targets; "image": the Dockerfile's
// ENTRYPOINT flags and ENV (NODE_OPTIONS, allocator, NODE_ENV). The bare handler runs without, as the fixed reference.
const IMAGE_TARGET = process.env.TARGET_NODE_FLAGS === 'image' ? imageSettings() : undefined;

const targetFlags = (kind: string): string[] =>
  kind === 'bare' ? [] : (IMAGE_TARGET?.nodeFlags ?? (process.env.TARGET_NODE_FLAGS ?? '').split(' ').filter(Boolean));

const targetEnv = (kind: string): NodeJS.ProcessEnv => (kind === 'bare' || !IMAGE_TARGET ? process.env : { ...process.env, ...IMAGE_TARGET.env });

const describeTargetFlags = (): string =>
  IMAGE_TARGET
    ? `the image's: ${[...IMAGE_TARGET.nodeFlags, ...Object.entries(IMAGE_TARGET.env).map(([key, value]) => `${key}=${value}`)].join(' ')}`
    : process.env.TARGET_NODE_FLAGS || 'none';

const startTarget = async (kind: 'certguard' | 'certguard-live' | 'bare', certDir: string, source: string): Promise<Target> => {
  const child = spawn(process.execPath, [...targetFlags(kind), ...profileArgs(), join(import.meta.dirname, 'admission-target.ts'), kind, certDir, source], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: targetEnv(kind),
  });
  return { port: Number(await firstLine(createInterface({ input: child.stdout! }))), child };
};

type ApiCounts = { requests: number; secretGets: number };

/** The fake API server in its own process; counts() asks it what it has served. */
const startApi = async (clusterYaml: string) => {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'admission-api-server.ts'), clusterYaml], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, LATENCY_MS: String(LATENCY_MS) },
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const { kubeconfig } = JSON.parse(String((await lines.next()).value)) as { kubeconfig: string };
  const counts = async (): Promise<ApiCounts> => {
    child.stdin!.write('count\n');
    return JSON.parse(String((await lines.next()).value)) as ApiCounts;
  };
  return { child, kubeconfig, counts };
};

type Answer = { ms: number; ok: boolean };

/** One review; `from` is when it was due (the open loop), else when it was sent. ok: HTTP 200 with the expected decision. */
const postOnce = (agent: Agent, port: number, body: string, allowed: boolean, from = process.hrtime.bigint()): Promise<Answer> =>
  new Promise((resolve) => {
    const done = (ok: boolean) => resolve({ ms: Number(process.hrtime.bigint() - from) / 1e6, ok });
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/validate',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => done(res.statusCode === 200 && text.includes(`"allowed":${allowed}`)));
      },
    );
    req.on('error', () => done(false));
    req.end(body);
  });

const agentFor = (ca: string, sockets: number) => new Agent({ keepAlive: true, maxSockets: sockets, ca, servername: 'localhost' });

const load = async (port: number, ca: string, body: string, allowed: boolean, total: number): Promise<{ seconds: number; answers: Answer[] }> => {
  const agent = agentFor(ca, CONNECTIONS);
  const answers: Answer[] = [];
  let next = 0;
  const started = process.hrtime.bigint();
  const worker = async () => {
    while (next < total) {
      next += 1;
      answers.push(await postOnce(agent, port, body, allowed));
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  return { seconds, answers };
};

/** Reviews due every 1/rate s for `seconds`, sent when due whatever is still in flight. */
const openLoop = async (port: number, ca: string, body: string, allowed: boolean): Promise<Answer[]> => {
  const agent = agentFor(ca, OPEN_LOOP_CONNECTIONS);
  // Connections opened up front: a TLS handshake is not what is measured.
  await Promise.all(Array.from({ length: OPEN_LOOP_CONNECTIONS }, () => postOnce(agent, port, body, allowed)));
  const total = OPEN_LOOP_RATE * OPEN_LOOP_SECONDS;
  const intervalNs = BigInt(Math.round(1e9 / OPEN_LOOP_RATE));
  const start = process.hrtime.bigint();
  const pending: Promise<Answer>[] = [];
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = process.hrtime.bigint();
      while (pending.length < total && start + BigInt(pending.length) * intervalNs <= now) {
        pending.push(postOnce(agent, port, body, allowed, start + BigInt(pending.length) * intervalNs));
      }
      // A timer, not a busy loop: the load generator must not take a core from the server.
      if (pending.length < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  const answers = await Promise.all(pending);
  agent.destroy();
  return answers;
};

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const sortedMs = (answers: Answer[]): number[] => answers.map((answer) => answer.ms).sort((a, b) => a - b);
const errorsOf = (answers: Answer[]): number => answers.filter((answer) => !answer.ok).length;

type Row = { name: string; rps: number; p50: number; p99: number; errors: number; cpuMs: number; apiPerReview?: number };

/**
 * CPU time (user + system) the server process has used, in ms (Linux, /proc; 10 ms ticks, fine
 * over thousands of reviews). On a machine shared with other jobs throughput follows what the
 * scheduler grants; CPU per review is what the server itself costs.
 */
const cpuMsOf = async (child: ChildProcess): Promise<number> => {
  const fields = (await readFile(`/proc/${child.pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
};

const measure = async (name: string, target: Target, ca: string, body: string, allowed: boolean, api?: () => Promise<ApiCounts>): Promise<Row> => {
  await load(target.port, ca, body, allowed, WARMUP_REQUESTS);
  const before = await api?.();
  const cpuBefore = await cpuMsOf(target.child);
  const { seconds, answers } = await load(target.port, ca, body, allowed, MEASURED_REQUESTS);
  const cpuMs = (await cpuMsOf(target.child)) - cpuBefore;
  const after = await api?.();
  const latencies = sortedMs(answers);
  const row: Row = {
    name,
    rps: MEASURED_REQUESTS / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors: errorsOf(answers),
    cpuMs: cpuMs / MEASURED_REQUESTS,
  };
  if (before && after) row.apiPerReview = (after.requests - before.requests) / MEASURED_REQUESTS;
  return row;
};

const ms = (value: number): string => value.toFixed(2);

const closedLoopTable = (rows: Row[]): string[] => {
  const [floor, cpuFloor] = [rows[0]!.rps, rows[0]!.cpuMs];
  return [
    '| target | reviews/s | p50 ms | p99 ms | throughput vs bare | server CPU ms per review | CPU vs bare | API requests per review | errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (row) =>
        `| ${row.name} | ${row.rps.toFixed(0)} | ${ms(row.p50)} | ${ms(row.p99)} | ${(row.rps / floor).toFixed(2)} | ${row.cpuMs.toFixed(3)} | ${(row.cpuMs / cpuFloor).toFixed(2)} | ${row.apiPerReview === undefined ? '—' : row.apiPerReview.toFixed(3)} | ${row.errors} |`,
    ),
  ];
};

const openLoopRow = (name: string, answers: Answer[]): string => {
  const latencies = sortedMs(answers);
  return `| ${name} | ${answers.length} | ${ms(percentile(latencies, 50))} | ${ms(percentile(latencies, 99))} | ${ms(percentile(latencies, 99.9))} | ${ms(latencies.at(-1) ?? 0)} | ${errorsOf(answers)} |`;
};

/** The first review after start: the cache is synced, no verdict is known yet. */
const coldReview = async (port: number, ca: string, body: string, api: () => Promise<ApiCounts>): Promise<string> => {
  const agent = agentFor(ca, 1);
  const before = await api();
  const answer = await postOnce(agent, port, body, true);
  const after = await api();
  agent.destroy();
  return `| first review after start (cold), allowed | ${ms(answer.ms)} | ${after.requests - before.requests} | ${after.secretGets - before.secretGets} | ${answer.ok ? 0 : 1} |`;
};

const loadAverage = (): string =>
  loadavg()
    .map((load) => load.toFixed(2))
    .join(' ');

/**
 * The servers' files under `dir`: certs/ (a serving certificate for localhost and 127.0.0.1, and
 * its CA) and cluster.yaml (the Namespace and 25 TLS Secrets whose certificate covers *.example.com).
 */
export const writeBenchFiles = async (dir: string) => {
  const pair = await localhostCertificates();
  await writeCertificates(join(dir, 'certs'), pair);
  const clusterYaml = join(dir, 'cluster.yaml');
  const listenerPair = await issueSelfSigned({ commonName: 'example.com', dnsNames: ['*.example.com'], ...validityWindow(1) });
  await writeFile(
    clusterYaml,
    clusterObjects(listenerPair.certificatePem, listenerPair.privateKeyPem)
      .map((object) => stringify(object))
      .join('---\n'),
  );
  return { pair, clusterYaml };
};

export const runAdmissionBench = async (): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), 'certguard-bench-'));
  const children: ChildProcess[] = [];
  const loadAtStart = loadAverage();
  try {
    const { pair, clusterYaml } = await writeBenchFiles(dir);
    const ca = pair.ca.certificatePem;
    const [allowedBody, deniedBody, uncoveredBody] = [
      JSON.stringify(gatewayReview(0)),
      JSON.stringify(gatewayReview(2)),
      JSON.stringify(gatewayReview(0, 'example.net')),
    ];
    const api = await startApi(clusterYaml);
    children.push(api.child);
    const bare = await startTarget('bare', join(dir, 'certs'), clusterYaml);
    const live = await startTarget('certguard-live', join(dir, 'certs'), api.kubeconfig);
    children.push(bare.child, live.child);
    const cold = await coldReview(live.port, ca, allowedBody, api.counts);
    const liveAllowed = () => measure(`certguard, **live view**, ${LISTENERS} listeners, allowed (steady state)`, live, ca, allowedBody, true, api.counts);
    if (ALLOWED_ONLY) {
      const rows = [await measure('bare Fastify HTTPS, fixed answer', bare, ca, allowedBody, true), await liveAllowed()];
      return [
        `load average ${loadAtStart} at start, ${loadAverage()} at the end; certguard's settings: ${describeTargetFlags()}`,
        '',
        ...closedLoopTable(rows),
      ].join('\n');
    }
    const manifest = await startTarget('certguard', join(dir, 'certs'), clusterYaml);
    children.push(manifest.child);
    const rows = [
      await measure('bare Fastify HTTPS, fixed answer', bare, ca, allowedBody, true),
      await measure(`certguard, manifest view, ${LISTENERS} listeners, allowed`, manifest, ca, allowedBody, true),
      await measure(`certguard, manifest view, ${LISTENERS} listeners, denied (2 Secrets missing)`, manifest, ca, deniedBody, false),
      await liveAllowed(),
      await measure(
        `certguard, live view, ${LISTENERS} listeners, allowed, ${LISTENERS} hostnames not covered (a warning each)`,
        live,
        ca,
        uncoveredBody,
        true,
        api.counts,
      ),
      await measure(`certguard, **live view**, ${LISTENERS} listeners, denied (2 Secrets missing)`, live, ca, deniedBody, false, api.counts),
    ];
    const openBare = await openLoop(bare.port, ca, allowedBody, true);
    const openLive = await openLoop(live.port, ca, allowedBody, true);
    return [
      `load average ${loadAtStart} at start, ${loadAverage()} at the end (${cpus().length} CPUs), Node ${process.version}; API server latency ${LATENCY_MS} ms per request; certguard's settings: ${describeTargetFlags()}`,
      '',
      `Closed loop: ${MEASURED_REQUESTS} reviews after ${WARMUP_REQUESTS} warm-up, ${CONNECTIONS} keep-alive connections`,
      '',
      ...closedLoopTable(rows),
      '',
      '| live view | latency ms | API requests | Secret GETs | errors |',
      '|---|---:|---:|---:|---:|',
      cold,
      '',
      `Open loop: ${OPEN_LOOP_RATE} reviews/s for ${OPEN_LOOP_SECONDS} s, latency from when each review was due, ${LISTENERS} listeners, allowed`,
      '',
      '| target | reviews | p50 ms | p99 ms | p99.9 ms | max ms | errors |',
      '|---|---:|---:|---:|---:|---:|---:|',
      openLoopRow('bare Fastify HTTPS, fixed answer', openBare),
      openLoopRow('certguard, live view', openLive),
    ].join('\n');
  } finally {
    for (const child of children) child.kill();
    await rm(dir, { recursive: true, force: true });
  }
};
