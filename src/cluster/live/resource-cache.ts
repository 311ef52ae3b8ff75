// One resource's cached objects, by namespace then name, so a per-namespace list or count (the
// solver cap judges one namespace) does not walk 100,000 routes. Each namespace also counts its
// objects by owner kind, so count() — the cap and the gauges — takes one step per namespace.
import type { KubeObject } from '../../kube/object.ts';
import type { ResourceInfo } from '../resources.ts';
import type { CountOptions } from '../view.ts';
import { MetadataBucket, ObjectBucket, type Bucket, type BucketContext, type Labels } from './buckets.ts';
import { isKeptLabel, ownerCountKey } from './metadata-entry.ts';

const CLUSTER_SCOPED = '';

export class ResourceCache {
  readonly #context: BucketContext;
  readonly #buckets = new Map<string, Bucket>();
  #loading: boolean;

  /**
   * `apiVersion`: the watched version, which every object handed out carries. `loading`: a list
   * is about to fill this cache (objects may come in any order); call seal() when it is done.
   */
  constructor(info: ResourceInfo, apiVersion: string, options: { loading?: boolean } = {}) {
    this.#context = { info, apiVersion };
    this.#loading = options.loading === true;
  }

  get size(): number {
    let size = 0;
    for (const bucket of this.#buckets.values()) size += bucket.size;
    return size;
  }

  /** Stores an object as the API sent it (compacted by its bucket). */
  upsert(object: KubeObject): void {
    const name = object.metadata?.name;
    if (!name) return;
    this.#bucket(object.metadata?.namespace ?? CLUSTER_SCOPED).upsert(name, object);
  }

  remove(namespace: string | undefined, name: string): void {
    const bucket = this.#buckets.get(namespace ?? CLUSTER_SCOPED);
    if (!bucket) return;
    bucket.remove(name);
    if (bucket.size === 0) this.#buckets.delete(bucket.namespace);
  }

  /** The list that filled this cache is complete. */
  seal(): void {
    this.#loading = false;
    for (const bucket of this.#buckets.values()) bucket.seal();
  }

  get(namespace: string | undefined, name: string): KubeObject | undefined {
    return this.#buckets.get(namespace ?? CLUSTER_SCOPED)?.get(name);
  }

  has(namespace: string | undefined, name: string): boolean {
    return this.#buckets.get(namespace ?? CLUSTER_SCOPED)?.has(name) ?? false;
  }

  /** The object's resourceVersion as last listed or watched, undefined when not cached. */
  versionOf(namespace: string | undefined, name: string): string | undefined {
    return this.#buckets.get(namespace ?? CLUSTER_SCOPED)?.version(name);
  }

  list(namespace?: string, labels?: Labels): KubeObject[] {
    this.#checkSelector(labels);
    const found: KubeObject[] = [];
    for (const bucket of this.#bucketsOf(namespace)) bucket.list(labels, found);
    return found;
  }

  /** Per namespace, without building objects: without labels it is one lookup per namespace. */
  count(options: CountOptions = {}): Map<string, number> {
    this.#checkSelector(options.labels);
    const owner = options.ownedBy && ownerCountKey(options.ownedBy.kind, options.ownedBy.group);
    const counts = new Map<string, number>();
    for (const bucket of this.#bucketsOf(options.namespace)) {
      const found = bucket.count(options.labels, owner);
      if (found > 0) counts.set(bucket.namespace, found);
    }
    return counts;
  }

  /** Metadata-only caches drop labels certguard does not select on: selecting by one would find nothing. */
  #checkSelector(labels: Labels | undefined): void {
    if (!this.#context.info.metadataOnly) return;
    for (const key of Object.keys(labels ?? {})) {
      if (!isKeptLabel(key)) throw new Error(`${this.#context.info.id}: the cache keeps only the labels certguard selects on, not "${key}" (see isKeptLabel)`);
    }
  }

  #bucketsOf(namespace: string | undefined): Bucket[] {
    if (namespace === undefined) return [...this.#buckets.values()];
    const bucket = this.#buckets.get(namespace);
    return bucket ? [bucket] : [];
  }

  #bucket(namespace: string): Bucket {
    let bucket = this.#buckets.get(namespace);
    if (!bucket) {
      bucket = this.#context.info.metadataOnly ? new MetadataBucket(namespace, this.#context, this.#loading) : new ObjectBucket(namespace, this.#context);
      this.#buckets.set(namespace, bucket);
    }
    return bucket;
  }
}

/** What an API answer becomes in the cache, without keeping it: live GETs answer in the same shape. */
export const cachedShapeOf = (info: ResourceInfo, apiVersion: string, object: KubeObject): KubeObject => {
  const cache = new ResourceCache(info, apiVersion);
  cache.upsert(object);
  return cache.get(object.metadata?.namespace, object.metadata?.name ?? '') ?? object;
};
