// Reviews per second and p50/p99 latency of POST /validate over HTTPS keep-alive on loopback:
// certguard judging a Gateway with 25 HTTPS listeners (allowed, and denied for 2 missing
// Secrets), next to a bare Fastify HTTPS handler answering a fixed review, in the same run.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { stringify } from 'yaml';
import { generateCertificates, writeCertificates } from '../src/cli/certs.ts';

const LISTENERS = 25;
const CONNECTIONS = 8;
const WARMUP_REQUESTS = 2_000;
const MEASURED_REQUESTS = 10_000;

const gatewayReview = (missing: number) => ({
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
          hostname: `app-${index}.example.com`,
          tls: { certificateRefs: [{ name: index >= LISTENERS - missing ? `missing-${index}` : `tls-${index}` }] },
        })),
      },
    },
  },
});

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

const startTarget = async (kind: 'certguard' | 'bare', certDir: string, manifests: string): Promise<{ port: number; child: ChildProcess }> => {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'admission-target.ts'), kind, certDir, manifests], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = await createInterface({ input: child.stdout! })[Symbol.asyncIterator]().next().then((result) => [result.value as string]);
  return { port: Number(line), child };
};

const postOnce = (agent: Agent, port: number, body: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = request({ host: '127.0.0.1', port, path: '/validate', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(Number(process.hrtime.bigint() - started) / 1e6) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });

const load = async (port: number, ca: string, body: string, count: number): Promise<{ seconds: number; latencies: number[] }> => {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS, ca, servername: 'localhost' });
  const latencies: number[] = [];
  let next = 0;
  const started = process.hrtime.bigint();
  const worker = async () => {
    while (next < count) {
      next += 1;
      latencies.push(await postOnce(agent, port, body));
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  return { seconds, latencies };
};

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

type Row = { name: string; rps: number; p50: number; p99: number };

const measure = async (name: string, port: number, ca: string, body: string): Promise<Row> => {
  await load(port, ca, body, WARMUP_REQUESTS);
  const { seconds, latencies } = await load(port, ca, body, MEASURED_REQUESTS);
  latencies.sort((a, b) => a - b);
  return { name, rps: MEASURED_REQUESTS / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
};

export const runAdmissionBench = async (): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), 'certguard-bench-'));
  const children: ChildProcess[] = [];
  try {
    const pair = await generateCertificates({ service: 'certguard', namespace: 'certguard', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], caValidityDays: 2, validityDays: 1 });
    await writeCertificates(join(dir, 'certs'), pair);
    await writeFile(join(dir, 'cluster.yaml'), clusterObjects(pair.serving.certificatePem, pair.serving.privateKeyPem).map((object) => stringify(object)).join('---\n'));
    const ca = pair.ca.certificatePem;
    const bare = await startTarget('bare', join(dir, 'certs'), join(dir, 'cluster.yaml'));
    children.push(bare.child);
    const certguard = await startTarget('certguard', join(dir, 'certs'), join(dir, 'cluster.yaml'));
    children.push(certguard.child);
    const rows = [
      await measure('bare Fastify HTTPS, fixed answer', bare.port, ca, JSON.stringify(gatewayReview(0))),
      await measure(`certguard, Gateway with ${LISTENERS} listeners, allowed`, certguard.port, ca, JSON.stringify(gatewayReview(0))),
      await measure(`certguard, Gateway with ${LISTENERS} listeners, denied (2 Secrets missing)`, certguard.port, ca, JSON.stringify(gatewayReview(2))),
    ];
    const floor = rows[0]!.rps;
    const lines = [
      `${MEASURED_REQUESTS} reviews after ${WARMUP_REQUESTS} warm-up, ${CONNECTIONS} keep-alive connections, server and load generator in separate processes`,
      '',
      '| target | reviews/s | p50 ms | p99 ms | throughput vs bare |',
      '|---|---:|---:|---:|---:|',
      ...rows.map((row) => `| ${row.name} | ${row.rps.toFixed(0)} | ${row.p50.toFixed(2)} | ${row.p99.toFixed(2)} | ${(row.rps / floor).toFixed(2)} |`),
    ];
    return lines.join('\n');
  } finally {
    for (const child of children) child.kill();
    await rm(dir, { recursive: true, force: true });
  }
};
