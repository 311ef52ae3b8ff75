// One resource watched in several namespaces (serve --secret-namespaces, the chart's
// rbac.namespaces): one list/watch loop per namespace, read as one watcher. RBAC granted through
// Roles cannot list across namespaces, so there is no single cluster-wide watch to make instead.
import type { CountOptions } from '../view.ts';
import type { KubeObject } from '../../kube/object.ts';
import type { Labels } from './buckets.ts';
import type { ResourceCache } from './resource-cache.ts';
import type { ResourceWatcher } from './list-watch.ts';

/** What the live view reads of a watcher. */
export type Watcher = Pick<ResourceWatcher, 'id' | 'served' | 'version' | 'synced' | 'run' | 'problem' | 'isStale'> & {
  readonly cache: Pick<ResourceCache, 'get' | 'has' | 'list' | 'count' | 'size' | 'versionOf'>;
};

class NamespacedCaches {
  readonly #watchers: Map<string, ResourceWatcher>;
  constructor(watchers: Map<string, ResourceWatcher>) {
    this.#watchers = watchers;
  }

  get size(): number {
    let size = 0;
    for (const watcher of this.#watchers.values()) size += watcher.cache.size;
    return size;
  }

  get(namespace: string | undefined, name: string): KubeObject | undefined {
    return namespace === undefined ? undefined : this.#watchers.get(namespace)?.cache.get(namespace, name);
  }

  has(namespace: string | undefined, name: string): boolean {
    return namespace !== undefined && (this.#watchers.get(namespace)?.cache.has(namespace, name) ?? false);
  }

  versionOf(namespace: string | undefined, name: string): ReturnType<ResourceCache['versionOf']> {
    return namespace === undefined ? undefined : this.#watchers.get(namespace)?.cache.versionOf(namespace, name);
  }

  list(namespace?: string, labels?: Labels): KubeObject[] {
    if (namespace !== undefined) return this.#watchers.get(namespace)?.cache.list(namespace, labels) ?? [];
    return [...this.#watchers.values()].flatMap((watcher) => watcher.cache.list(undefined, labels));
  }

  /** Each namespace's loop holds only its own namespace, so the per-namespace counts never overlap. */
  count(options: CountOptions = {}): Map<string, number> {
    const counts = new Map<string, number>();
    for (const watcher of this.#watchers.values()) {
      for (const [namespace, found] of watcher.cache.count(options)) counts.set(namespace, found);
    }
    return counts;
  }
}

export class NamespacedWatchers implements Watcher {
  readonly cache: NamespacedCaches;
  readonly #watchers: Map<string, ResourceWatcher>;

  /** `watchers`: namespace → that namespace's watcher, all of the same resource. */
  constructor(watchers: Map<string, ResourceWatcher>) {
    this.#watchers = watchers;
    this.cache = new NamespacedCaches(watchers);
  }

  get #all(): ResourceWatcher[] {
    return [...this.#watchers.values()];
  }

  get id(): string {
    return this.#all[0]?.id ?? '';
  }

  /** false when any namespace's loop found the resource unserved; undefined until all have asked. */
  get served(): boolean | undefined {
    const answers = this.#all.map((watcher) => watcher.served);
    if (answers.includes(false)) return false;
    return answers.includes(undefined) ? undefined : true;
  }

  get version(): string | undefined {
    return this.#all.find((watcher) => watcher.version !== undefined)?.version;
  }

  get synced(): boolean {
    return this.#all.every((watcher) => watcher.synced);
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all(this.#all.map((watcher) => watcher.run(signal)));
  }

  problem(now: number): string | undefined {
    for (const [namespace, watcher] of this.#watchers) {
      const problem = watcher.problem(now);
      if (problem) return `${problem} (namespace ${namespace})`;
    }
    return undefined;
  }

  isStale(now: number): boolean {
    return this.#all.some((watcher) => watcher.isStale(now));
  }
}
