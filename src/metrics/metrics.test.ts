import { readFile } from 'node:fs/promises';
import { register as globalRegistry } from 'prom-client';
import t from 'tap';
import { parse } from 'yaml';
import { review } from '../admission/complete.ts';
import type { AdmissionRequest } from '../admission/types.ts';
import type { KubeObject, Operation } from '../kube/object.ts';
import { ManifestView } from '../cluster/manifest-view.ts';
import { WATCHED_RESOURCE_IDS, type ResourceId } from '../cluster/resources.ts';
import type { ClusterView, ContentJudge, CountOptions, ListOptions, UsedKind } from '../cluster/view.ts';
import { createAcmeSolverCapPolicy } from '../policies/acme-solver-cap/policy.ts';
import { FindingCounts, registerAuditMetrics } from '../audit/metrics.ts';
import type { ResourceStats } from './metrics.ts';
import { buildMetrics as createMetrics } from '../compose-metrics.ts';

type Series = Record<string, number>;

const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;

/** Text exposition → { 'name{a="1",b="2"}': value } with labels sorted, comments skipped. */
const parseExposition = (text: string): Series => {
  const series: Series = {};
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not an exposition line: ${line}`);
    const [, name, labels = '', value = ''] = match;
    const pairs = [...labels.matchAll(LABEL)].map(([, k, v]) => `${k}="${v}"`).sort();
    series[pairs.length ? `${name}{${pairs.join(',')}}` : `${name}`] = Number(value);
  }
  return series;
};

const pick = (series: Series, prefix: string): Series => Object.fromEntries(Object.entries(series).filter(([key]) => key.startsWith(prefix)));

/** A view whose whole content can be replaced, so objects can also disappear (ManifestView only adds). */
class SwappableView implements ClusterView {
  current: ManifestView;
  constructor(objects: KubeObject[], unserved: ResourceId[] = []) {
    this.current = new ManifestView(objects, { unserved });
  }
  replace(objects: KubeObject[], unserved: ResourceId[] = []): void {
    this.current = new ManifestView(objects, { unserved });
  }
  add(object: KubeObject): void {
    this.current.add(object);
  }
  get(resource: ResourceId, namespace: string | undefined, name: string) {
    return this.current.get(resource, namespace, name);
  }
  has(resource: ResourceId, namespace: string | undefined, name: string) {
    return this.current.has(resource, namespace, name);
  }
  list(resource: ResourceId, options?: ListOptions) {
    return this.current.list(resource, options);
  }
  count(resource: ResourceId, options?: CountOptions) {
    return this.current.count(resource, options);
  }
  isServed(resource: ResourceId) {
    return this.current.isServed(resource);
  }
  isSynced(resource: ResourceId) {
    return this.current.isSynced(resource);
  }
  listenersUsing(namespace: string, name: string) {
    return this.current.listenersUsing(namespace, name);
  }
  tlsRefsUsing(kind: UsedKind, namespace: string, name: string) {
    return this.current.tlsRefsUsing(kind, namespace, name);
  }
  judgeSecret<T>(namespace: string, name: string, judge: ContentJudge<T>) {
    return this.current.judgeSecret(namespace, name, judge);
  }
  knownSecretVerdict<T>(namespace: string, name: string, judge: ContentJudge<T>) {
    return this.current.knownSecretVerdict(namespace, name, judge);
  }
  judgeConfigMap<T>(namespace: string, name: string, judge: ContentJudge<T>) {
    return this.current.judgeConfigMap(namespace, name, judge);
  }
  status() {
    return this.current.status();
  }
}

const SOLVER_LABELS = { 'acme.cert-manager.io/http01-solver': 'true' };
const challengeOwner = (name: string) => [{ apiVersion: 'acme.cert-manager.io/v1', kind: 'Challenge', name, uid: `uid-${name}`, controller: true }];

const solver = (namespace: string, name: string, kind: 'HTTPRoute' | 'Ingress' = 'HTTPRoute', owned = true): KubeObject => ({
  apiVersion: kind === 'HTTPRoute' ? 'gateway.networking.k8s.io/v1' : 'networking.k8s.io/v1',
  kind,
  metadata: { name, namespace, labels: SOLVER_LABELS, ownerReferences: owned ? challengeOwner(`ch-${name}`) : undefined },
});

const namespace = (name: string, annotations?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, annotations },
});

const placeholder = (ns: string, name: string, created: string, replaced = false): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: {
    name,
    namespace: ns,
    creationTimestamp: created,
    labels: { 'certguard.io/placeholder': 'true', 'app.kubernetes.io/managed-by': 'certguard' },
    // cert-manager overwrites the sentinel issuer with the real one when it issues.
    annotations: replaced
      ? { 'cert-manager.io/certificate-name': name, 'cert-manager.io/issuer-name': 'letsencrypt' }
      : { 'cert-manager.io/issuer-name': 'certguard.io/placeholder' },
  },
});

const secret = (ns: string, name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns } });

/** The view series a ManifestView yields: everything synced and served, with these object counts. */
const viewSeries = (objects: Partial<Record<ResourceId, number>>, unserved: ResourceId[] = []): Series => {
  const series: Series = { certguard_cluster_view_ready: 1 };
  for (const id of WATCHED_RESOURCE_IDS) {
    series[`certguard_cluster_view_objects{resource="${id}"}`] = objects[id] ?? 0;
    series[`certguard_cluster_view_served{resource="${id}"}`] = unserved.includes(id) ? 0 : 1;
    series[`certguard_cluster_view_synced{resource="${id}"}`] = 1;
  }
  return series;
};

const admissionRequest = (object: KubeObject, operation: Operation): AdmissionRequest => {
  const [group = '', version = ''] = (object.apiVersion ?? '').split('/');
  return {
    uid: `uid-${object.metadata?.name}`,
    kind: { group, version, kind: object.kind ?? '' },
    resource: { group, version, resource: object.kind === 'Ingress' ? 'ingresses' : 'httproutes' },
    namespace: object.metadata?.namespace,
    operation,
    object,
    oldObject: operation === 'UPDATE' ? object : null,
  };
};

t.test('a scrape after a sequence of reviews and cluster changes shows the admissions and the cluster as it is now', async (t) => {
  const view = new SwappableView([namespace('team-a', { 'certguard.io/max-solver-routes': '2' }), solver('team-a', 'r1')]);
  const metrics = createMetrics(view, { defaultMetrics: false });
  const policies = [
    createAcmeSolverCapPolicy({ mode: 'enforce', maxPerNamespace: 25, maxClusterWide: 200, namespaceAnnotation: 'certguard.io/max-solver-routes' }),
  ];
  // What the API server does with an admitted create: the object lands in the cluster (and the view).
  const apply = async (object: KubeObject, operation: Operation = 'CREATE') => {
    const request = admissionRequest(object, operation);
    const outcome = await review(request, policies, { view });
    metrics.recordReview(request, outcome.decisions);
    if (outcome.response.allowed && operation === 'CREATE') view.add(object);
    return outcome.response.allowed;
  };

  t.same(
    [
      await apply(solver('team-a', 'r2')),
      await apply(solver('team-a', 'r3')),
      await apply(solver('team-a', 'r1'), 'UPDATE'),
      await apply(solver('team-a', 'i1', 'Ingress')),
    ],
    [true, false, true, true],
    'second solver admitted, third denied at the annotation cap of 2, the UPDATE not judged, the Ingress counted apart',
  );
  view.add(solver('team-b', 'r9', 'HTTPRoute', false));
  view.add(placeholder('team-b', 'app-tls', '2026-03-22T18:00:00Z'));

  const series = parseExposition(await metrics.render());
  t.same(pick(series, 'certguard_admission_requests_total'), {
    'certguard_admission_requests_total{decision="allowed",kind="HTTPRoute",operation="CREATE",policy="acme-solver-cap"}': 1,
    'certguard_admission_requests_total{decision="denied",kind="HTTPRoute",operation="CREATE",policy="acme-solver-cap"}': 1,
    'certguard_admission_requests_total{decision="allowed",kind="Ingress",operation="CREATE",policy="acme-solver-cap"}': 1,
  });
  t.equal(series['certguard_admission_duration_seconds_count{policy="acme-solver-cap"}'], 3, 'three timed decisions');
  t.equal(series['certguard_admission_duration_seconds_bucket{le="+Inf",policy="acme-solver-cap"}'], 3);
  t.same(pick(series, 'certguard_acme_'), {
    'certguard_acme_solver_objects{kind="HTTPRoute",namespace="team-a"}': 2,
    'certguard_acme_solver_objects{kind="HTTPRoute",namespace="team-b"}': 1,
    'certguard_acme_solver_objects{kind="Ingress",namespace="team-a"}': 1,
    'certguard_acme_solver_objects_without_challenge{kind="HTTPRoute",namespace="team-b"}': 1,
    'certguard_acme_solver_objects_cluster{kind="HTTPRoute"}': 3,
    'certguard_acme_solver_objects_cluster{kind="Ingress"}': 1,
  });
  t.same(pick(series, 'certguard_placeholder_'), {
    'certguard_placeholder_secrets{namespace="team-b"}': 1,
    'certguard_placeholder_secret_oldest_timestamp_seconds{namespace="team-b"}': Date.parse('2026-03-22T18:00:00Z') / 1000,
  });
  t.same(pick(series, 'certguard_cluster_view_'), viewSeries({ namespaces: 1, 'solver-httproutes': 3, 'solver-ingresses': 1, secrets: 1 }));
});

t.test('durations land in sub-millisecond to second buckets', async (t) => {
  const metrics = createMetrics(new ManifestView(), { defaultMetrics: false });
  for (const seconds of [0.00005, 0.0003, 0.0007, 0.004, 1.7]) {
    metrics.recordDecision({ policy: 'gateway-listener-tls', operation: 'CREATE', kind: 'Gateway', decision: 'allowed', seconds });
  }
  metrics.recordDecision({ policy: 'gateway-listener-tls', operation: 'UPDATE', kind: 'Gateway', decision: 'errored', seconds: 12 });
  const series = parseExposition(await metrics.render());
  const le = (bound: string) => `certguard_admission_duration_seconds_bucket{le="${bound}",policy="gateway-listener-tls"}`;
  t.same(pick(series, 'certguard_admission_duration_seconds'), {
    [le('0.0001')]: 1,
    [le('0.00025')]: 1,
    [le('0.0005')]: 2,
    [le('0.001')]: 3,
    [le('0.0025')]: 3,
    [le('0.005')]: 4,
    [le('0.01')]: 4,
    [le('0.025')]: 4,
    [le('0.05')]: 4,
    [le('0.1')]: 4,
    [le('0.25')]: 4,
    [le('0.5')]: 4,
    [le('1')]: 4,
    [le('2.5')]: 5,
    [le('5')]: 5,
    [le('10')]: 5,
    [le('+Inf')]: 6,
    'certguard_admission_duration_seconds_sum{policy="gateway-listener-tls"}': 0.00005 + 0.0003 + 0.0007 + 0.004 + 1.7 + 12,
    'certguard_admission_duration_seconds_count{policy="gateway-listener-tls"}': 6,
  });
  t.same(pick(series, 'certguard_admission_requests_total'), {
    'certguard_admission_requests_total{decision="allowed",kind="Gateway",operation="CREATE",policy="gateway-listener-tls"}': 5,
    'certguard_admission_requests_total{decision="errored",kind="Gateway",operation="UPDATE",policy="gateway-listener-tls"}': 1,
  });
});

t.test('cluster gauges follow the view between scrapes, and a namespace that empties disappears', async (t) => {
  const view = new SwappableView([solver('a', 'r1'), solver('a', 'r2'), solver('b', 'r3'), placeholder('a', 'old-tls', '2026-03-01T00:00:00Z')]);
  const metrics = createMetrics(view, { defaultMetrics: false });
  const scrape = async () => parseExposition(await metrics.render());

  t.same(pick(await scrape(), 'certguard_acme_solver_objects{'), {
    'certguard_acme_solver_objects{kind="HTTPRoute",namespace="a"}': 2,
    'certguard_acme_solver_objects{kind="HTTPRoute",namespace="b"}': 1,
  });

  view.add(solver('b', 'r4'));
  view.add(placeholder('a', 'newer-tls', '2026-03-02T00:00:00Z'));
  view.add(placeholder('c', 'issued-tls', '2026-02-01T00:00:00Z', true));
  view.add(secret('c', 'unrelated'));
  let series = await scrape();
  t.same(pick(series, 'certguard_acme_solver_objects{'), {
    'certguard_acme_solver_objects{kind="HTTPRoute",namespace="a"}': 2,
    'certguard_acme_solver_objects{kind="HTTPRoute",namespace="b"}': 2,
  });
  t.same(
    pick(series, 'certguard_placeholder_'),
    {
      'certguard_placeholder_secrets{namespace="a"}': 2,
      'certguard_placeholder_secret_oldest_timestamp_seconds{namespace="a"}': Date.parse('2026-03-01T00:00:00Z') / 1000,
    },
    'a placeholder cert-manager has written its certificate into is no longer counted',
  );

  // Namespace "a" is deleted with everything in it.
  view.replace([solver('b', 'r3'), solver('b', 'r4')]);
  series = await scrape();
  t.same(pick(series, 'certguard_acme_'), {
    'certguard_acme_solver_objects{kind="HTTPRoute",namespace="b"}': 2,
    'certguard_acme_solver_objects_cluster{kind="HTTPRoute"}': 2,
    'certguard_acme_solver_objects_cluster{kind="Ingress"}': 0,
  });
  t.same(pick(series, 'certguard_placeholder_'), {});

  // Gateway API uninstalled: no HTTPRoute series at all rather than a misleading 0.
  view.replace([], ['solver-httproutes']);
  series = await scrape();
  t.same(pick(series, 'certguard_acme_'), { 'certguard_acme_solver_objects_cluster{kind="Ingress"}': 0 });
  t.equal(series['certguard_cluster_view_served{resource="solver-httproutes"}'], 0);
});

t.test('a view with resourceStats and status reports its own sync state', async (t) => {
  let ready = false;
  const stats: ResourceStats[] = [
    { resource: 'secrets', synced: true, objects: 50000 },
    { resource: 'gateways', synced: false, objects: 0 },
  ];
  const manifest = new ManifestView();
  const view = {
    get: manifest.get.bind(manifest),
    list: manifest.list.bind(manifest),
    count: manifest.count.bind(manifest),
    isServed: (resource: ResourceId) => resource !== 'listenersets',
    isSynced: manifest.isSynced.bind(manifest),
    listenersUsing: manifest.listenersUsing.bind(manifest),
    tlsRefsUsing: manifest.tlsRefsUsing.bind(manifest),
    resourceStats: () => stats,
    status: () => ({ ready, notReady: ready ? [] : ['gateways: API server unreachable'] }),
  };
  const metrics = createMetrics(view, { defaultMetrics: false });
  let series = parseExposition(await metrics.render());
  t.same(pick(series, 'certguard_cluster_view_synced'), {
    'certguard_cluster_view_synced{resource="secrets"}': 1,
    'certguard_cluster_view_synced{resource="gateways"}': 0,
  });
  t.same(pick(series, 'certguard_cluster_view_objects'), {
    'certguard_cluster_view_objects{resource="secrets"}': 50000,
    'certguard_cluster_view_objects{resource="gateways"}': 0,
  });
  t.equal(series['certguard_cluster_view_served{resource="listenersets"}'], 0);
  t.equal(series['certguard_cluster_view_ready'], 0);
  ready = true;
  stats[1] = { resource: 'gateways', synced: true, objects: 2000 };
  series = parseExposition(await metrics.render());
  t.equal(series['certguard_cluster_view_ready'], 1);
  t.equal(series['certguard_cluster_view_synced{resource="gateways"}'], 1);
  t.equal(series['certguard_cluster_view_objects{resource="gateways"}'], 2000);
});

t.test('each instance has its own registry, with the process defaults, and nothing in the global one', async (t) => {
  const first = createMetrics(new ManifestView());
  const second = createMetrics(new ManifestView(), { defaultMetrics: false });
  first.recordDecision({ policy: 'acme-solver-cap', operation: 'CREATE', kind: 'HTTPRoute', decision: 'denied', seconds: 0.001 });
  const firstSeries = parseExposition(await first.render());
  const secondSeries = parseExposition(await second.render());
  t.ok(firstSeries['process_cpu_user_seconds_total'] !== undefined, 'process defaults under their standard names');
  t.ok(
    Object.keys(firstSeries).some((key) => key.startsWith('nodejs_heap_size_used_bytes')),
    'nodejs defaults',
  );
  t.equal(secondSeries['process_cpu_user_seconds_total'], undefined, 'defaults can be left out');
  t.same(pick(secondSeries, 'certguard_admission_requests_total'), {}, 'counters are not shared between instances');
  t.equal((await globalRegistry.metrics()).includes('certguard_'), false, 'the global registry stays empty');
  t.equal(first.contentType, 'text/plain; version=0.0.4; charset=utf-8');
});

t.test('every metric the alert rules use is one certguard exposes', async (t) => {
  const rules = parse(await readFile(new URL('../../docs/prometheus-rules.yaml', import.meta.url), 'utf8')) as {
    groups: Array<{
      name: string;
      rules: Array<{ alert?: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }>;
    }>;
  };
  const view = new ManifestView([solver('a', 'r1'), solver('a', 'r2', 'HTTPRoute', false), placeholder('a', 'x-tls', '2026-03-01T00:00:00Z')]);
  const metrics = createMetrics(view, { defaultMetrics: false });
  metrics.recordDecision({ policy: 'acme-solver-cap', operation: 'CREATE', kind: 'HTTPRoute', decision: 'denied', seconds: 0.001 });
  // serve --audit registers the audit's series on the same registry (src/audit/metrics.ts).
  registerAuditMetrics(metrics.registry).recordSuccess(
    new FindingCounts().add([{ policy: 'gateway-listener-tls', rule: 'admission', result: 'fail', message: 'm' }]),
    0.5,
    new Date(),
  );
  const exposed = new Set(Object.keys(parseExposition(await metrics.render())).map((key) => key.replace(/\{.*$/, '')));
  const alerts = rules.groups.flatMap((group) => group.rules);
  t.ok(alerts.length >= 5, 'the rules file has the alerts');
  for (const rule of alerts) {
    t.ok(rule.alert && /^Certguard[A-Za-z]+$/.test(rule.alert), `${rule.alert}: named CertguardSomething`);
    t.ok(['warning', 'critical'].includes(rule.labels?.severity ?? ''), `${rule.alert}: has a severity`);
    t.ok(rule.annotations?.summary && rule.annotations?.description, `${rule.alert}: has a summary and a description`);
    const used = rule.expr.match(/certguard_[a-z_]+/g) ?? [];
    t.ok(used.length > 0, `${rule.alert}: uses a certguard metric`);
    for (const name of used) t.ok(exposed.has(name), `${rule.alert}: ${name} is exposed`);
  }
  t.same(
    alerts.map((rule) => rule.alert),
    [
      'CertguardAcmeSolverObjectsHigh',
      'CertguardAcmeSolverObjectsHighInNamespace',
      'CertguardAcmeSolverCapDenying',
      'CertguardPlaceholderSecretOld',
      'CertguardInUseSecretDeleted',
      'CertguardClusterViewNotSynced',
      'CertguardAuditStale',
      'CertguardAuditFindings',
      'CertguardMetricsAbsent',
    ],
  );
});
