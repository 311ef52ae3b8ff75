// PolicyReports from findings: the wgpolicyk8s.io/v1alpha2 shape, first-seen times kept across
// audits, one report per namespace, stale reports emptied, and the CRD's absence logged once.
import { Writable } from 'node:stream';
import t from 'tap';
import type { Finding } from '../../src/audit/findings.ts';
import { buildReport, groupByReport } from '../../src/audit/policy-report.ts';
import { ReportWriter, type Requester } from '../../src/audit/report-writer.ts';
import type { ApiResponse, RequestOptions } from '../../src/cluster/live/kube-client.ts';
import { createLogger } from '../../src/server/logger.ts';

const T0 = new Date('2027-01-01T00:00:00Z');
const T1 = new Date('2027-01-01T00:10:00Z');

const missing: Finding = {
  policy: 'gateway-listener-tls',
  rule: 'admission',
  result: 'fail',
  object: { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', namespace: 'traefik', name: 'gw', uid: 'u-1' },
  message: 'spec.listeners[0] ... does not exist',
};
const solvers: Finding = { policy: 'acme-solver-cap', rule: 'namespace-solver-cap', result: 'fail', object: { apiVersion: 'v1', kind: 'Namespace', name: 'team-a' }, message: 'namespace "team-a" already has ...' };
const cluster: Finding = { policy: 'acme-solver-cap', rule: 'cluster-solver-cap', result: 'warn', message: 'the cluster already has ...' };

t.test('a namespace report in the wgpolicyk8s.io/v1alpha2 shape', async (t) => {
  t.same(buildReport('traefik', [missing], T0), {
    apiVersion: 'wgpolicyk8s.io/v1alpha2',
    kind: 'PolicyReport',
    metadata: { name: 'certguard', labels: { 'app.kubernetes.io/managed-by': 'certguard' }, namespace: 'traefik' },
    summary: { pass: 0, fail: 1, warn: 0, error: 0, skip: 0 },
    results: [
      {
        source: 'certguard',
        policy: 'gateway-listener-tls',
        rule: 'admission',
        result: 'fail',
        scored: true,
        timestamp: { seconds: 1798761600, nanos: 0 },
        message: 'spec.listeners[0] ... does not exist',
        resources: [{ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', namespace: 'traefik', name: 'gw', uid: 'u-1' }],
      },
    ],
  });
});

t.test('a finding still there keeps the time it was first found, a new one gets now', async (t) => {
  const first = buildReport('traefik', [missing], T0);
  const other = { ...missing, message: 'another' };
  const second = buildReport('traefik', [missing, other], T1, first);
  t.same(second.results.map((result) => result.timestamp.seconds), [T0.getTime() / 1000, T1.getTime() / 1000]);
});

t.test('findings go to their namespace, a Namespace finding to its own, the cluster cap to the cluster report; old namespaces get an empty report', async (t) => {
  const groups = groupByReport([missing, solvers, cluster], ['gone']);
  t.same([...groups].map(([namespace, found]) => [namespace, found.length]), [['gone', 0], ['traefik', 1], ['team-a', 1], ['', 1]]);
  t.same(buildReport('', [cluster], T0).kind, 'ClusterPolicyReport');
  t.notOk(buildReport('', [cluster], T0).metadata?.namespace);
});

/** An API server in a Map: path → object. */
class FakeApi implements Requester {
  readonly objects = new Map<string, Record<string, unknown>>();
  readonly calls: string[] = [];
  crd = true;
  #version = 0;

  async request(path: string, options: RequestOptions): Promise<ApiResponse> {
    const method = options.method ?? 'GET';
    this.calls.push(`${method} ${path}`);
    if (!this.crd) return { status: 404, body: {} };
    const [base, query] = path.split('?');
    if (method === 'GET' && base === '/apis/wgpolicyk8s.io/v1alpha2/policyreports') {
      t.equal(query, 'labelSelector=app.kubernetes.io%2Fmanaged-by%3Dcertguard');
      return { status: 200, body: { items: [...this.objects].filter(([key]) => key.includes('/namespaces/')).map(([, value]) => value) } };
    }
    if (method === 'GET') return this.objects.has(path) ? { status: 200, body: structuredClone(this.objects.get(path)) } : { status: 404, body: {} };
    const body = structuredClone(options.body) as { metadata: Record<string, unknown> };
    const key = method === 'POST' ? `${path}/${String(body.metadata.name)}` : path;
    body.metadata.resourceVersion = String((this.#version += 1));
    this.objects.set(key, body);
    return { status: method === 'POST' ? 201 : 200, body };
  }
}

t.test('the writer creates, updates in place and empties stale reports', async (t) => {
  const api = new FakeApi();
  const writer = new ReportWriter(api, createLogger('silent'));
  t.equal(await writer.write([missing, cluster], T0), 'written');
  t.same([...api.objects.keys()].sort(), ['/apis/wgpolicyk8s.io/v1alpha2/clusterpolicyreports/certguard', '/apis/wgpolicyk8s.io/v1alpha2/namespaces/traefik/policyreports/certguard']);
  api.calls.length = 0;
  t.equal(await writer.write([], T1), 'written');
  t.ok(api.calls.includes('PUT /apis/wgpolicyk8s.io/v1alpha2/namespaces/traefik/policyreports/certguard'), api.calls.join('\n'));
  const traefik = api.objects.get('/apis/wgpolicyk8s.io/v1alpha2/namespaces/traefik/policyreports/certguard') as { results: unknown[]; summary: { fail: number } };
  t.same([traefik.results, traefik.summary.fail], [[], 0]);
  const clusterReport = api.objects.get('/apis/wgpolicyk8s.io/v1alpha2/clusterpolicyreports/certguard') as { results: unknown[] };
  t.same(clusterReport.results, []);
});

t.test('without the CRD the writer skips and says so once', async (t) => {
  const api = new FakeApi();
  api.crd = false;
  const lines: string[] = [];
  const logger = createLogger('warn', new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) }));
  const writer = new ReportWriter(api, logger);
  t.equal(await writer.write([missing], T0), 'no-crd');
  t.equal(await writer.write([missing], T1), 'no-crd');
  t.equal(lines.length, 1);
  t.match(lines[0], /PolicyReports not written: the wgpolicyk8s.io\/v1alpha2 CRDs are not installed/);
});
