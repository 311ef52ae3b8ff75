// The read-only cluster view policies judge against. Two implementations share it:
// the manifest-backed view (a folder of YAML: dev, tests, offline check) and the live,
// informer-backed view. Policy tests use the manifest view and never change with the live one.
import type { KubeObject } from '../kube/object.ts';
import type { ResourceId } from './resources.ts';

export type ListOptions = {
  /** Only objects in this namespace (omit for all namespaces / cluster-scoped). */
  namespace?: string;
  /** Equality-based selector: every pair must match. */
  labels?: Record<string, string>;
};

export type GetOptions = {
  /** Secrets: also `type` and `data` (a live GET; the cache holds metadata only). */
  content?: boolean;
  /** The review's deadline: a live GET stops when it aborts. */
  signal?: AbortSignal;
};

/**
 * A pure function from a Secret (with its data) to a small verdict that does not depend on the
 * clock (keep a certificate's notAfter in it, and compare with the time outside). The view
 * remembers a verdict, never the Secret, for as long as the Secret is unchanged; `id` names the
 * function in that memory (two policies' verdicts on one Secret are told apart by it).
 */
export type ContentJudge<T> = { readonly id: string; judge(secret: KubeObject): T };

export type CountOptions = ListOptions & {
  /** Only objects with an ownerReference of this kind in this API group (any version). */
  ownedBy?: { group: string; kind: string };
};

export type ClusterView = {
  /**
   * One object by name, or undefined when it does not exist. The live view answers from its
   * cache, but confirms a "missing" with a live GET (a GitOps sync applies a Secret and the
   * Gateway that references it together; the watch may lag). For Secrets the cache holds
   * metadata only: pass `{ content: true }` to get `type` and `data` (a live GET).
   */
  get(resource: ResourceId, namespace: string | undefined, name: string, options?: GetOptions): Promise<KubeObject | undefined>;
  /**
   * `judge`'s verdict on a Secret's content, or undefined when the Secret does not exist. The
   * policy stays a pure function of the Secret; where the verdict comes from is the view's
   * business. The live view keeps it keyed by the Secret's resourceVersion from its metadata cache
   * and GETs the Secret only when the watch has reported a change since (or never saw it);
   * concurrent callers share one GET. The manifest view judges each stored object once.
   */
  judgeSecret<T>(namespace: string, name: string, judge: ContentJudge<T>, options?: Pick<GetOptions, 'signal'>): Promise<T | undefined>;
  /** Objects from the cache (may be a few milliseconds stale; fine for counting). */
  list(resource: ResourceId, options?: ListOptions): KubeObject[];
  /**
   * How many cached objects match, per namespace ('' for cluster-scoped); namespaces with none
   * are absent. For caps and gauges over 100,000 solver routes: the live view counts without
   * building an object per entry, as list() must.
   */
  count(resource: ResourceId, options?: CountOptions): Map<string, number>;
  /** False while the resource's API (its CRD) is not served: policies that need it idle. */
  isServed(resource: ResourceId): boolean;
};

/** Readiness of a view, for /readyz. Not part of what policies see. */
export type ViewStatus = {
  ready: boolean;
  /** Human-readable items not synced yet, e.g. "gateways: API server unreachable (connect ECONNREFUSED)". */
  notReady: string[];
};

export type StatefulView = ClusterView & {
  status(): ViewStatus;
  start(): Promise<void>;
  stop(): Promise<void>;
};

/** The API group of an apiVersion: "acme.cert-manager.io/v1" → "acme.cert-manager.io", "v1" → "". */
export const groupOf = (apiVersion: string | undefined): string => {
  const slash = apiVersion?.indexOf('/') ?? -1;
  return apiVersion && slash >= 0 ? apiVersion.slice(0, slash) : '';
};

export const isOwnedBy = (object: KubeObject, owner: CountOptions['ownedBy']): boolean =>
  !owner || (object.metadata?.ownerReferences ?? []).some((ref) => ref.kind === owner.kind && groupOf(ref.apiVersion) === owner.group);

/** count() over objects at hand (the manifest view, tests). */
export const countByNamespace = (objects: Iterable<KubeObject>, options: CountOptions = {}): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const object of objects) {
    const namespace = object.metadata?.namespace ?? '';
    if (options.namespace !== undefined && namespace !== options.namespace) continue;
    if (!matchesLabels(object, options.labels) || !isOwnedBy(object, options.ownedBy)) continue;
    counts.set(namespace, (counts.get(namespace) ?? 0) + 1);
  }
  return counts;
};

export const matchesLabels = (object: KubeObject, labels: Record<string, string> | undefined): boolean => {
  if (!labels) return true;
  const have = object.metadata?.labels ?? {};
  return Object.entries(labels).every(([key, value]) => have[key] === value);
};
