// The audit's reports against the upstream CRDs on a real API server (Kyverno v1.19.1's
// wgpolicyk8s.io PolicyReports, OpenReports v0.2.1's Reports, from their Go modules), written with
// strict field validation so a field the schema lacks is an error, not silently dropped: every
// kind of finding (namespaced, a Namespace's, cluster-wide, fail and warn, with and without a uid)
// and the largest report — a namespace with thousands of findings, capped below etcd's request
// limit. The same report uncapped is refused by the real API server, which is why the cap exists.
import t from 'tap';
import type { Finding } from '../../src/audit/findings.ts';
import { buildReport, MAX_RESULT_BYTES, REPORT_FORMATS, type PolicyReport } from '../../src/audit/policy-report.ts';
import { ReportWriter } from '../../src/audit/report-writer.ts';
import { KubeClient } from '../../src/cluster/live/kube-client.ts';
import { loadCredentials } from '../../src/cluster/live/kubeconfig.ts';
import { createLogger } from '../../src/server/logger.ts';
import { ensureReportCrds } from './harness/binaries.ts';
import { startCluster } from './harness/cluster.ts';
import { namespace, yamlOf } from './harness/objects.ts';
import { waitFor } from './harness/processes.ts';

const NOW = new Date('2027-01-01T00:00:00Z');
// As long as certguard's longest messages (tls-secret-in-use naming several listeners, ~900 bytes).
const LONG = `spec.listeners[0] "websecure" (Gateway big/web-NNNN, hostname "app.example.com"): certificateRefs[0] Secret "big/web-tls" does not exist ${'and no Certificate or cert-manager annotation will create it '.repeat(12)}`;
const MANY = 4000;

const gatewayFinding = (index: number, result: 'fail' | 'warn'): Finding => ({
  policy: 'gateway-listener-tls',
  rule: 'admission',
  result,
  object: {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    namespace: 'big',
    name: `web-${index}`,
    uid: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
  },
  message: LONG.replace('NNNN', String(index)),
});

const EVERY_KIND: Finding[] = [
  {
    policy: 'certificate-issuable',
    rule: 'break-glass',
    result: 'warn',
    object: { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', namespace: 'apps', name: 'b-tls' },
    message: 'Certificate apps/b-tls: issuability check skipped (certguard.io/skip-issuable-check: "INC-7").',
  },
  {
    policy: 'acme-solver-cap',
    rule: 'namespace-solver-cap',
    result: 'fail',
    object: { apiVersion: 'v1', kind: 'Namespace', name: 'apps' },
    message: 'namespace "apps" has reached its cap of 25 ACME HTTP-01 solver HTTPRoutes',
  },
  { policy: 'acme-solver-cap', rule: 'cluster-solver-cap', result: 'warn', message: 'the cluster holds 190 of its 200 ACME HTTP-01 solver HTTPRoutes' },
  gatewayFinding(0, 'fail'),
];

t.test('the upstream CRDs accept every kind of report the audit writes, the largest included', async (t) => {
  const cluster = await startCluster({ crds: false, controllerManager: false });
  t.teardown(() => cluster.stop());
  const crds = await cluster.kubectl(['apply', '--server-side', '-f', await ensureReportCrds()]);
  t.equal(crds.code, 0, crds.stderr);
  const established = await cluster.kubectl(['wait', '--for=condition=Established', '--timeout=30s', 'crd', '--all']);
  t.equal(established.code, 0, established.stderr);
  // Established comes a moment before a new CRD's storage answers (HTTP 429 "storage is (re)initializing").
  await waitFor(
    'the report CRDs to serve lists',
    async () =>
      (
        await cluster.kubectl([
          'get',
          'reports.openreports.io,clusterreports.openreports.io,policyreports.wgpolicyk8s.io,clusterpolicyreports.wgpolicyk8s.io',
          '-A',
        ])
      ).code === 0
        ? true
        : undefined,
    { timeoutMs: 30_000, intervalMs: 250 },
  );
  const namespaces = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(namespace('apps'), namespace('big')) });
  t.equal(namespaces.code, 0, namespaces.stderr);
  const client = new KubeClient(loadCredentials(cluster.kubeconfigPath));
  t.teardown(() => client.close());
  const formats: string[][] = [];
  const writer = new ReportWriter(client, createLogger('silent'), { recordFormats: (written) => formats.push(written) });

  const many = Array.from({ length: MANY }, (_, index) => gatewayFinding(index + 1, index % 2 === 0 ? 'fail' : 'warn'));
  t.equal(await writer.write([...EVERY_KIND, ...many], NOW), 'written', "accepted in both formats (a refusal throws with the API server's reason)");
  t.same(formats, [['openreports', 'policyreports']]);

  const get = async (resource: string, ns?: string): Promise<PolicyReport> => {
    const got = await cluster.kubectl(['get', resource, 'certguard', ...(ns ? ['-n', ns] : []), '-o', 'json']);
    if (got.code !== 0) throw new Error(got.stderr);
    return JSON.parse(got.stdout) as PolicyReport;
  };
  for (const [resource, clusterResource] of [
    ['reports.openreports.io', 'clusterreports.openreports.io'],
    ['policyreports.wgpolicyk8s.io', 'clusterpolicyreports.wgpolicyk8s.io'],
  ] as const) {
    const apps = await get(resource, 'apps');
    t.same(
      apps.results.map((result) => [result.policy, result.rule, result.result]),
      [
        ['acme-solver-cap', 'namespace-solver-cap', 'fail'],
        ['certificate-issuable', 'break-glass', 'warn'],
      ],
      `${resource}: stored as written`,
    );
    t.same(
      (await get(clusterResource)).results.map((result) => [result.rule, result.resources]),
      [['cluster-solver-cap', undefined]],
      `${clusterResource}: the cluster-wide finding`,
    );
    const big = await get(resource, 'big');
    t.ok(big.results.length > 100 && big.results.length < MANY, `${resource}: capped to ${big.results.length} of ${MANY + 1} results`);
    t.same(big.summary, { pass: 0, fail: MANY / 2 + 1, warn: MANY / 2, error: 0, skip: 0 }, `${resource}: the summary counts every finding`);
    t.ok(
      big.results.every((result) => result.result === 'fail'),
      'the kept ones are the fails',
    );
    t.ok(Buffer.byteLength(JSON.stringify(big.results)) <= MAX_RESULT_BYTES);
  }
  t.same(
    (await get('reports.openreports.io', 'big')).configuration,
    { limits: { maxResults: (await get('reports.openreports.io', 'big')).results.length } },
    'OpenReports says it was capped',
  );

  // Without the cap: over etcd's 1.5 MiB request limit, the API server refuses the report.
  const uncapped = buildReport('big', many, NOW, { format: REPORT_FORMATS.openreports, maxResultBytes: Number.POSITIVE_INFINITY });
  uncapped.metadata = { ...uncapped.metadata, name: 'uncapped' };
  t.ok(Buffer.byteLength(JSON.stringify(uncapped)) > 1.5 * 1024 * 1024, 'the uncapped report is over 1.5 MiB');
  const refused = await client.request('/apis/openreports.io/v1alpha1/namespaces/big/reports', { method: 'POST', body: uncapped, timeoutMs: 30_000 });
  t.not(refused.status, 201, `refused: HTTP ${refused.status} ${JSON.stringify(refused.body).slice(0, 200)}`);
});
