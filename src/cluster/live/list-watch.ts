// One resource's list/watch loop, kept alive forever: discover the served version, list (in
// pages), watch from the list's resourceVersion with bookmarks, resume from the last one seen,
// re-list on 410 Gone, and after any failure wait a capped, jittered back-off and go again.
// Incident 002: nothing here gives up, and nothing needs a restart to recover.
import type { KubeObject } from '../../kube/object.ts';
import type { ResourceInfo } from '../resources.ts';
import { ACCEPT_JSON, ACCEPT_METADATA, ACCEPT_METADATA_LIST, apiVersionOf, collectionPath, labelSelectorOf, queryOf } from './api-paths.ts';
import { Backoff, sleep, type BackoffOptions } from './backoff.ts';
import { discover } from './discovery.ts';
import { ApiError, apiErrorOf, UnreachableError, type KubeClient, type WatchEvent } from './kube-client.ts';
import type { ListGate } from './list-gate.ts';
import { ResourceCache } from './resource-cache.ts';

type LogFn = (fields: Record<string, unknown>, message: string) => void;
/** pino-compatible. */
export type Logger = { info: LogFn; warn: LogFn; error: LogFn };

// client-go's page size. Larger pages were not faster in bench/ and hold more parsed JSON at once.
export const DEFAULT_PAGE_SIZE = 500;
// A page of full objects from a busy API server; longer than this is a hung connection.
const LIST_PAGE_TIMEOUT_MS = 60_000;
// The API server sends a bookmark about once a minute; two missed means the connection is dead.
const WATCH_IDLE_TIMEOUT_MS = 130_000;
// Like client-go's reflector: 5–10 minutes, random, so watches of many clients do not end together.
const watchTimeoutSeconds = (): number => 300 + Math.floor(Math.random() * 300);
// A watch the server ends sooner than this without any event is a failure, not a normal end.
const MIN_HEALTHY_WATCH_MS = 1000;

/** Told about every change to the cache, in order (the view's Secret-usage index follows it). */
export type CacheListener = {
  /** A (re-)list replaced the whole cache with these objects; [] when the API is not served. */
  replaced(objects: KubeObject[]): void;
  upserted(object: KubeObject): void;
  removed(namespace: string | undefined, name: string): void;
};

type Phase = 'starting' | 'discovering' | 'listing' | 'watching';

export type WatcherOptions = {
  client: KubeClient;
  info: ResourceInfo;
  /** Watch one namespace instead of all (e.g. only where the ingress Service lives). */
  namespace?: string;
  logger: Logger;
  backoff?: BackoffOptions;
  pageSize?: number;
  /** Disconnected longer than this: the cache is stale (logged once). */
  staleAfterMs: number;
  /** Shared by the view's watchers: one list at a time. */
  listGate?: ListGate;
  now?: () => number;
  onChange?: CacheListener;
};

/** "0.2", "3", "45.5": seconds as a person reads them. */
const seconds = (ms: number): string => String(Math.round(ms / 100) / 10);

const isGone = (error: unknown): boolean => error instanceof ApiError && error.code === 410;
const isNotFound = (error: unknown): boolean => error instanceof ApiError && error.code === 404;

export class ResourceWatcher {
  readonly info: ResourceInfo;
  /** Replaced whole by a re-list, so readers never see a half-filled cache. */
  cache: ResourceCache;
  /** undefined until discovery has answered once. */
  served: boolean | undefined = undefined;
  version: string | undefined = undefined;
  synced = false;
  lastError: string | undefined = undefined;
  disconnectedSince: number | undefined = undefined;
  phase: Phase = 'starting';

  readonly #options: WatcherOptions;
  readonly #backoff: Backoff;
  readonly #now: () => number;
  #resourceVersion: string | undefined = undefined;
  #needsList = true;
  #goneStreak = 0;
  #loggedError: string | undefined = undefined;
  #staleTimer: NodeJS.Timeout | undefined = undefined;

  constructor(options: WatcherOptions) {
    this.info = options.info;
    this.cache = new ResourceCache(options.info, apiVersionOf(options.info, options.info.versions[0] ?? 'v1'));
    this.#options = options;
    this.#backoff = new Backoff(options.backoff);
    this.#now = options.now ?? Date.now;
  }

  get id(): string {
    return this.info.id;
  }

  /** Runs until `signal` aborts. Never rejects. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.#cycle(signal);
      } catch (error) {
        if (signal.aborted) break;
        if (isGone(error) && this.phase === 'watching' && this.#goneStreak++ === 0) {
          this.#needsList = true;
          this.#options.logger.info({ resource: this.id }, `${this.id}: watch expired (410 Gone); listing again`);
          continue;
        }
        // 404: the CRD (or this version of it) went away; ask discovery again.
        if (isNotFound(error)) this.version = undefined;
        this.#fail(error);
        await sleep(this.#backoff.next(), signal);
      }
    }
    clearTimeout(this.#staleTimer);
  }

  async #cycle(signal: AbortSignal): Promise<void> {
    if (this.version === undefined) {
      this.phase = 'discovering';
      const found = await discover(this.#options.client, this.info, signal);
      if (!found.served) {
        this.#markUnserved();
        await sleep(this.#backoff.next(), signal);
        return;
      }
      this.served = true;
      this.version = found.version;
      this.#needsList = true;
    }
    if (this.#needsList) await this.#gatedList(signal);
    await this.#watch(signal);
  }

  #markUnserved(): void {
    if (this.served !== false) {
      this.#options.logger.info({ resource: this.id }, `${this.id}: not served (CRD not installed); policies that need it idle until it appears`);
    }
    this.served = false;
    this.synced = false;
    this.cache = new ResourceCache(this.info, apiVersionOf(this.info, this.info.versions[0] ?? 'v1'));
    this.#options.onChange?.replaced([]);
    this.#connected();
  }

  #path(parameters: Record<string, string | number | boolean | undefined>): string {
    const { info, namespace } = this.#options;
    return collectionPath(info, this.version ?? '', namespace) + queryOf({ ...parameters, labelSelector: labelSelectorOf(info.labelSelector) });
  }

  async #gatedList(signal: AbortSignal): Promise<void> {
    const release = await this.#options.listGate?.acquire();
    try {
      await this.#list(signal);
    } finally {
      release?.();
    }
  }

  async #list(signal: AbortSignal): Promise<void> {
    this.phase = 'listing';
    const apiVersion = apiVersionOf(this.info, this.version ?? '');
    const fresh = new ResourceCache(this.info, apiVersion, { loading: true });
    let token: string | undefined;
    let listVersion: string | undefined;
    do {
      const path = this.#path({ limit: this.#options.pageSize ?? DEFAULT_PAGE_SIZE, continue: token });
      const response = await this.#options.client.listPage(
        path,
        { accept: this.info.metadataOnly ? ACCEPT_METADATA_LIST : ACCEPT_JSON, timeoutMs: LIST_PAGE_TIMEOUT_MS, signal },
        (item) => fresh.upsert(item as KubeObject),
      );
      if (response.status !== 200) throw apiErrorOf(response.status, response.body);
      // The items went to the cache as they arrived; what is left is the list's own metadata.
      // (kube-apiserver encodes an empty PartialObjectMetadataList as "items": null: no items.)
      const page = response.body as { metadata?: { resourceVersion?: string; continue?: string } } | null;
      if (typeof page !== 'object' || page === null) throw new Error(`list: the answer is not a list (HTTP ${response.status})`);
      listVersion = page.metadata?.resourceVersion ?? listVersion;
      token = page.metadata?.continue || undefined;
    } while (token);
    fresh.seal();
    this.cache = fresh;
    this.#options.onChange?.replaced(fresh.list());
    this.#resourceVersion = listVersion;
    this.#needsList = false;
    this.synced = true;
    this.#connected();
    this.#options.logger.info({ resource: this.id, objects: fresh.size }, `${this.id}: synced ${fresh.size} objects (${apiVersion})`);
  }

  async #watch(signal: AbortSignal): Promise<void> {
    this.phase = 'watching';
    const started = this.#now();
    let events = 0;
    const path = this.#path({ watch: 1, allowWatchBookmarks: true, resourceVersion: this.#resourceVersion, timeoutSeconds: watchTimeoutSeconds() });
    await this.#options.client.watch(path, {
      accept: this.info.metadataOnly ? ACCEPT_METADATA : ACCEPT_JSON,
      signal,
      idleTimeoutMs: WATCH_IDLE_TIMEOUT_MS,
      onOpen: () => this.#connected(),
      onEvent: (event) => {
        events += 1;
        this.#apply(event);
      },
    });
    if (events === 0 && this.#now() - started < MIN_HEALTHY_WATCH_MS) throw new Error('watch: the API server ended the watch at once');
  }

  #apply(event: WatchEvent): void {
    const object = event.object as KubeObject;
    if (event.type === 'ERROR') throw apiErrorOf(Number(object.code) || 500, object);
    if (event.type === 'ADDED' || event.type === 'MODIFIED') {
      this.cache.upsert(object);
      this.#options.onChange?.upserted(object);
    } else if (event.type === 'DELETED') {
      this.cache.remove(object.metadata?.namespace, object.metadata?.name ?? '');
      this.#options.onChange?.removed(object.metadata?.namespace, object.metadata?.name ?? '');
    }
    const resourceVersion = object.metadata?.resourceVersion;
    if (resourceVersion) this.#resourceVersion = resourceVersion;
    this.#goneStreak = 0;
  }

  /** The API answered: whatever was wrong is over. */
  #connected(): void {
    if (this.lastError !== undefined) {
      const down = this.disconnectedSince === undefined ? '' : ` after ${seconds(this.#now() - this.disconnectedSince)} s`;
      this.#options.logger.info({ resource: this.id }, `${this.id}: connected again${down}`);
    }
    this.lastError = undefined;
    this.disconnectedSince = undefined;
    this.#loggedError = undefined;
    clearTimeout(this.#staleTimer);
    this.#backoff.reset();
  }

  #fail(error: unknown): void {
    const message = describeFailure(error, this.phase);
    this.lastError = message;
    if (this.synced && this.disconnectedSince === undefined) {
      this.disconnectedSince = this.#now();
      this.#staleTimer = setTimeout(() => this.#logStale(), this.#options.staleAfterMs + 1).unref();
    }
    if (message === this.#loggedError) return;
    this.#loggedError = message;
    this.#options.logger.warn({ resource: this.id }, `${this.id}: ${message}; retrying with back-off`);
  }

  #logStale(): void {
    if (this.disconnectedSince === undefined) return;
    this.#options.logger.error(
      { resource: this.id },
      `${this.id}: cache is stale (disconnected for more than ${seconds(this.#options.staleAfterMs)} s); the view reports not ready`,
    );
  }

  /** Why this resource keeps the view from being ready, or undefined when it does not. */
  problem(now: number): string | undefined {
    if (this.served === false) return undefined;
    if (!this.synced) return `${this.id}: ${this.lastError ?? `not synced yet (${this.phase})`}`;
    if (this.isStale(now)) {
      const since = seconds(now - (this.disconnectedSince ?? now));
      return `${this.id}: disconnected for ${since} s (stale after ${seconds(this.#options.staleAfterMs)} s): ${this.lastError ?? 'no answer'}`;
    }
    return undefined;
  }

  isStale(now: number): boolean {
    return this.disconnectedSince !== undefined && now - this.disconnectedSince > this.#options.staleAfterMs;
  }
}

/** "API server unreachable: …" as is; API errors say which step failed. */
const describeFailure = (error: unknown, phase: Phase): string => {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof UnreachableError || message.startsWith(`${phase}:`) || message.startsWith('watch:') || message.startsWith('list:')) return message;
  const step = phase === 'discovering' ? 'discovery' : phase === 'listing' ? 'list' : phase === 'watching' ? 'watch' : 'start';
  return `${step}: ${message}`;
};
