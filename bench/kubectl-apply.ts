// What certguard adds to `kubectl apply` through a real kube-apiserver + etcd (the e2e harness,
// binaries from scripts/e2e-binaries.sh): a Gateway with 25 HTTPS listeners whose Secrets all
// exist, applied APPLIES times without certguard's webhooks and APPLIES times with them (certguard
// on its live view), each apply changing an annotation so that it reaches the API server (and the
// webhook) as an UPDATE. Counts the Secret GETs the API server served meanwhile.
import { performance } from 'node:perf_hooks';
import { loadavg } from 'node:os';
import { stringify } from 'yaml';
import { generateCertificates } from '../src/cli/certs.ts';
import { startCertguard } from '../test/e2e/harness/certguard.ts';
import { applyChartIdentity } from '../test/e2e/harness/chart-identity.ts';
import { startCluster, type Cluster } from '../test/e2e/harness/cluster.ts';
import { waitForWebhooks } from '../test/e2e/harness/stack.ts';
import { registerWebhooks } from '../test/e2e/harness/webhooks.ts';

const LISTENERS = 25;
const APPLIES = Number(process.env.APPLIES ?? 200);
const NAMESPACE = 'bench';

const gateway = (iteration: number) => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { name: 'gw', namespace: NAMESPACE, annotations: { 'bench.certguard.io/iteration': String(iteration) } },
  spec: {
    gatewayClassName: 'bench',
    listeners: Array.from({ length: LISTENERS }, (_, index) => ({
      name: `https-${index}`,
      port: 443,
      protocol: 'HTTPS',
      hostname: `app-${index}.example.com`,
      tls: { certificateRefs: [{ name: `tls-${index}` }] },
    })),
  },
});

const secrets = async (): Promise<object[]> => {
  const pair = await generateCertificates({
    service: 'app',
    namespace: NAMESPACE,
    dnsNames: ['app.example.com'],
    ipAddresses: [],
    caValidityDays: 2,
    validityDays: 1,
  });
  const data = {
    'tls.crt': Buffer.from(pair.serving.certificatePem).toString('base64'),
    'tls.key': Buffer.from(pair.serving.privateKeyPem).toString('base64'),
  };
  return Array.from({ length: LISTENERS }, (_, index) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: { name: `tls-${index}`, namespace: NAMESPACE },
    data,
  }));
};

const applyYaml = async (cluster: Cluster, objects: object[]): Promise<void> => {
  const result = await cluster.kubectl(['apply', '-f', '-'], { input: objects.map((object) => stringify(object)).join('---\n') });
  if (result.code !== 0) throw new Error(`kubectl apply failed: ${result.stderr}`);
};

/** The sum of a Prometheus exposition's samples whose line starts with `prefix` and contains every one of `parts`. */
const sumOf = (text: string, prefix: string, parts: string[] = []): number =>
  text
    .split('\n')
    .filter((line) => line.startsWith(prefix) && parts.every((part) => line.includes(part)))
    .reduce((total, line) => total + Number(line.split(' ').at(-1)), 0);

type ApiServerCounts = { secretGets: number; webhookSeconds: number; webhookCalls: number };

/** From the API server's own metrics: GETs of single Secrets, and the time its calls to certguard's webhooks took. */
const apiServerCounts = async (cluster: Cluster): Promise<ApiServerCounts> => {
  const { stdout } = await cluster.kubectl(['get', '--raw', '/metrics']);
  const webhook = ['name="', 'certguard'];
  return {
    secretGets: sumOf(stdout, 'apiserver_request_total{', ['resource="secrets"', 'verb="GET"', 'scope="resource"']),
    webhookSeconds: sumOf(stdout, 'apiserver_admission_webhook_admission_duration_seconds_sum{', webhook),
    webhookCalls: sumOf(stdout, 'apiserver_admission_webhook_admission_duration_seconds_count{', webhook),
  };
};

const timedApplies = async (cluster: Cluster, from: number): Promise<number[]> => {
  const times: number[] = [];
  for (let iteration = from; iteration < from + APPLIES; iteration += 1) {
    const started = performance.now();
    await applyYaml(cluster, [gateway(iteration)]);
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b);
};

const at = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

export const runKubectlApplyBench = async (): Promise<string> => {
  const load = loadavg()[0]!.toFixed(1);
  const cluster = await startCluster();
  try {
    await applyYaml(cluster, [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } }, ...(await secrets()), gateway(0)]);
    const without = await timedApplies(cluster, 1);
    const { kubeconfigPath } = await applyChartIdentity(cluster);
    const certguard = await startCertguard({ kubeconfigPath });
    try {
      await registerWebhooks(cluster, { url: certguard.url, caBundle: certguard.caBundle });
      await waitForWebhooks(cluster);
      // The first review after start fetches each Secret once (cold); what follows is steady state.
      await applyYaml(cluster, [gateway(APPLIES + 1)]);
      const before = await apiServerCounts(cluster);
      const reviewsBefore = sumOf(await (await fetch(`${certguard.metricsUrl}/metrics`)).text(), 'certguard_admission_requests_total{');
      const withWebhook = await timedApplies(cluster, APPLIES + 2);
      const after = await apiServerCounts(cluster);
      const reviews = sumOf(await (await fetch(`${certguard.metricsUrl}/metrics`)).text(), 'certguard_admission_requests_total{') - reviewsBefore;
      const calls = after.webhookCalls - before.webhookCalls;
      const meanMs = (1000 * (after.webhookSeconds - before.webhookSeconds)) / calls;
      const row = (name: string, sorted: number[]) => `| ${name} | ${sorted.length} | ${at(sorted, 50).toFixed(1)} | ${at(sorted, 99).toFixed(1)} |`;
      return [
        `load average ${load} at start; kube-apiserver + etcd from the e2e harness; each apply is a kubectl process (its start-up included)`,
        '',
        '| kubectl apply of a 25-listener Gateway (UPDATE) | applies | median ms | p99 ms |',
        '|---|---:|---:|---:|',
        row('without certguard', without),
        row('with certguard (validating webhook, live view)', withWebhook),
        '',
        `median added: ${(at(withWebhook, 50) - at(without, 50)).toFixed(1)} ms. During the ${APPLIES} applies with certguard: ${reviews} reviews judged by certguard; ` +
          `${calls} webhook calls as the API server timed them (apiserver_admission_webhook_admission_duration_seconds), ${meanMs.toFixed(2)} ms on average; ` +
          `${after.secretGets - before.secretGets} Secret GETs served by the API server.`,
      ].join('\n');
    } finally {
      await certguard.stop();
    }
  } finally {
    await cluster.stop();
  }
};
