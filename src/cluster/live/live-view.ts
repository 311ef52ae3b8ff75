// The live cluster view: one list/watch loop per resource feeding a cache, answers from the
// cache, and a live GET wherever a stale "missing" could turn into a wrong denial.
import { untilAborted } from '../../abortable.ts';
import type { KubeObject } from '../../kube/object.ts';
import { RESOURCES, WATCHED_RESOURCE_IDS, type ResourceId, type ResourceInfo } from '../resources.ts';
import { isRefOwnerResource, SecretUsageIndex, type RefOwnerResource, type ListenerUse, type TlsRefUse, type UsedKind } from '../secret-usage.ts';
import {
  abortedBecause,
  ViewReadError,
  type ContentJudge,
  type CountOptions,
  type GetOptions,
  type JudgeOptions,
  type ListOptions,
  type StatefulView,
  type ViewStatus,
} from '../view.ts';
import type { CreateOptions, CreateOutcome, SecretWriter } from '../writer.ts';
import { ACCEPT_JSON, ACCEPT_METADATA, apiVersionOf, objectPath } from './api-paths.ts';
import type { BackoffOptions } from './backoff.ts';
import { deepFreeze, withoutBookkeeping } from './compact.ts';
import { apiErrorOf, KubeClient } from './kube-client.ts';
import { loadCredentials } from './kubeconfig.ts';
import { createListGate } from './list-gate.ts';
import { ResourceWatcher, type CacheListener, type Logger } from './list-watch.ts';
import { NamespacedWatchers, type Watcher } from './namespaced-watchers.ts';
import { cachedShapeOf } from './resource-cache.ts';
import { createSecretWriter } from './secret-writer.ts';
import { DEFAULT_VERDICT_LIMITS, VerdictCache, verdictKey, type VerdictCacheLimits, type VerdictStats } from './verdict-cache.ts';

export type { Logger } from './list-watch.ts';

export type LiveViewOptions = {
  /** Explicit kubeconfig path (or path list); otherwise in-cluster, then KUBECONFIG, then ~/.kube/config. */
  kubeconfig?: string;
  /** The kubeconfig context to use instead of its current-context (--context). */
  context?: string;
  /** A cache disconnected from the API server for longer than this makes the view not ready. */
  staleAfterSeconds: number;
  logger: Logger;
  /** What to watch (default: every resource in RESOURCES). */
  resources?: ResourceId[];
  /**
   * Watch a resource in these namespaces only, e.g. `{ services: ['traefik'] }` for the ingress
   * Service, `{ secrets: ['apps', 'web'] }` under namespaced RBAC (one loop per namespace).
   */
  namespaces?: Partial<Record<ResourceId, string[]>>;
  backoff?: BackoffOptions;
  pageSize?: number;
  /** Bounds of the Secret content verdict cache (tests shrink them). */
  verdictLimits?: VerdictCacheLimits;
};

/** ViewStatus plus the resources that are legitimately absent (their policies idle). */
export type LiveViewStatus = ViewStatus & { idle: string[] };

/** For the metrics module: certguard_cluster_view_synced / _objects{resource}. */
export type ResourceStat = { resource: string; synced: boolean; objects: number };

export type LiveView = Omit<StatefulView, 'status'> &
  SecretWriter & {
    status(): LiveViewStatus;
    resourceStats(): ResourceStat[];
    /** For the metrics module: certguard_secret_verdict_cache_*. */
    verdictStats(): VerdictStats;
    /** Where the credentials came from and which server, for the start-up log line. */
    readonly target: { source: string; server: string; context?: string };
  };

// A live GET inside a review stops when the review's signal aborts (its deadline, set below the
// webhook's timeoutSeconds). This bound is for a GET without one (none in certguard today): never hang.
const LIVE_GET_TIMEOUT_MS = 3000;

/** The review's abort as the read it cut short: "could not decide", naming that read. */
const abortedRead = (signal: AbortSignal, what: string): ViewReadError => new ViewReadError(`reading ${what} from the API server: ${abortedBecause(signal)}`);

class LiveClusterView implements LiveView {
  readonly target: { source: string; server: string; context?: string };
  readonly #client: KubeClient;
  readonly #writer: SecretWriter;
  readonly #watchers = new Map<ResourceId, Watcher>();
  readonly #usage = new SecretUsageIndex((resource, namespace, name) => this.#watchers.get(resource)?.cache.get(namespace, name));
  #abort: AbortController | undefined;
  #runs: Promise<void>[] = [];
  readonly #verdicts: VerdictCache;
  /** GETs for verdicts under way, by verdict key and the version the cache had: concurrent reviews share one. */
  readonly #judging = new Map<string, Promise<unknown>>();

  constructor(options: LiveViewOptions) {
    const credentials = loadCredentials(options.kubeconfig, process.env, undefined, options.context);
    this.#client = new KubeClient(credentials);
    this.#writer = createSecretWriter(this.#client);
    this.target = { source: credentials.source, server: credentials.server, ...(credentials.context ? { context: credentials.context } : {}) };
    this.#verdicts = new VerdictCache(options.verdictLimits ?? DEFAULT_VERDICT_LIMITS);
    const listGate = createListGate();
    for (const id of (options.resources ?? WATCHED_RESOURCE_IDS).filter((resource) => !RESOURCES[resource].getOnly)) {
      const watcherIn = (namespace: string | undefined) =>
        new ResourceWatcher({
          client: this.#client,
          info: RESOURCES[id],
          namespace,
          logger: options.logger,
          backoff: options.backoff,
          pageSize: options.pageSize,
          staleAfterMs: options.staleAfterSeconds * 1000,
          listGate,
          onChange: isRefOwnerResource(id) ? this.#feedUsage(id) : undefined,
        });
      const namespaces = options.namespaces?.[id] ?? [];
      const watcher =
        namespaces.length > 1 ? new NamespacedWatchers(new Map(namespaces.map((namespace) => [namespace, watcherIn(namespace)]))) : watcherIn(namespaces[0]);
      this.#watchers.set(id, watcher);
    }
  }

  /** The watch of Gateways, ListenerSets or BackendTLSPolicies keeps the usage index current, event by event. */
  #feedUsage(resource: RefOwnerResource): CacheListener {
    return {
      replaced: (objects) => this.#usage.replace(resource, objects),
      upserted: (object) => this.#usage.upsert(resource, object),
      removed: (namespace, name) => this.#usage.remove(resource, namespace, name),
    };
  }

  /** Starts every loop and returns at once: readiness comes later, through status(). */
  async start(): Promise<void> {
    if (this.#abort) return;
    const abort = new AbortController();
    this.#abort = abort;
    this.#runs = [...this.#watchers.values()].map((watcher) => watcher.run(abort.signal));
  }

  async stop(): Promise<void> {
    this.#abort?.abort();
    await Promise.all(this.#runs);
    this.#runs = [];
    this.#abort = undefined;
    this.#client.close();
  }

  async get(resource: ResourceId, namespace: string | undefined, name: string, options: GetOptions = {}): Promise<KubeObject | undefined> {
    const info = RESOURCES[resource];
    const watcher = this.#watchers.get(resource);
    if (watcher?.served === false) return undefined;
    const scope = info.namespaced ? namespace : undefined;
    if (info.namespaced && !scope) return undefined;
    const content = options.content === true && info.metadataOnly;
    if (!content) {
      const cached = watcher?.cache.get(scope, name);
      if (cached) return cached;
    }
    const version = watcher?.version ?? info.versions[0] ?? 'v1';
    const found = await this.#liveGet(info, version, scope, name, content, options.signal);
    // The same shape as a cached object: a reader cannot tell a live answer from a cached one.
    if (!found || content) return found;
    return cachedShapeOf(info, apiVersionOf(info, version), found);
  }

  /** Confirms a cache miss (or fetches Secret content). Throws a ViewReadError when the API cannot answer in time. */
  async #liveGet(
    info: ResourceInfo,
    version: string,
    namespace: string | undefined,
    name: string,
    content: boolean,
    signal: AbortSignal | undefined,
  ): Promise<KubeObject | undefined> {
    const metadataOnly = info.metadataOnly && !content;
    const what = `${info.kind} ${namespace ? `${namespace}/` : ''}${name}`;
    const accept = metadataOnly ? ACCEPT_METADATA : ACCEPT_JSON;
    let response;
    try {
      if (signal?.aborted) throw signal.reason;
      response = await this.#client.request(
        objectPath(info, version, namespace, name),
        signal ? { accept, signal } : { accept, timeoutMs: LIVE_GET_TIMEOUT_MS },
      );
    } catch (error) {
      const reason = signal?.aborted ? abortedBecause(signal) : error instanceof Error ? error.message : String(error);
      throw new ViewReadError(`reading ${what} from the API server: ${reason}`);
    }
    if (response.status === 404) return undefined;
    if (response.status !== 200) throw new ViewReadError(`reading ${what} from the API server: ${apiErrorOf(response.status, response.body).message}`);
    return withoutBookkeeping(response.body as KubeObject);
  }

  // Kept apart from get() on purpose: get() is the generic lookup, this is the one place Secret
  // content is read in a review. The verdict, never the data, outlives the GET.
  async judgeSecret<T>(namespace: string, name: string, judge: ContentJudge<T>, options: JudgeOptions = {}): Promise<T | undefined> {
    if (options.signal?.aborted) throw abortedRead(options.signal, `Secret ${namespace}/${name}`);
    const watcher = this.#watchers.get('secrets');
    if (watcher?.served === false || !namespace) return undefined;
    const version = watcher?.cache.versionOf(namespace, name);
    const known = this.#verdicts.lookup(judge.id, namespace, name, version);
    if (known) return known.verdict as T;
    // Named only past the cache hit, the per-review common case.
    const what = `Secret ${namespace}/${name}`;
    // Called only once the signal has aborted: the read it cut short, as "could not decide".
    const cutShort = (): never => {
      throw abortedRead(options.signal as AbortSignal, what);
    };
    // Not in the cache: the GET confirms a "missing", and must start after this review did (a
    // GitOps sync creates the Secret, then the Gateway). Shared only for a Secret the cache holds.
    const keep = options.keep !== false;
    if (version === undefined) return untilAborted(this.#fetchVerdict(watcher?.version, namespace, name, judge, keep), options.signal, cutShort);
    // Whoever starts the GET decides whether its verdict is kept; one that joins it does not.
    const sharedKey = `${verdictKey(judge.id, namespace, name)}\n${version}`;
    let judging = this.#judging.get(sharedKey);
    if (!judging) {
      judging = this.#fetchVerdict(watcher?.version, namespace, name, judge, keep).finally(() => this.#judging.delete(sharedKey));
      this.#judging.set(sharedKey, judging);
    }
    return untilAborted(judging as Promise<T | undefined>, options.signal, cutShort);
  }

  knownSecretVerdict<T>(namespace: string, name: string, judge: ContentJudge<T>): { readonly verdict: T } | undefined {
    const watcher = this.#watchers.get('secrets');
    if (watcher?.served === false || !namespace) return undefined;
    const version = watcher?.cache.versionOf(namespace, name);
    // A miss is counted by the judgeSecret that follows it, not twice.
    return this.#verdicts.lookup(judge.id, namespace, name, version, false) as { readonly verdict: T } | undefined;
  }

  async #fetchVerdict<T>(watchedVersion: string | undefined, namespace: string, name: string, judge: ContentJudge<T>, keep: boolean): Promise<T | undefined> {
    const info = RESOURCES.secrets;
    // No review's signal: a shared GET serves every review waiting on it (each waits on its own
    // signal in untilAborted); without a signal the GET has its own 3 s bound.
    const secret = await this.#liveGet(info, watchedVersion ?? info.versions[0] ?? 'v1', namespace, name, true, undefined);
    if (!secret) return undefined;
    const verdict = deepFreeze(judge.judge(secret));
    if (keep) this.#verdicts.store(judge.id, namespace, name, secret.metadata?.uid ?? '', secret.metadata?.resourceVersion, verdict);
    return verdict;
  }

  // No watch, so no version to key a verdict by: each call is one GET, and nothing outlives it.
  async judgeConfigMap<T>(namespace: string, name: string, judge: ContentJudge<T>, options: Pick<GetOptions, 'signal'> = {}): Promise<T | undefined> {
    if (options.signal?.aborted) throw abortedRead(options.signal, `ConfigMap ${namespace}/${name}`);
    if (!namespace) return undefined;
    const info = RESOURCES.configmaps;
    const configMap = await this.#liveGet(info, info.versions[0] ?? 'v1', namespace, name, false, options.signal);
    return configMap ? judge.judge(configMap) : undefined;
  }

  verdictStats(): VerdictStats {
    return this.#verdicts.stats();
  }

  has(resource: ResourceId, namespace: string | undefined, name: string): boolean {
    return this.#watchers.get(resource)?.cache.has(namespace, name) ?? false;
  }

  list(resource: ResourceId, options: ListOptions = {}): KubeObject[] {
    return this.#watchers.get(resource)?.cache.list(options.namespace, options.labels) ?? [];
  }

  count(resource: ResourceId, options: CountOptions = {}): Map<string, number> {
    return this.#watchers.get(resource)?.cache.count(options) ?? new Map();
  }

  /** Until discovery has answered, a resource counts as served: policies must not idle on a guess. */
  isServed(resource: ResourceId): boolean {
    return this.#watchers.get(resource)?.served !== false;
  }

  /** Listed once (a later disconnection keeps the last state: staleness is /readyz's concern), or known not served. */
  isSynced(resource: ResourceId): boolean {
    const watcher = this.#watchers.get(resource);
    return watcher !== undefined && (watcher.served === false || watcher.synced);
  }

  listenersUsing(namespace: string, name: string): ListenerUse[] {
    return this.#usage.usesOf(namespace, name);
  }

  tlsRefsUsing(kind: UsedKind, namespace: string, name: string): TlsRefUse[] {
    return this.#usage.tlsRefUsesOf(kind, namespace, name);
  }

  status(): LiveViewStatus {
    if (!this.#abort) return { ready: false, notReady: ['cluster view: not started'], idle: [] };
    const now = Date.now();
    const notReady: string[] = [];
    const idle: string[] = [];
    for (const watcher of this.#watchers.values()) {
      const problem = watcher.problem(now);
      if (problem) notReady.push(problem);
      if (watcher.served === false) idle.push(`${watcher.id}: not served (CRD not installed)`);
    }
    return { ready: notReady.length === 0, notReady, idle };
  }

  resourceStats(): ResourceStat[] {
    const now = Date.now();
    return [...this.#watchers.values()].map((watcher) => ({
      resource: watcher.id,
      synced: watcher.synced && !watcher.isStale(now),
      objects: watcher.cache.size,
    }));
  }

  createSecret(secret: KubeObject, options?: CreateOptions): Promise<CreateOutcome> {
    return this.#writer.createSecret(secret, options);
  }
}

/** The live view (also the placeholder-Secret writer). Throws only when there is no kubeconfig. */
export const createLiveView = (options: LiveViewOptions): LiveView => new LiveClusterView(options);
