// The audit namespace by namespace (what keeps serve's audit within its memory): each namespace's
// findings reach the sink once, sorted, before the next namespace is judged; view-wide findings
// join their namespace; cluster-wide ones come last. And the Event sessions the sink feeds: one
// namespace at a time, at most audit.eventsPerAudit created per audit, gone findings resolved.
import { Writable } from 'node:stream';
import t from 'tap';
import { auditByNamespace, type AuditSource } from '../../src/audit/audit.ts';
import { buildAuditPolicies } from '../../src/compose.ts';
import { EventRecorder } from '../../src/audit/events.ts';
import type { Finding } from '../../src/audit/findings.ts';
import type { Requester } from '../../src/audit/report-writer.ts';
import { ManifestView } from '../../src/cluster/manifest-view.ts';
import type { ApiResponse, RequestOptions } from '../../src/cluster/live/kube-client.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { KubeObject } from '../../src/kube/object.ts';
import { createLogger } from '../../src/server/logger.ts';

const NOW = new Date('2027-01-01T00:00:00Z');

const gateway = (namespace: string, name: string, secret: string): KubeObject => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { namespace, name },
  spec: {
    gatewayClassName: 'traefik',
    listeners: [{ name: 'websecure', port: 443, protocol: 'HTTPS', hostname: `${name}.example.com`, tls: { certificateRefs: [{ name: secret }] } }],
  },
});

const solverRoutes = (namespace: string, count: number): KubeObject[] =>
  Array.from({ length: count }, (_, index) => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: {
      namespace,
      name: `cm-acme-http-solver-${index}`,
      labels: { 'acme.cert-manager.io/http01-solver': 'true' },
      ownerReferences: [{ apiVersion: 'acme.cert-manager.io/v1', kind: 'Challenge', name: `c-${index}`, uid: `u-${index}`, controller: true }],
    },
    spec: {},
  }));

/** A source that records when each page is read, so the test sees the sink called in between. */
const sourceOf = (batches: Array<{ namespace: string; pages: KubeObject[][] }>, log: string[]): AuditSource => ({
  issuance: async () => [],
  batches: async function* () {
    for (const { namespace, pages } of batches) {
      yield {
        namespace,
        pages: (async function* () {
          for (const page of pages) {
            log.push(`read ${namespace}`);
            yield page;
          }
        })(),
      };
    }
  },
});

t.test('each namespace reaches the sink once, before the next is read; view-wide findings join theirs; cluster-wide last', async (t) => {
  const config = parseConfig({ policies: { 'gateway-listener-tls': { mode: 'enforce' }, 'acme-solver-cap': { maxPerNamespace: 2, maxClusterWide: 3 } } });
  const view = new ManifestView([...solverRoutes('crowded', 3)]);
  const policies = buildAuditPolicies(config, { logger: createLogger('silent') });
  const log: string[] = [];
  const source = sourceOf(
    [
      { namespace: 'apps', pages: [[gateway('apps', 'b', 'b-tls')], [gateway('apps', 'a', 'a-tls')]] },
      { namespace: 'web', pages: [[gateway('web', 'c', 'c-tls')]] },
    ],
    log,
  );
  const { objects } = await auditByNamespace({ source, view, config, policies, now: NOW }, async (namespace, findings) => {
    log.push(
      `sink ${namespace}: ${findings.map((finding) => `${finding.object ? `${finding.object.kind} ${finding.object.name}` : '(cluster)'} ${finding.rule}`).join(', ')}`,
    );
  });
  t.same(log, [
    'read apps',
    'read apps',
    'sink apps: Gateway a admission, Gateway b admission',
    'read web',
    'sink web: Gateway c admission',
    'sink crowded: Namespace crowded namespace-solver-cap',
    'sink : (cluster) cluster-solver-cap',
  ]);
  t.equal(objects, 3, 'the objects the source gave');
});

t.test('a source giving a namespace again after its findings were written fails the audit, naming it', async (t) => {
  const config = parseConfig({ policies: { 'gateway-listener-tls': { mode: 'enforce' } } });
  const policies = buildAuditPolicies(config, { logger: createLogger('silent') });
  const source = sourceOf(
    [
      { namespace: 'apps', pages: [[gateway('apps', 'a', 'a-tls')]] },
      { namespace: 'apps', pages: [[gateway('apps', 'b', 'b-tls')]] },
    ],
    [],
  );
  await t.rejects(
    auditByNamespace({ source, view: new ManifestView([]), config, policies, now: NOW }, async () => {}),
    { message: 'audit source gave namespace "apps" after its findings were written' },
  );
});

class EventApi implements Requester {
  readonly calls: string[] = [];
  async request(path: string, options: RequestOptions): Promise<ApiResponse> {
    this.calls.push(`${options.method ?? 'GET'} ${path}${options.method === 'PATCH' ? ` ${(options.body as { type: string }).type}` : ''}`);
    return { status: options.method === 'POST' ? 201 : 200, body: {} };
  }
}

const finding = (namespace: string, name: string, message = 'broken'): Finding => ({
  policy: 'gateway-listener-tls',
  rule: 'admission',
  result: 'fail',
  object: { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', namespace, name },
  message,
});

/** "POST apps/a", "PATCH apps/a Normal": the Event's namespace and the object it is about. */
const calls = (api: EventApi): string[] =>
  api.calls.map((call) =>
    call.replace(
      /\/api\/v1\/namespaces\/([^/]+)\/events(?:\/([^.]+)\.certguard\.[0-9a-f]{16})?/,
      (_all, namespace: string, name?: string) => `${namespace}${name ? `/${name}` : ''}`,
    ),
  );

t.test('Events: at most eventsPerAudit created per audit, the rest in the next audits; a gone finding resolved, per namespace and at finish', async (t) => {
  const api = new EventApi();
  const lines: string[] = [];
  const logger = createLogger('info', new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) }));
  const recorder = new EventRecorder(api, logger, 'certguard-0', 2);

  let session = recorder.begin(NOW);
  await session.record('apps', [finding('apps', 'a'), finding('apps', 'b'), finding('apps', 'a')]);
  await session.record('web', [finding('web', 'c')]);
  await session.finish();
  t.same(calls(api), ['POST apps', 'POST apps'], 'two Events (the repeated finding is one); web/c waits for a later audit');
  t.match(lines.join(''), /"skipped":1,"eventsPerAudit":2.*Events past audit.eventsPerAudit are left for the next audits/);

  api.calls.length = 0;
  session = recorder.begin(NOW);
  await session.record('apps', [finding('apps', 'a')]);
  await session.record('web', [finding('web', 'c')]);
  await session.finish();
  t.same(calls(api), ['PATCH apps/b Normal', 'POST web'], 'b went away: resolved; c gets its Event now; a is not posted again');

  api.calls.length = 0;
  session = recorder.begin(NOW);
  await session.record('web', [finding('web', 'c')]);
  await session.finish();
  t.same(calls(api), ['PATCH apps/a Normal'], 'a namespace the audit did not reach: its Events resolved at finish');
});
