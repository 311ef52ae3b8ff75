// One resource's objects, by namespace then name, so a per-namespace list (the solver cap
// counts one namespace) does not walk 100,000 routes.
import type { KubeObject } from '../../admission/types.ts';
import { matchesLabels } from '../view.ts';
import { deepFreeze } from './compact.ts';

const CLUSTER_SCOPED = '';

/** `namespace` is the one copy of the string every object of the bucket points at. */
type Bucket = { namespace: string; objects: Map<string, KubeObject> };

export class ResourceCache {
  readonly #buckets = new Map<string, Bucket>();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** Stores a compacted object, frozen. */
  upsert(object: KubeObject): void {
    const name = object.metadata?.name;
    if (!name || !object.metadata) return;
    const bucket = this.#bucket(object.metadata.namespace ?? CLUSTER_SCOPED);
    if (object.metadata.namespace !== undefined) object.metadata.namespace = bucket.namespace;
    if (!bucket.objects.has(name)) this.#size += 1;
    bucket.objects.set(name, deepFreeze(object));
  }

  remove(namespace: string | undefined, name: string): void {
    const bucket = this.#buckets.get(namespace ?? CLUSTER_SCOPED);
    if (!bucket?.objects.delete(name)) return;
    this.#size -= 1;
    if (bucket.objects.size === 0) this.#buckets.delete(bucket.namespace);
  }

  get(namespace: string | undefined, name: string): KubeObject | undefined {
    return this.#buckets.get(namespace ?? CLUSTER_SCOPED)?.objects.get(name);
  }

  list(namespace?: string, labels?: Record<string, string>): KubeObject[] {
    const buckets = namespace === undefined ? [...this.#buckets.values()] : [this.#buckets.get(namespace)].filter((bucket) => bucket !== undefined);
    const found: KubeObject[] = [];
    for (const bucket of buckets) for (const object of bucket.objects.values()) if (matchesLabels(object, labels)) found.push(object);
    return found;
  }

  #bucket(namespace: string): Bucket {
    let bucket = this.#buckets.get(namespace);
    if (!bucket) this.#buckets.set(namespace, (bucket = { namespace, objects: new Map() }));
    return bucket;
  }
}
