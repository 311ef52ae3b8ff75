// A cluster view backed by a folder (or list) of YAML/JSON manifests, multi-document.
// Used by `npm start` without a cluster, by policy tests and by the offline check. Objects are
// copied and frozen once, when added, and then handed out as they are (as the live view's cache
// does): a caller that writes to one throws instead of changing what the next review sees.
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../kube/object.ts';
import { RESOURCES, type ResourceId } from './resources.ts';
import { isRefOwnerResource, SecretUsageIndex, type ListenerUse, type TlsRefUse, type UsedKind } from './secret-usage.ts';
import { deepFreeze } from './live/compact.ts';
import { groupOf } from '../kube/groups.ts';
import { countByNamespace, matchesLabels, type ClusterView, type ContentJudge, type CountOptions, type ListOptions, type StatefulView } from './view.ts';
import type { CreateOutcome, SecretWriter } from './writer.ts';

/** Which view resource an object belongs to, if any (solver objects by their label). */
export const resourceOf = (object: KubeObject): ResourceId | undefined => {
  const group = groupOf(object.apiVersion);
  for (const info of Object.values(RESOURCES)) {
    if (info.kind !== object.kind || info.group !== group) continue;
    if (info.labelSelector && !matchesLabels(object, info.labelSelector)) continue;
    return info.id;
  }
  return undefined;
};

const keyOf = (namespace: string | undefined, name: string): string => `${namespace ?? ''}/${name}`;

export class ManifestView implements ClusterView, StatefulView, SecretWriter {
  readonly #objects = new Map<ResourceId, Map<string, KubeObject>>();
  /** The same objects by namespace: a namespace's list (what most policies ask) reads only it, not every object of the kind. */
  readonly #byNamespace = new Map<ResourceId, Map<string, Map<string, KubeObject>>>();
  readonly #unserved: Set<ResourceId>;
  readonly #unsynced: Set<ResourceId>;
  readonly #usage = new SecretUsageIndex((resource, namespace, name) => this.#find(resource, namespace, name));
  /** Verdicts by the stored (frozen) object they were taken from: replacing the object forgets them. */
  readonly #verdicts = new WeakMap<KubeObject, Map<string, unknown>>();

  /** `unserved`: resources to report as not served (tests of idle policies); `unsynced`: as not synced yet. */
  constructor(objects: KubeObject[] = [], options: { unserved?: ResourceId[]; unsynced?: ResourceId[] } = {}) {
    this.#unserved = new Set(options.unserved ?? []);
    this.#unsynced = new Set(options.unsynced ?? []);
    for (const object of objects) this.add(object);
  }

  /** Adds or replaces an object. Objects no policy reads are ignored. */
  add(object: KubeObject): void {
    const resource = resourceOf(object);
    const name = object.metadata?.name;
    if (!resource || !name) return;
    const namespace = RESOURCES[resource].namespaced ? (object.metadata?.namespace ?? 'default') : undefined;
    const stored = structuredClone(object);
    if (namespace) stored.metadata = { ...stored.metadata, namespace };
    let bucket = this.#objects.get(resource);
    if (!bucket) this.#objects.set(resource, (bucket = new Map()));
    const frozen = deepFreeze(stored);
    bucket.set(keyOf(namespace, name), frozen);
    this.#namespaceOf(resource, namespace ?? '', true)?.set(name, frozen);
    if (isRefOwnerResource(resource)) this.#usage.upsert(resource, frozen);
  }

  /** Removes an object (dev mode and tests of an index that must forget). */
  remove(resource: ResourceId, namespace: string | undefined, name: string): void {
    const scope = RESOURCES[resource].namespaced ? (namespace ?? 'default') : undefined;
    this.#objects.get(resource)?.delete(keyOf(scope, name));
    this.#namespaceOf(resource, scope ?? '')?.delete(name);
    if (isRefOwnerResource(resource)) this.#usage.remove(resource, scope, name);
  }

  async get(resource: ResourceId, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    return this.#find(resource, namespace, name);
  }

  async judgeSecret<T>(namespace: string, name: string, judge: ContentJudge<T>): Promise<T | undefined> {
    return this.#judge('secrets', namespace, name, judge);
  }

  knownSecretVerdict<T>(namespace: string, name: string, judge: ContentJudge<T>): { readonly verdict: T } | undefined {
    const verdict = this.#judge('secrets', namespace, name, judge);
    return verdict === undefined ? undefined : { verdict };
  }

  async judgeConfigMap<T>(namespace: string, name: string, judge: ContentJudge<T>): Promise<T | undefined> {
    return this.#judge('configmaps', namespace, name, judge);
  }

  #judge<T>(resource: 'secrets' | 'configmaps', namespace: string, name: string, judge: ContentJudge<T>): T | undefined {
    const object = this.#find(resource, namespace, name);
    if (!object) return undefined;
    let verdicts = this.#verdicts.get(object);
    if (!verdicts) this.#verdicts.set(object, (verdicts = new Map()));
    if (!verdicts.has(judge.id)) verdicts.set(judge.id, deepFreeze(judge.judge(object)));
    return verdicts.get(judge.id) as T;
  }

  #find(resource: ResourceId, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.#objects.get(resource)?.get(keyOf(RESOURCES[resource].namespaced ? namespace : undefined, name));
  }

  has(resource: ResourceId, namespace: string | undefined, name: string): boolean {
    return this.#find(resource, namespace, name) !== undefined;
  }

  list(resource: ResourceId, options: ListOptions = {}): KubeObject[] {
    const objects = options.namespace === undefined ? this.#objects.get(resource) : this.#namespaceOf(resource, options.namespace);
    return [...(objects?.values() ?? [])].filter((object) => matchesLabels(object, options.labels));
  }

  #namespaceOf(resource: ResourceId, namespace: string, create = false): Map<string, KubeObject> | undefined {
    let namespaces = this.#byNamespace.get(resource);
    if (!namespaces && create) this.#byNamespace.set(resource, (namespaces = new Map()));
    let objects = namespaces?.get(namespace);
    if (!objects && create) namespaces?.set(namespace, (objects = new Map()));
    return objects;
  }

  count(resource: ResourceId, options: CountOptions = {}): Map<string, number> {
    return countByNamespace(this.#objects.get(resource)?.values() ?? [], options);
  }

  isServed(resource: ResourceId): boolean {
    return !this.#unserved.has(resource);
  }

  isSynced(resource: ResourceId): boolean {
    return !this.#unsynced.has(resource);
  }

  listenersUsing(namespace: string, name: string): ListenerUse[] {
    return this.#usage.usesOf(namespace, name);
  }

  tlsRefsUsing(kind: UsedKind, namespace: string, name: string): TlsRefUse[] {
    return this.#usage.tlsRefUsesOf(kind, namespace, name);
  }

  /** In dev mode a placeholder "created" by the webhook lands in the in-memory view. */
  async createSecret(secret: KubeObject): Promise<CreateOutcome> {
    const name = secret.metadata?.name ?? '';
    if (this.#find('secrets', secret.metadata?.namespace, name)) return { outcome: 'exists' };
    this.add({ apiVersion: 'v1', kind: 'Secret', ...secret });
    return { outcome: 'created' };
  }

  status() {
    return { ready: true, notReady: [] };
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {}
}

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** Parses multi-document YAML (JSON is YAML); `List` kinds are flattened. Throws naming the file. */
export const parseManifests = (text: string, source: string): KubeObject[] => {
  const objects: KubeObject[] = [];
  for (const document of parseAllDocuments(text)) {
    if (document.errors.length > 0) throw new Error(`${source}: ${document.errors[0]?.message}`);
    const value = document.toJSON() as unknown;
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`${source}: a document is not a Kubernetes object`);
    const object = value as KubeObject;
    if (Array.isArray(object.items)) objects.push(...(object.items as KubeObject[]));
    else objects.push(object);
  }
  return objects;
};

/** Reads every manifest under the given files or folders (recursively, sorted for determinism). */
export const readManifests = async (paths: string[]): Promise<KubeObject[]> => {
  const objects: KubeObject[] = [];
  for (const path of paths) {
    if ((await stat(path)).isDirectory()) {
      const entries = (await readdir(path, { recursive: true })).sort();
      for (const entry of entries) {
        if (MANIFEST_EXTENSIONS.has(extname(entry))) objects.push(...parseManifests(await readFile(join(path, entry), 'utf8'), join(path, entry)));
      }
    } else {
      objects.push(...parseManifests(await readFile(path, 'utf8'), path));
    }
  }
  return objects;
};

export const loadManifestView = async (paths: string[]): Promise<ManifestView> => new ManifestView(await readManifests(paths));
