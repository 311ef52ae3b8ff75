// Prometheus metrics for certguard, on their own Registry (never prom-client's global one, so
// tests and a second instance never share counters). Admission counters are fed from review()'s
// decisions; everything about the cluster is computed from the view at scrape time, so a scrape
// always shows the current cluster, not the state at the last admission (incident 001: 22,514 solver
// HTTPRoutes piled up for 15 hours without one alert).
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Decision, PolicyDecision } from '../admission/complete.ts';
import { WATCHED_RESOURCE_IDS, type ResourceId } from '../cluster/resources.ts';
import type { ClusterView, ViewStatus } from '../cluster/view.ts';

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
export type MetricsView = Omit<ClusterView, 'judgeSecret' | 'knownSecretVerdict' | 'judgeConfigMap' | 'has'> &
  Partial<ViewStats> &
  Partial<VerdictCacheStats> & { status?(): ViewStatus };

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

const sum = (counts: Map<string, number>): number => [...counts.values()].reduce((total, count) => total + count, 0);

/** A view without resourceStats (the ManifestView) is loaded up front: all it serves is synced. */
const getResourceStats = (view: MetricsView): ResourceStats[] =>
  view.resourceStats?.() ?? WATCHED_RESOURCE_IDS.map((id) => ({ resource: id, synced: true, objects: view.isServed(id) ? sum(view.count(id)) : 0 }));

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

const registerBreakGlassMetrics = (registry: Registry) => {
  const uses = new Counter({
    name: 'certguard_break_glass_total',
    help: 'Requests a break-glass annotation (skip-dns-check, allow-delete, allow-unusable, skip-issuable-check) let past a policy, by policy and namespace. Dry runs are not counted.',
    labelNames: ['policy', 'namespace'] as const,
    registers: [registry],
  });
  return (policy: string, namespace: string): void => uses.inc({ policy, namespace });
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
      for (const id of WATCHED_RESOURCE_IDS) this.set({ resource: id }, view.isServed(id) ? 1 : 0);
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
  const recordBreakGlass = registerBreakGlassMetrics(registry);
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
    recordBreakGlass,
    recordReview(request, decisions) {
      for (const { policy, decision, seconds, deadlineExceeded } of decisions)
        recordDecision({ policy, operation: request.operation, kind: request.kind.kind, decision, seconds, deadlineExceeded });
    },
    render: () => registry.metrics(),
  };
};
