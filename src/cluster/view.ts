// The read-only cluster view policies judge against. Two implementations share it:
// the manifest-backed view (a folder of YAML: dev, tests, offline check) and the live,
// informer-backed view. Policy tests use the manifest view and never change with the live one.
import type { KubeObject } from '../kube/object.ts';
import { groupOf } from '../kube/groups.ts';
import type { ResourceId } from './resources.ts';
import type { ListenerUse, TlsRefUse, UsedKind } from './secret-usage.ts';

export type { ListenerUse, TlsRefUse, UsedKind } from './secret-usage.ts';

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
 * A pure function from a Secret or ConfigMap (with its data) to a small verdict that does not depend on the
 * clock (keep a certificate's notAfter in it, and compare with the time outside). The view
 * remembers a verdict, never the Secret, for as long as the Secret is unchanged; `id` names the
 * function in that memory (two policies' verdicts on one Secret are told apart by it).
 */
export type ContentJudge<T> = { readonly id: string; judge(secret: KubeObject): T };

export type JudgeOptions = Pick<GetOptions, 'signal'> & {
  /**
   * false: a verdict the view has to fetch is not kept (one it kept still answers). For a reader
   * that goes over every Secret once per cycle (the audit): kept, its verdicts would fill the
   * view's memory with what is asked for again only minutes later, and push out the ones reviews
   * use.
   */
  keep?: boolean;
};

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
  judgeSecret<T>(namespace: string, name: string, judge: ContentJudge<T>, options?: JudgeOptions): Promise<T | undefined>;
  /**
   * The verdict judgeSecret would answer at once, if the view holds it for the Secret's current
   * version (`{ verdict }`); undefined when only judgeSecret can tell (a GET, a missing Secret).
   * A steady review finds all its listeners' verdicts here without a promise per listener.
   */
  knownSecretVerdict<T>(namespace: string, name: string, judge: ContentJudge<T>): { readonly verdict: T } | undefined;
  /**
   * `judge`'s verdict on a ConfigMap, or undefined when it does not exist. ConfigMaps are not
   * watched (resources.ts getOnly): the live view GETs the ConfigMap on each call and keeps
   * nothing, since without a watch no version says a kept verdict still holds.
   */
  judgeConfigMap<T>(namespace: string, name: string, judge: ContentJudge<T>, options?: Pick<GetOptions, 'signal'>): Promise<T | undefined>;
  /**
   * Whether the cache holds the object now: never a live GET, so a review can ask it for every
   * solver it admitted and the cache has not shown yet (acme-solver-cap's ledger).
   */
  has(resource: ResourceId, namespace: string | undefined, name: string): boolean;
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
  /**
   * False until the resource's cache holds a complete list (true at once when its API is known
   * not to be served: then no such object exists). Policies that must not guess from a partial
   * cache (tls-secret-in-use) allow with a warning until then.
   */
  isSynced(resource: ResourceId): boolean;
  /**
   * The Gateway and ListenerSet listeners that terminate TLS and reference Secret namespace/name
   * in their certificateRefs (cross-namespace refs included, permitted or not), from a reverse
   * index the view keeps current: one lookup, no API call.
   */
  listenersUsing(namespace: string, name: string): ListenerUse[];
  /**
   * The references outside the listeners that use Secret or ConfigMap namespace/name: a Gateway's
   * spec.tls CA bundles and backend client certificate, a BackendTLSPolicy's CA bundles
   * (cross-namespace refs included, permitted or not), from the same reverse index.
   */
  tlsRefsUsing(kind: UsedKind, namespace: string, name: string): TlsRefUse[];
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

/**
 * A read the view could not answer: the API server is unreachable, answered an error, or the
 * review's deadline passed first. Not a bug: the policy could not decide (complete.ts gives its
 * "could not decide" verdict). The message names what could not be read.
 */
export class ViewReadError extends Error {}

/** Why a review's signal aborted, for messages: the deadline, or the API server hung up. */
export const abortedBecause = (signal: AbortSignal): string =>
  (signal.reason as { name?: string } | undefined)?.name === 'TimeoutError'
    ? "the review's deadline passed first"
    : 'the API server stopped waiting for the answer';

/** `view` with some of its methods replaced (a live view is a class: its methods cannot be spread). */
export const overriding = (view: ClusterView, overrides: Partial<ClusterView>): ClusterView => ({
  get: (resource, namespace, name, options) => view.get(resource, namespace, name, options),
  has: (resource, namespace, name) => view.has(resource, namespace, name),
  list: (resource, options) => view.list(resource, options),
  count: (resource, options) => view.count(resource, options),
  isServed: (resource) => view.isServed(resource),
  isSynced: (resource) => view.isSynced(resource),
  listenersUsing: (namespace, name) => view.listenersUsing(namespace, name),
  tlsRefsUsing: (kind, namespace, name) => view.tlsRefsUsing(kind, namespace, name),
  judgeSecret: (namespace, name, judge, options) => view.judgeSecret(namespace, name, judge, options),
  // A replaced judgeSecret answers every verdict: the view's own must not answer around it.
  knownSecretVerdict: overrides.judgeSecret ? () => undefined : (namespace, name, judge) => view.knownSecretVerdict(namespace, name, judge),
  judgeConfigMap: (namespace, name, judge, options) => view.judgeConfigMap(namespace, name, judge, options),
  ...overrides,
});

/** `options` with `signal` unless they carry one: no copy when they do (25 lookups per review). */
const signalled = <T extends { signal?: AbortSignal }>(options: T | undefined, signal: AbortSignal): T =>
  options?.signal ? options : ({ ...options, signal } as T);

/** `view` with the review's signal on every get(): a policy reads through it without passing the signal itself. */
export const withSignal = (view: ClusterView, signal: AbortSignal): ClusterView =>
  overriding(view, {
    get: (resource, namespace, name, options) => view.get(resource, namespace, name, signalled(options, signal)),
    judgeSecret: (namespace, name, judge, options) => view.judgeSecret(namespace, name, judge, signalled(options, signal)),
    knownSecretVerdict: (namespace, name, judge) => view.knownSecretVerdict(namespace, name, judge),
    judgeConfigMap: (namespace, name, judge, options) => view.judgeConfigMap(namespace, name, judge, signalled(options, signal)),
  });
