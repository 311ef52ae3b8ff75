// Reports from findings: the wgpolicyk8s.io/v1alpha2 and openreports.io/v1alpha1 shapes, first-seen
// times kept across audits, one report per namespace, a report capped below etcd's request limit,
// stale reports emptied, each served format written, and a format's absence logged once.
import { Writable } from 'node:stream';
import t from 'tap';
import type { Finding } from '../../src/audit/findings.ts';
import { buildReport, capResults, groupByReport, REPORT_FORMATS } from '../../src/audit/policy-report.ts';
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
const solvers: Finding = {
  policy: 'acme-solver-cap',
  rule: 'namespace-solver-cap',
  result: 'fail',
  object: { apiVersion: 'v1', kind: 'Namespace', name: 'team-a' },
  message: 'namespace "team-a" already has ...',
};
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
        properties: { process: 'background scan' },
        resources: [{ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', namespace: 'traefik', name: 'gw', uid: 'u-1' }],
      },
    ],
  });
});

t.test('the same results as an OpenReports Report, with the source at the report too; the cluster one a ClusterReport', async (t) => {
  const policyReport = buildReport('traefik', [missing], T0);
  const report = buildReport('traefik', [missing], T0, { format: REPORT_FORMATS.openreports });
  t.same(report, { ...policyReport, apiVersion: 'openreports.io/v1alpha1', kind: 'Report', source: 'certguard' });
  t.same(buildReport('', [cluster], T0, { format: REPORT_FORMATS.openreports }).kind, 'ClusterReport');
  t.same(
    buildReport('traefik', [missing], T0, { process: 'admission review' }).results[0]?.properties,
    { process: 'admission review' },
    '`certguard check` reports as admission would',
  );
});

t.test('a report past the byte budget keeps its first results, fails first, and counts every finding in its summary', async (t) => {
  const warn = (index: number): Finding => ({ ...missing, result: 'warn', message: `warning ${String(index).padStart(2, '0')} ${'x'.repeat(200)}` });
  const fail = (index: number): Finding => ({ ...missing, message: `failure ${String(index).padStart(2, '0')} ${'x'.repeat(200)}` });
  const findings = [...Array.from({ length: 30 }, (_, index) => warn(index)), ...Array.from({ length: 30 }, (_, index) => fail(index))];
  const whole = buildReport('traefik', findings, T0, { format: REPORT_FORMATS.openreports });
  const oneResult = Buffer.byteLength(JSON.stringify(whole.results[0])) + 1;
  const capped = buildReport('traefik', findings, T0, { format: REPORT_FORMATS.openreports, maxResultBytes: oneResult * 40 + 10 });
  t.equal(capped.results.length, 40);
  t.same(
    capped.results.slice(0, 30).map((result) => result.result),
    Array(30).fill('fail'),
    'every fail is kept before any warning',
  );
  t.same(capped.summary, { pass: 0, fail: 30, warn: 30, error: 0, skip: 0 }, 'the summary counts all 60');
  t.same(capped.configuration, { limits: { maxResults: 40 } }, 'OpenReports says the report was capped');
  t.equal(whole.configuration, undefined, 'an uncapped report does not');
  t.same(capResults(whole.results, 0), []);
  t.equal(capResults(whole.results).length, 60, 'the default budget (1 MiB) holds them all');
});

t.test('a finding still there keeps the time it was first found, a new one gets now', async (t) => {
  const first = buildReport('traefik', [missing], T0);
  const other = { ...missing, message: 'another' };
  const second = buildReport('traefik', [missing, other], T1, { previous: first });
  t.same(
    second.results.map((result) => result.timestamp.seconds),
    [T0.getTime() / 1000, T1.getTime() / 1000],
  );
});

t.test(
  'findings go to their namespace, a Namespace finding to its own, the cluster cap to the cluster report; old namespaces get an empty report',
  async (t) => {
    const groups = groupByReport([missing, solvers, cluster], ['gone']);
    t.same(
      [...groups].map(([namespace, found]) => [namespace, found.length]),
      [
        ['gone', 0],
        ['traefik', 1],
        ['team-a', 1],
        ['', 1],
      ],
    );
    t.same(buildReport('', [cluster], T0).kind, 'ClusterPolicyReport');
    t.notOk(buildReport('', [cluster], T0).metadata?.namespace);
  },
);

/** An API server in a Map: path → object, serving the report groups in `served`. */
class FakeApi implements Requester {
  readonly objects = new Map<string, Record<string, unknown>>();
  readonly calls: string[] = [];
  served = new Set(['wgpolicyk8s.io', 'openreports.io']);
  #version = 0;

  async request(path: string, options: RequestOptions): Promise<ApiResponse> {
    const method = options.method ?? 'GET';
    this.calls.push(`${method} ${path}`);
    if (![...this.served].some((group) => path.startsWith(`/apis/${group}/`))) return { status: 404, body: {} };
    const [base, query] = path.split('?');
    if (method === 'GET' && (base === '/apis/wgpolicyk8s.io/v1alpha2/policyreports' || base === '/apis/openreports.io/v1alpha1/reports')) {
      t.equal(query, 'labelSelector=app.kubernetes.io%2Fmanaged-by%3Dcertguard');
      return {
        status: 200,
        body: {
          items: [...this.objects].filter(([key]) => key.startsWith(base.replace(/\/[a-z]+$/, '')) && key.includes('/namespaces/')).map(([, value]) => value),
        },
      };
    }
    if (method === 'GET') return this.objects.has(path) ? { status: 200, body: structuredClone(this.objects.get(path)) } : { status: 404, body: {} };
    t.equal(query, 'fieldValidation=Strict', 'writes ask for strict field validation');
    const body = structuredClone(options.body) as { metadata: Record<string, unknown> };
    const key = method === 'POST' ? `${base ?? ''}/${String(body.metadata.name)}` : (base ?? '');
    body.metadata.resourceVersion = String((this.#version += 1));
    this.objects.set(key, body);
    return { status: method === 'POST' ? 201 : 200, body };
  }
}

const OPEN = ['/apis/openreports.io/v1alpha1/clusterreports/certguard', '/apis/openreports.io/v1alpha1/namespaces/traefik/reports/certguard'];
const WG = ['/apis/wgpolicyk8s.io/v1alpha2/clusterpolicyreports/certguard', '/apis/wgpolicyk8s.io/v1alpha2/namespaces/traefik/policyreports/certguard'];

t.test('the writer creates, updates in place and empties stale reports, in both formats when both are served', async (t) => {
  const api = new FakeApi();
  const formats: string[][] = [];
  const writer = new ReportWriter(api, createLogger('silent'), { recordFormats: (written) => formats.push(written) });
  t.equal(await writer.write([missing, cluster], T0), 'written');
  t.same([...api.objects.keys()].sort(), [...OPEN, ...WG]);
  api.calls.length = 0;
  t.equal(await writer.write([], T1), 'written');
  t.ok(api.calls.includes('PUT /apis/wgpolicyk8s.io/v1alpha2/namespaces/traefik/policyreports/certguard?fieldValidation=Strict'), api.calls.join('\n'));
  t.ok(api.calls.includes('PUT /apis/openreports.io/v1alpha1/namespaces/traefik/reports/certguard?fieldValidation=Strict'), api.calls.join('\n'));
  for (const path of [...OPEN, ...WG]) {
    const report = api.objects.get(path) as { results: unknown[]; summary: { fail: number; warn: number } };
    t.same([report.results, report.summary.fail, report.summary.warn], [[], 0, 0], `${path} emptied`);
  }
  t.same(formats, [
    ['openreports', 'policyreports'],
    ['openreports', 'policyreports'],
  ]);
});

t.test('auto writes the one format served; a forced format writes only that one', async (t) => {
  const api = new FakeApi();
  api.served = new Set(['openreports.io']);
  const lines: string[] = [];
  const logger = createLogger('info', new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) }));
  t.equal(await new ReportWriter(api, logger).write([missing, cluster], T0), 'written');
  t.same([...api.objects.keys()].sort(), OPEN);
  t.equal(lines.length, 1);
  t.match(lines[0], /reports: wgpolicyk8s.io\/v1alpha2 PolicyReport\/ClusterPolicyReport not written, its CRDs are not installed/);
  const both = new FakeApi();
  t.equal(await new ReportWriter(both, createLogger('silent'), { formats: 'policyreports' }).write([missing, cluster], T0), 'written');
  t.same([...both.objects.keys()].sort(), WG, 'policyreports forced: no OpenReports');
});

t.test('without any report CRD the writer skips, says so once and records no format', async (t) => {
  const api = new FakeApi();
  api.served = new Set();
  const lines: string[] = [];
  const formats: string[][] = [];
  const logger = createLogger('warn', new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) }));
  const writer = new ReportWriter(api, logger, { recordFormats: (written) => formats.push(written) });
  t.equal(await writer.write([missing], T0), 'no-crd');
  t.equal(await writer.write([missing], T1), 'no-crd');
  t.equal(lines.length, 1);
  t.match(
    lines[0],
    /reports not written: the openreports.io\/v1alpha1 Report\/ClusterReport or wgpolicyk8s.io\/v1alpha2 PolicyReport\/ClusterPolicyReport CRDs are not installed/,
  );
  t.same(formats, [[], []]);
});
