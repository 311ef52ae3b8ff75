// A break glass that took effect is recorded once per admitted, non-dry-run request: the metric
// certguard_break_glass_total{policy,namespace} and a Warning Event on the object; a denied
// request or a dry run records nothing.
import { Writable } from 'node:stream';
import t from 'tap';
import type { PolicyBreakGlass } from '../../src/admission/complete.ts';
import type { AdmissionRequest } from '../../src/admission/types.ts';
import type { ApiResponse, RequestOptions } from '../../src/cluster/live/kube-client.ts';
import { ManifestView } from '../../src/cluster/manifest-view.ts';
import { createMetrics } from '../../src/metrics/metrics.ts';
import { buildApp } from '../../src/server/app.ts';
import { breakGlassEventOf, createBreakGlassRecorder } from '../../src/server/break-glass-record.ts';
import { createLogger } from '../../src/server/logger.ts';
import type { Policy } from '../../src/policies/types.ts';
import { fixedPolicy } from '../helpers/policies.ts';
import { reviewOf } from '../helpers/reviews.ts';

const USE = { annotation: 'certguard.io/skip-dns-check', reason: 'DNS moves at 18:00', user: 'alice' };

const skipping: Policy = {
  id: 'certificate-dns',
  mode: 'enforce',
  admission: 'validating',
  matches: () => true,
  check: async () => ({ violations: [], warnings: ['skipped'], breakGlass: USE }),
};

const certificate = {
  apiVersion: 'cert-manager.io/v1',
  kind: 'Certificate',
  metadata: { name: 'pay-tls', namespace: 'shop', uid: '6a1c0c2e-0000-4000-8000-00000000000a' },
};
const request = {
  kind: { group: 'cert-manager.io', version: 'v1', kind: 'Certificate' },
  resource: { group: 'cert-manager.io', version: 'v1', resource: 'certificates' },
  namespace: 'shop',
  name: 'pay-tls',
  userInfo: { username: 'alice' },
  object: certificate,
};

const post = async (policies: Policy[], overrides: Partial<AdmissionRequest> = {}) => {
  const posted: Array<{ path: string; options: RequestOptions }> = [];
  const client = {
    request: async (path: string, options: RequestOptions): Promise<ApiResponse> => (posted.push({ path, options }), { status: 201, body: {} }),
  };
  const metrics = createMetrics(new ManifestView(), { defaultMetrics: false });
  const recordBreakGlass = createBreakGlassRecorder({ client, count: metrics.recordBreakGlass, now: () => new Date('2026-12-07T05:00:00.123Z') });
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  const app = buildApp({ policies, view: new ManifestView(), logger: createLogger('info', sink), recordBreakGlass });
  const response = await app.inject({
    method: 'POST',
    url: '/validate',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify(reviewOf({ ...request, ...overrides })),
  });
  await app.close();
  const counted = (await metrics.registry.getSingleMetric('certguard_break_glass_total')?.get())?.values ?? [];
  return { allowed: (response.json() as { response: { allowed: boolean } }).response.allowed, posted, counted };
};

t.test('an admitted request: one Event on the object and the counter by policy and namespace', async (t) => {
  const { allowed, posted, counted } = await post([skipping]);
  t.equal(allowed, true);
  t.same(
    counted.map((sample) => [sample.labels, sample.value]),
    [[{ policy: 'certificate-dns', namespace: 'shop' }, 1]],
  );
  t.equal(posted.length, 1);
  t.equal(posted[0]?.path, '/api/v1/namespaces/shop/events');
  t.match(posted[0]?.options.body, {
    metadata: { generateName: 'pay-tls.certguard-break-glass.', namespace: 'shop' },
    involvedObject: { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', namespace: 'shop', name: 'pay-tls', uid: '6a1c0c2e-0000-4000-8000-00000000000a' },
    reason: 'CertguardBreakGlass',
    type: 'Warning',
    message: 'certificate-dns let this through for user "alice" because of certguard.io/skip-dns-check: "DNS moves at 18:00"',
    firstTimestamp: '2026-12-07T05:00:00Z',
  });
});

t.test('a request another policy denies, and a dry run, record nothing', async (t) => {
  const denied = await post([skipping, { ...fixedPolicy('acme-solver-cap', { violations: ['no'] }), matches: () => true }]);
  t.same([denied.allowed, denied.posted, denied.counted], [false, [], []]);
  const dryRun = await post([skipping], { dryRun: true });
  t.same([dryRun.allowed, dryRun.posted, dryRun.counted], [true, [], []]);
});

t.test('a DELETE names the object that goes (oldObject)', async (t) => {
  const use: PolicyBreakGlass = { ...USE, annotation: 'certguard.io/allow-delete', policy: 'tls-secret-in-use' };
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'app-tls', namespace: 'traefik', uid: 'u-2' } };
  const deletion = {
    uid: 'x',
    operation: 'DELETE',
    kind: { group: '', version: 'v1', kind: 'Secret' },
    resource: { group: '', version: 'v1', resource: 'secrets' },
    namespace: 'traefik',
    name: 'app-tls',
    oldObject: secret,
  } as AdmissionRequest;
  t.match(breakGlassEventOf(use, deletion, new Date(0), 'certguard-0'), {
    involvedObject: { apiVersion: 'v1', kind: 'Secret', namespace: 'traefik', name: 'app-tls', uid: 'u-2' },
    reportingInstance: 'certguard-0',
  });
});
