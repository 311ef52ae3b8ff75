// The live cluster view: one list/watch loop per resource feeding a cache, answers from the
// cache, and a live GET wherever a stale "missing" could turn into a wrong denial.
import type { KubeObject } from '../../kube/object.ts';
import { RESOURCES, type ResourceId, type ResourceInfo } from '../resources.ts';
import type { CountOptions, ListOptions, StatefulView, ViewStatus } from '../view.ts';
import type { CreateOutcome, SecretWriter } from '../writer.ts';
import { ACCEPT_JSON, ACCEPT_METADATA, apiVersionOf, objectPath } from './api-paths.ts';
import type { BackoffOptions } from './backoff.ts';
import { withoutBookkeeping } from './compact.ts';
import { apiErrorOf, KubeClient } from './kube-client.ts';
import { loadCredentials } from './kubeconfig.ts';
import { createListGate } from './list-gate.ts';
import { ResourceWatcher, type Logger } from './list-watch.ts';
import { cachedShapeOf } from './resource-cache.ts';
import { createSecretWriter } from './secret-writer.ts';

export type { Logger } from './list-watch.ts';

export type LiveViewOptions = {
  /** Explicit kubeconfig path (or path list); otherwise in-cluster, then KUBECONFIG, then ~/.kube/config. */
  kubeconfig?: string;
  /** A cache disconnected from the API server for longer than this makes the view not ready. */
  staleAfterSeconds: number;
  logger: Logger;
  /** What to watch (default: every resource in RESOURCES). */
  resources?: ResourceId[];
  /** Watch a resource in one namespace only, e.g. `{ services: 'traefik' }` for the ingress Service. */
  namespaces?: Partial<Record<ResourceId, string>>;
  backoff?: BackoffOptions;
  pageSize?: number;
};

/** ViewStatus plus the resources that are legitimately absent (their policies idle). */
export type LiveViewStatus = ViewStatus & { idle: string[] };

/** For the metrics module: certguard_cluster_view_synced / _objects{resource}. */
export type ResourceStat = { resource: string; synced: boolean; objects: number };

export type LiveView = Omit<StatefulView, 'status'> &
  SecretWriter & {
    status(): LiveViewStatus;
    resourceStats(): ResourceStat[];
    /** Where the credentials came from and which server, for the start-up log line. */
    readonly target: { source: string; server: string };
  };

// A live GET runs inside an admission request (webhook timeout 10 s by default), next to the
// policy's other lookups: fail fast rather than let the API server time the webhook out.
const LIVE_GET_TIMEOUT_MS = 3000;

class LiveClusterView implements LiveView {
  readonly target: { source: string; server: string };
  readonly #client: KubeClient;
  readonly #writer: SecretWriter;
  readonly #watchers = new Map<ResourceId, ResourceWatcher>();
  #abort: AbortController | undefined;
  #runs: Promise<void>[] = [];

  constructor(options: LiveViewOptions) {
    this.#client = new KubeClient(loadCredentials(options.kubeconfig));
    this.#writer = createSecretWriter(this.#client);
    this.target = { source: this.#client.source, server: this.#client.server };
    const listGate = createListGate();
    for (const id of options.resources ?? (Object.keys(RESOURCES) as ResourceId[])) {
      const watcher = new ResourceWatcher({
        client: this.#client,
        info: RESOURCES[id],
        namespace: options.namespaces?.[id],
        logger: options.logger,
        backoff: options.backoff,
        pageSize: options.pageSize,
        staleAfterMs: options.staleAfterSeconds * 1000,
        listGate,
      });
      this.#watchers.set(id, watcher);
    }
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

  async get(resource: ResourceId, namespace: string | undefined, name: string, options: { content?: boolean } = {}): Promise<KubeObject | undefined> {
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
    const found = await this.#liveGet(info, version, scope, name, content);
    // The same shape as a cached object: a reader cannot tell a live answer from a cached one.
    if (!found || content) return found;
    return cachedShapeOf(info, apiVersionOf(info, version), found);
  }

  /** Confirms a cache miss (or fetches Secret content). Throws when the API cannot answer. */
  async #liveGet(info: ResourceInfo, version: string, namespace: string | undefined, name: string, content: boolean): Promise<KubeObject | undefined> {
    const metadataOnly = info.metadataOnly && !content;
    const what = `${info.kind} ${namespace ? `${namespace}/` : ''}${name}`;
    let response;
    try {
      response = await this.#client.request(objectPath(info, version, namespace, name), { accept: metadataOnly ? ACCEPT_METADATA : ACCEPT_JSON, timeoutMs: LIVE_GET_TIMEOUT_MS });
    } catch (error) {
      throw new Error(`reading ${what} from the API server: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (response.status === 404) return undefined;
    if (response.status !== 200) throw new Error(`reading ${what} from the API server: ${apiErrorOf(response.status, response.body).message}`);
    return withoutBookkeeping(response.body as KubeObject);
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

  createSecret(secret: KubeObject): Promise<CreateOutcome> {
    return this.#writer.createSecret(secret);
  }
}

/** The live view (also the placeholder-Secret writer). Throws only when there is no kubeconfig. */
export const createLiveView = (options: LiveViewOptions): LiveView => new LiveClusterView(options);
