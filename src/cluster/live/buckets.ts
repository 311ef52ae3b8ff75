// One namespace's objects of one resource. Full objects sit in a Map by name. Metadata-only
// objects — the numerous ones — are stored column by column, sorted by name: a few array slots
// per object instead of a Map entry and an object (docs/cluster-view.md, "Memory").
import type { KubeObject, OwnerReference } from '../../kube/object.ts';
import type { ResourceInfo } from '../resources.ts';
import { groupOf } from '../../kube/groups.ts';
import { deepFreeze, keptObjectOf } from './compact.ts';
import { objectOf, ownerCountKey, ownerCountKeys, recordOf, type MetadataRecord, type OwnStrings, type Rare, type Shape } from './metadata-entry.ts';

export type Labels = Readonly<Record<string, string>>;

/** What the cache needs of a namespace's objects, whichever way they are stored. */
export type Bucket = {
  readonly namespace: string;
  readonly size: number;
  upsert(name: string, object: KubeObject): void;
  remove(name: string): void;
  get(name: string): KubeObject | undefined;
  has(name: string): boolean;
  /** The object's resourceVersion as last listed or watched (what content verdicts are keyed by). */
  version(name: string): string | undefined;
  /** Appends the objects whose labels match to `found`. */
  list(labels: Labels | undefined, found: KubeObject[]): void;
  /** Objects whose labels match and that have an owner of `owner` ("group/Kind"), if given. */
  count(labels: Labels | undefined, owner: string | undefined): number;
  /** A list has filled the bucket: order it for lookups. */
  seal(): void;
};

/** Where a bucket's objects come from and what they are handed out as. */
export type BucketContext = { info: ResourceInfo; apiVersion: string };

/** A selector's pairs, taken once per list or count: a /metrics scrape tests all 50,000 Secrets. */
type LabelPairs = ReadonlyArray<readonly [string, string]>;

const pairsOf = (wanted: Labels | undefined): LabelPairs => (wanted ? Object.entries(wanted) : []);

/**
 * matchesLabels without allocating per object tested: a key array per test was 14 MiB of
 * garbage per scrape at 50,000 Secrets (the placeholder gauges), enough to lift the heap after
 * an audit (bench/README.md, "Audit inside serve").
 */
const matchesLabelPairs = (have: Labels | undefined, pairs: LabelPairs): boolean => {
  for (let at = 0; at < pairs.length; at += 1) if (have?.[pairs[at]![0]] !== pairs[at]![1]) return false;
  return true;
};

const adjust = (counts: Map<string, number>, keys: readonly string[], delta: number): void => {
  for (const key of keys) {
    const count = (counts.get(key) ?? 0) + delta;
    if (count > 0) counts.set(key, count);
    else counts.delete(key);
  }
};

const ownerKeysOf = (owners: readonly OwnerReference[] | undefined): string[] => [
  ...new Set((owners ?? []).map((owner) => ownerCountKey(owner.kind, groupOf(owner.apiVersion)))),
];

/** Full objects (Gateways, Namespaces, …): frozen once, handed out as they are. */
export class ObjectBucket implements Bucket {
  readonly namespace: string;
  readonly #context: BucketContext;
  readonly #objects = new Map<string, KubeObject>();
  readonly #owned = new Map<string, number>();

  constructor(namespace: string, context: BucketContext) {
    this.namespace = namespace;
    this.#context = context;
  }

  get size(): number {
    return this.#objects.size;
  }

  upsert(name: string, object: KubeObject): void {
    const { info, apiVersion } = this.#context;
    const kept = { ...keptObjectOf(info, object), apiVersion, kind: info.kind };
    // Every object of the namespace points at the bucket's one copy of its name.
    if (info.namespaced && kept.metadata) kept.metadata.namespace = this.namespace;
    this.remove(name);
    this.#objects.set(name, deepFreeze(kept));
    adjust(this.#owned, ownerKeysOf(kept.metadata?.ownerReferences), 1);
  }

  remove(name: string): void {
    const previous = this.#objects.get(name);
    if (!previous) return;
    this.#objects.delete(name);
    adjust(this.#owned, ownerKeysOf(previous.metadata?.ownerReferences), -1);
  }

  get(name: string): KubeObject | undefined {
    return this.#objects.get(name);
  }

  has(name: string): boolean {
    return this.#objects.has(name);
  }

  version(name: string): string | undefined {
    return this.#objects.get(name)?.metadata?.resourceVersion;
  }

  list(labels: Labels | undefined, found: KubeObject[]): void {
    const pairs = pairsOf(labels);
    for (const object of this.#objects.values()) if (matchesLabelPairs(object.metadata?.labels, pairs)) found.push(object);
  }

  count(labels: Labels | undefined, owner: string | undefined): number {
    if (!labels) return owner ? (this.#owned.get(owner) ?? 0) : this.#objects.size;
    const pairs = pairsOf(labels);
    let found = 0;
    for (const object of this.#objects.values()) {
      if (matchesLabelPairs(object.metadata?.labels, pairs) && (!owner || ownerKeysOf(object.metadata?.ownerReferences).includes(owner))) found += 1;
    }
    return found;
  }

  seal(): void {}
}

/** Index of `name` in sorted `names`, or -(insertion point) - 1 when absent. */
const search = (names: readonly string[], name: string): number => {
  let low = 0;
  let high = names.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const probe = names[middle]!;
    if (probe < name) low = middle + 1;
    else if (probe > name) high = middle - 1;
    else return middle;
  }
  return -low - 1;
};

// resourceVersions: etcd revisions, decimal integers, kept as numbers (8 bytes in a double array,
// not a string each: 150,000 objects). Another form (the API calls them opaque) goes in a Map.
const OTHER_VERSION = -1;

const versionNumberOf = (version: string | undefined): number => {
  const number = Number(version);
  return version !== undefined && Number.isSafeInteger(number) && number >= 0 && String(number) === version ? number : OTHER_VERSION;
};

/** Usually every object of a namespace has the same shape: one value until a second one appears. */
class ShapeColumn {
  #only: Shape | undefined;
  #all: Shape[] | undefined;
  #length = 0;

  at(index: number): Shape {
    return this.#all ? this.#all[index]! : this.#only!;
  }

  set(index: number, shape: Shape): void {
    if (this.#all || shape !== this.#only) this.#expanded()[index] = shape;
  }

  insert(index: number, shape: Shape): void {
    if (!this.#all && (this.#length === 0 || shape === this.#only)) this.#only = shape;
    else this.#expanded().splice(index, 0, shape);
    this.#length += 1;
  }

  remove(index: number): void {
    this.#all?.splice(index, 1);
    this.#length -= 1;
  }

  /** Keeps the entries at `order`'s positions, in that order. */
  reorder(order: readonly number[]): void {
    const all = this.#all;
    if (all) this.#all = order.map((index) => all[index]!);
    this.#length = order.length;
  }

  #expanded(): Shape[] {
    return (this.#all ??= Array.from({ length: this.#length }, () => this.#only!));
  }
}

/** Metadata-only objects as records (metadata-entry.ts), one array per field, sorted by name. */
export class MetadataBucket implements Bucket {
  readonly namespace: string;
  readonly #context: BucketContext;
  readonly #owned = new Map<string, number>();
  #names: string[] = [];
  #created: number[] = [];
  #shapes = new ShapeColumn();
  #strings: OwnStrings[] = [];
  #versions: number[] = [];
  /** By name: resourceVersions that are not decimal integers. */
  #otherVersions = new Map<string, string>();
  /** By name: the few objects with several owners, a deletion timestamp or an odd creation time. */
  #rare = new Map<string, Rare>();
  /** While a list fills a new cache, names may come in any order (the API server's order is not a promise). */
  #loading: boolean;
  #sorted = true;

  constructor(namespace: string, context: BucketContext, loading: boolean) {
    this.namespace = namespace;
    this.#context = context;
    this.#loading = loading;
  }

  get size(): number {
    return this.#names.length;
  }

  upsert(name: string, object: KubeObject): void {
    const record = recordOf(object.metadata ?? {});
    const at = this.#indexFor(name);
    if (at >= 0) {
      adjust(this.#owned, this.#ownerKeys(at), -1);
      this.#write(at, name, record);
    } else {
      this.#insert(-at - 1, name, record);
    }
    this.#setVersion(at >= 0 ? at : -at - 1, name, object.metadata?.resourceVersion);
    adjust(this.#owned, ownerCountKeys(record.shape, record.rare), 1);
  }

  remove(name: string): void {
    this.seal();
    const at = search(this.#names, name);
    if (at < 0) return;
    adjust(this.#owned, this.#ownerKeys(at), -1);
    this.#names.splice(at, 1);
    this.#created.splice(at, 1);
    this.#shapes.remove(at);
    this.#strings.splice(at, 1);
    this.#versions.splice(at, 1);
    this.#rare.delete(name);
    this.#otherVersions.delete(name);
  }

  get(name: string): KubeObject | undefined {
    this.seal();
    const at = search(this.#names, name);
    return at < 0 ? undefined : this.#objectAt(at);
  }

  has(name: string): boolean {
    this.seal();
    return search(this.#names, name) >= 0;
  }

  version(name: string): string | undefined {
    this.seal();
    const at = search(this.#names, name);
    if (at < 0) return undefined;
    const version = this.#versions[at]!;
    return version === OTHER_VERSION ? this.#otherVersions.get(name) : String(version);
  }

  list(labels: Labels | undefined, found: KubeObject[]): void {
    this.seal();
    const pairs = pairsOf(labels);
    for (let at = 0; at < this.#names.length; at += 1) if (matchesLabelPairs(this.#shapes.at(at).labels, pairs)) found.push(this.#objectAt(at));
  }

  count(labels: Labels | undefined, owner: string | undefined): number {
    this.seal();
    if (!labels) return owner ? (this.#owned.get(owner) ?? 0) : this.#names.length;
    const pairs = pairsOf(labels);
    let found = 0;
    for (let at = 0; at < this.#names.length; at += 1) {
      if (matchesLabelPairs(this.#shapes.at(at).labels, pairs) && (!owner || this.#ownerKeys(at).includes(owner))) found += 1;
    }
    return found;
  }

  /** A list has filled the bucket: sorts what came out of order (of a name listed twice, the later record stays). */
  seal(): void {
    if (!this.#loading) return;
    this.#loading = false;
    if (this.#sorted) return;
    const names = this.#names;
    const order = names.map((_, at) => at).sort((a, b) => (names[a]! < names[b]! ? -1 : names[a]! > names[b]! ? 1 : a - b));
    const kept = order.filter((at, position) => names[order[position + 1]!] !== names[at]);
    this.#names = kept.map((at) => names[at]!);
    this.#created = kept.map((at) => this.#created[at]!);
    this.#shapes.reorder(kept);
    this.#strings = kept.map((at) => this.#strings[at]);
    this.#versions = kept.map((at) => this.#versions[at]!);
    this.#sorted = true;
    this.#owned.clear();
    for (let at = 0; at < this.#names.length; at += 1) adjust(this.#owned, this.#ownerKeys(at), 1);
  }

  /** Where `name` is, or -(where it goes) - 1. A list's next name usually goes last: no search. */
  #indexFor(name: string): number {
    const names = this.#names;
    const last = names.length - 1;
    if (last < 0 || names[last]! < name) return -names.length - 1;
    if (names[last] === name) return last;
    if (this.#loading) {
      this.#sorted = false;
      return -names.length - 1;
    }
    return search(names, name);
  }

  #write(at: number, name: string, record: MetadataRecord): void {
    this.#names[at] = name;
    this.#created[at] = record.created;
    this.#shapes.set(at, record.shape);
    this.#strings[at] = record.strings;
    if (record.rare) this.#rare.set(name, record.rare);
    else this.#rare.delete(name);
  }

  #insert(at: number, name: string, record: MetadataRecord): void {
    this.#names.splice(at, 0, name);
    this.#created.splice(at, 0, record.created);
    this.#shapes.insert(at, record.shape);
    this.#strings.splice(at, 0, record.strings);
    this.#versions.splice(at, 0, OTHER_VERSION);
    // While a list loads out of order, a name listed twice is inserted twice: the later record's say.
    if (record.rare) this.#rare.set(name, record.rare);
    else this.#rare.delete(name);
  }

  #setVersion(at: number, name: string, version: string | undefined): void {
    const number = versionNumberOf(version);
    this.#versions[at] = number;
    if (number === OTHER_VERSION && version !== undefined) this.#otherVersions.set(name, version);
    else this.#otherVersions.delete(name);
  }

  #ownerKeys(at: number): string[] {
    return ownerCountKeys(this.#shapes.at(at), this.#rare.get(this.#names[at]!));
  }

  #objectAt(at: number): KubeObject {
    const name = this.#names[at]!;
    const record: MetadataRecord = { created: this.#created[at]!, shape: this.#shapes.at(at), strings: this.#strings[at], rare: this.#rare.get(name) };
    const { info, apiVersion } = this.#context;
    return objectOf(record, info, apiVersion, info.namespaced ? this.namespace : undefined, name);
  }
}
