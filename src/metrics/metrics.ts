// Prometheus metrics for certguard, on their own Registry (never prom-client's global one, so
// tests and a second instance never share counters). Admission counters are fed from review()'s
// decisions; everything about the cluster is computed from the view at scrape time, so a scrape
// always shows the current cluster, not the state at the last admission (seed 001: 22,514 solver
// HTTPRoutes piled up for 15 hours without one alert).
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Decision, PolicyDecision } from '../admission/complete.ts';
import type { KubeObject } from '../kube/object.ts';
import { RESOURCES, type ResourceId } from '../cluster/resources.ts';
import type { ClusterView, ViewStatus } from '../cluster/view.ts';
import { countSolvers, SOLVER_RESOURCES } from '../policies/acme-solver-cap/solvers.ts';
import { listPlaceholders } from '../policies/gateway-listener-tls/placeholder-labels.ts';
import { IN_USE_DELETION_REASONS, type InUseDeletionReason } from '../policies/tls-secret-in-use/system-users.ts';

/** Per-resource state of a live view. The live view implements this; see ResourceStats. */
export type ResourceStats = {
  resource: ResourceId;
  /**
   * True when the view's answer for this resource is current: listed and watching, or the API
   * server said the resource is not served (its CRD is absent). False while listing/watching
   * has not succeeded yet or has been disconnected longer than the staleness bound.
   */
  synced: boolean;
  /** Objects in the cache for this resource. */
  objects: number;
};

export type ViewStats = { resourceStats(): ResourceStats[] };

/** The live view's Secret content verdict cache (live/verdict-cache.ts): lookups answered, and its size. */
export type VerdictCacheStats = { verdictStats(): { hits: number; misses: number; entries: number; bytes: number } };

/** What the metrics read: the policies' view, plus its status and per-resource stats when it has them. */
export type MetricsView = Omit<ClusterView, 'judgeSecret' | 'has'> & Partial<ViewStats> & Partial<VerdictCacheStats> & { status?(): ViewStatus };

export type DecisionRecord = {
  policy: string;
  /** The request's operation: CREATE, UPDATE, DELETE, CONNECT. */
  operation: string;
  /** The request's kind, e.g. HTTPRoute. */
  kind: string;
  decision: Decision;
  seconds: number;
  /** The review's deadline cut this policy short. */
  deadlineExceeded?: boolean;
};

export type Metrics = {
  registry: Registry;
  contentType: string;
  recordDecision(record: DecisionRecord): void;
  /** recordDecision for each of review()'s decisions on one request. */
  recordReview(request: { operation: string; kind: { kind: string } }, decisions: PolicyDecision[]): void;
  /** tls-secret-in-use let an in-use TLS Secret's deletion through (system user or break glass). */
  recordInUseDeletion(reason: InUseDeletionReason): void;
  /** A break-glass annotation took effect (admitted, not a dry run). */
  recordBreakGlass(policy: string, namespace: string): void;
  /** The text exposition for GET /metrics. */
  render(): Promise<string>;
};

export type MetricsOptions = {
  /** process_* and nodejs_* metrics (default true; tests that assert whole outputs turn them off). */
  defaultMetrics?: boolean;
};

// From 100 µs (a view-only policy) through milliseconds (a live GET to the API server) to seconds
// (placeholder key generation under load); a review ends at its deadline (--request-timeout,
// default 4 s), below the API server's webhook timeout (10 s by default, 30 s at most).
const DURATION_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const countBy = <K extends string>(objects: KubeObject[], key: (object: KubeObject) => K | undefined): Map<K, number> => {
  const counts = new Map<K, number>();
  for (const object of objects) {
    const k = key(object);
    if (k !== undefined) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
};

const namespaceOf = (object: KubeObject): string => object.metadata?.namespace ?? '';

const createdSeconds = (object: KubeObject): number | undefined => {
  const millis = Date.parse(object.metadata?.creationTimestamp ?? '');
  return Number.isNaN(millis) ? undefined : millis / 1000;
};

const sum = (counts: Map<string, number>): number => [...counts.values()].reduce((total, count) => total + count, 0);

/** A view without resourceStats (the ManifestView) is loaded up front: all it serves is synced. */
const getResourceStats = (view: MetricsView): ResourceStats[] =>
  view.resourceStats?.() ??
  Object.values(RESOURCES).map((info) => ({ resource: info.id, synced: true, objects: view.isServed(info.id) ? sum(view.count(info.id)) : 0 }));

const registerAdmissionMetrics = (registry: Registry) => {
  const requests = new Counter({
    name: 'certguard_admission_requests_total',
    help: 'Admission requests judged, per policy, operation, kind and decision (allowed, denied, warned, undecided, errored).',
    labelNames: ['policy', 'operation', 'kind', 'decision'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'certguard_admission_duration_seconds',
    help: 'Time one policy took to judge one admission request.',
    labelNames: ['policy'] as const,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const deadlineExceeded = new Counter({
    name: 'certguard_admission_deadline_exceeded_total',
    help: 'Reviews whose deadline (--request-timeout) cut a policy short: it gave its "could not decide" verdict.',
    labelNames: ['policy'] as const,
    registers: [registry],
  });
  return (record: DecisionRecord): void => {
    requests.inc({ policy: record.policy, operation: record.operation, kind: record.kind, decision: record.decision });
    duration.observe({ policy: record.policy }, record.seconds);
    if (record.deadlineExceeded) deadlineExceeded.inc({ policy: record.policy });
  };
};

const registerInUseMetrics = (registry: Registry) => {
  const deletions = new Counter({
    name: 'certguard_in_use_deletions_total',
    help: 'TLS Secrets a listener still referenced whose deletion tls-secret-in-use let through, by reason (garbage-collector, namespace-deletion, kube-controller-manager, break-glass). Dry runs are not counted.',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  // Every reason present from the start, so increase() and alerts see the first deletion.
  for (const reason of IN_USE_DELETION_REASONS) deletions.inc({ reason }, 0);
  return (reason: InUseDeletionReason): void => deletions.inc({ reason });
};

const registerBreakGlassMetrics = (registry: Registry) => {
  const uses = new Counter({
    name: 'certguard_break_glass_total',
    help: 'Requests a break-glass annotation (skip-dns-check, allow-delete, allow-unusable, skip-issuable-check) let past a policy, by policy and namespace. Dry runs are not counted.',
    labelNames: ['policy', 'namespace'] as const,
    registers: [registry],
  });
  return (policy: string, namespace: string): void => uses.inc({ policy, namespace });
};

const registerSolverMetrics = (registry: Registry, view: MetricsView): void => {
  // Counted by the view, not listed: a scrape during a flood must not build 100,000 objects.
  const served = () => SOLVER_RESOURCES.filter((info) => view.isServed(info.id)).map((info) => ({ info, counts: countSolvers(view, info) }));
  new Gauge({
    name: 'certguard_acme_solver_objects',
    help: 'ACME HTTP-01 solver objects (labelled acme.cert-manager.io/http01-solver=true) per namespace and kind; namespaces with none have no series.',
    labelNames: ['namespace', 'kind'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const { info, counts } of served()) {
        for (const [namespace, count] of counts.all) this.set({ namespace, kind: info.kind }, count);
      }
    },
  });
  new Gauge({
    name: 'certguard_acme_solver_objects_without_challenge',
    help: 'Solver-labelled objects with no ownerReference to an acme.cert-manager.io Challenge, per namespace and kind (included in certguard_acme_solver_objects).',
    labelNames: ['namespace', 'kind'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const { info, counts } of served()) {
        for (const [namespace, count] of counts.all) {
          const unowned = count - (counts.owned.get(namespace) ?? 0);
          if (unowned > 0) this.set({ namespace, kind: info.kind }, unowned);
        }
      }
    },
  });
  new Gauge({
    name: 'certguard_acme_solver_objects_cluster',
    help: 'ACME HTTP-01 solver objects in the whole cluster per kind (the sum of certguard_acme_solver_objects, present even when 0).',
    labelNames: ['kind'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const { info, counts } of served()) this.set({ kind: info.kind }, sum(counts.all));
    },
  });
};

const registerPlaceholderMetrics = (registry: Registry, view: MetricsView): void => {
  const placeholders = () => (view.isServed('secrets') ? listPlaceholders(view) : []);
  new Gauge({
    name: 'certguard_placeholder_secrets',
    help: 'Placeholder TLS Secrets created by certguard that cert-manager has not replaced yet, per namespace.',
    labelNames: ['namespace'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [namespace, count] of countBy(placeholders(), namespaceOf)) this.set({ namespace }, count);
    },
  });
  new Gauge({
    name: 'certguard_placeholder_secret_oldest_timestamp_seconds',
    help: 'Creation time (Unix seconds) of the oldest placeholder Secret still in place, per namespace.',
    labelNames: ['namespace'] as const,
    registers: [registry],
    collect() {
      this.reset();
      const oldest = new Map<string, number>();
      for (const secret of placeholders()) {
        const created = createdSeconds(secret);
        const namespace = namespaceOf(secret);
        if (created !== undefined && created < (oldest.get(namespace) ?? Infinity)) oldest.set(namespace, created);
      }
      for (const [namespace, created] of oldest) this.set({ namespace }, created);
    },
  });
};

const registerViewMetrics = (registry: Registry, view: MetricsView): void => {
  new Gauge({
    name: 'certguard_cluster_view_synced',
    help: '1 when the cluster view is current for the resource (listed and watching, or known not served), else 0.',
    labelNames: ['resource'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const stats of getResourceStats(view)) this.set({ resource: stats.resource }, stats.synced ? 1 : 0);
    },
  });
  new Gauge({
    name: 'certguard_cluster_view_objects',
    help: 'Objects in the cluster view cache per resource.',
    labelNames: ['resource'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const stats of getResourceStats(view)) this.set({ resource: stats.resource }, stats.objects);
    },
  });
  new Gauge({
    name: 'certguard_cluster_view_served',
    help: '1 when the API server serves the resource (its CRD is installed), else 0: policies needing it idle.',
    labelNames: ['resource'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const info of Object.values(RESOURCES)) this.set({ resource: info.id }, view.isServed(info.id) ? 1 : 0);
    },
  });
  if (!view.status) return;
  const status = view.status.bind(view);
  new Gauge({
    name: 'certguard_cluster_view_ready',
    help: '1 when the cluster view as a whole is ready (what /readyz reports), else 0.',
    registers: [registry],
    collect() {
      this.set(status().ready ? 1 : 0);
    },
  });
};

const registerVerdictMetrics = (registry: Registry, stats: () => ReturnType<VerdictCacheStats['verdictStats']>): void => {
  new Counter({
    name: 'certguard_secret_verdict_cache_lookups_total',
    help: 'Secret content verdicts asked of the live view: result="hit" answered from the cache (the Secret unchanged since), "miss" needed a GET of the Secret.',
    labelNames: ['result'] as const,
    registers: [registry],
    collect() {
      const { hits, misses } = stats();
      this.reset();
      this.inc({ result: 'hit' }, hits);
      this.inc({ result: 'miss' }, misses);
    },
  });
  new Gauge({
    name: 'certguard_secret_verdict_cache_entries',
    help: 'Secret content verdicts the live view keeps (bounded; no Secret data is kept).',
    registers: [registry],
    collect() {
      this.set(stats().entries);
    },
  });
  new Gauge({
    name: 'certguard_secret_verdict_cache_bytes',
    help: 'Estimated memory of the kept Secret content verdicts (bounded).',
    registers: [registry],
    collect() {
      this.set(stats().bytes);
    },
  });
};

const MISNAMED_DEFAULT_GAUGES = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

export const createMetrics = (view: MetricsView, options: MetricsOptions = {}): Metrics => {
  const registry = new Registry();
  const recordDecision = registerAdmissionMetrics(registry);
  const recordInUseDeletion = registerInUseMetrics(registry);
  const recordBreakGlass = registerBreakGlassMetrics(registry);
  registerSolverMetrics(registry, view);
  registerPlaceholderMetrics(registry, view);
  registerViewMetrics(registry, view);
  if (view.verdictStats) registerVerdictMetrics(registry, view.verdictStats.bind(view));
  // Standard names (process_cpu_seconds_total, nodejs_heap_size_used_bytes, ...), unprefixed, so
  // the usual Node.js dashboards and process alerts work on certguard unchanged.
  if (options.defaultMetrics !== false) {
    collectDefaultMetrics({ register: registry });
    // Gauges named like counters (`promtool check metrics`: "non-counter metrics should not have
    // _total suffix"); nodejs_active_handles/_requests/_resources carry the same numbers.
    for (const name of MISNAMED_DEFAULT_GAUGES) registry.removeSingleMetric(name);
  }
  return {
    registry,
    contentType: registry.contentType,
    recordDecision,
    recordInUseDeletion,
    recordBreakGlass,
    recordReview(request, decisions) {
      for (const { policy, decision, seconds, deadlineExceeded } of decisions) recordDecision({ policy, operation: request.operation, kind: request.kind.kind, decision, seconds, deadlineExceeded });
    },
    render: () => registry.metrics(),
  };
};
