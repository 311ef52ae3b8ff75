// What the cache keeps of a metadata-only object (Secrets, solver routes: the numerous ones, sized
// in docs/cluster-view.md): a record of a few fields, not an object tree. Its name is the bucket's
// key and its namespace the bucket's (buckets.ts MetadataBucket); the creation time is a small integer;
// the kept labels, the only owner's kind and the annotation keys form a shape shared by every
// object that has them. get() and list() build the object from the record when asked.
import type { KubeObject, ObjectMeta, OwnerReference } from '../../kube/object.ts';
import { SOLVER_LABEL, type ResourceInfo } from '../resources.ts';
import { groupOf } from '../../kube/groups.ts';
import { MANAGED_BY_LABEL } from '../../kube/labels.ts';
import { deepFreeze } from './compact.ts';

type Strings = Readonly<Record<string, string>>;

/**
 * The labels certguard selects metadata-only objects by: the solver label and certguard's own
 * placeholder marks (`certguard.io/placeholder`, `app.kubernetes.io/managed-by`). Others are
 * dropped: cert-manager puts a unique domain and token hash on every solver route, 2 of its 3
 * labels. Selecting by a dropped label throws (resource-cache.ts) rather than find nothing.
 */
export const isKeptLabel = (key: string): boolean => key === SOLVER_LABEL || key === MANAGED_BY_LABEL || key.startsWith(OWN);

const OWN = 'certguard.io/';

/**
 * The annotations a reader of metadata-only objects uses: cert-manager's mark on a Secret it
 * issued into (`certificate-name`) and certguard's own marks, in the key or in the value (a
 * placeholder's sentinel issuer-name, which cert-manager replaces when it issues). The rest are
 * dropped: cert-manager puts half a dozen on each of thousands of Secrets, and on a
 * kubectl-applied Secret the last-applied annotation is a copy of its data, never to be cached.
 */
export const isKeptAnnotation = (key: string, value?: string): boolean =>
  key === 'cert-manager.io/certificate-name' || key.startsWith(OWN) || (value?.startsWith(OWN) ?? false);

export const ownerCountKey = (kind: string, group: string): string => `${group}/${kind}`;

/** An owner reference without its name; `countKey` ("group/Kind") is what count() matches. */
type OwnerKind = { readonly reference: Readonly<Omit<OwnerReference, 'name'>>; readonly countKey: string };

/** apiVersion, kind, controller: uid and blockOwnerDeletion are for the garbage collector. */
const ownerKindOf = (owner: OwnerReference): OwnerKind => {
  const reference: Omit<OwnerReference, 'name'> = { apiVersion: owner.apiVersion, kind: owner.kind };
  if (owner.controller !== undefined) reference.controller = owner.controller;
  return { reference, countKey: ownerCountKey(owner.kind, groupOf(owner.apiVersion)) };
};

/**
 * What many objects have in common: the kept labels (values included), the kind of their only
 * owner, the keys of their kept annotations. Every solver route of a cluster has the same shape;
 * so has every Secret cert-manager issued into.
 */
export type Shape = Readonly<{ labels: Strings | undefined; ownerKind: OwnerKind | undefined; annotationKeys: readonly string[] }>;

// Distinct shapes are few (the solver label and a Challenge owner; a placeholder's marks).
// Bounded all the same: past the limit, objects simply stop sharing.
const SHAPE_LIMIT = 4096;
const shapes = new Map<string, Shape>();

const shapeOf = (labels: [string, string][], owner: OwnerReference | undefined, annotationKeys: string[]): Shape => {
  const ownerKind = owner ? ownerKindOf(owner) : undefined;
  const key = JSON.stringify([labels, ownerKind?.reference ?? null, annotationKeys]);
  const known = shapes.get(key);
  if (known) return known;
  const shape = deepFreeze({ labels: labels.length > 0 ? Object.fromEntries(labels) : undefined, ownerKind, annotationKeys });
  if (shapes.size < SHAPE_LIMIT) shapes.set(key, shape);
  return shape;
};

/** The owner kinds of a record, once each: what count({ ownedBy }) matches. */
export const ownerCountKeys = (shape: Shape, rare: Rare | undefined): string[] => {
  if (shape.ownerKind) return [shape.ownerKind.countKey];
  return [...new Set((rare?.owners ?? []).map((owner) => ownerCountKey(owner.kind, groupOf(owner.apiVersion))))];
};

// metav1.Time on the wire: RFC 3339, whole seconds, UTC.
const WIRE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

const timeOf = (seconds: number): string => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');

/** creationTimestamp in seconds (a small integer for V8 until 2038), -1 when absent or in another form. */
const secondsOf = (time: string | undefined): number => {
  if (time === undefined || !WIRE_TIME.test(time)) return -1;
  const millis = Date.parse(time);
  // Date.parse rolls "02-30" or "T24:00" over into the next day: such a time is kept as written.
  if (Number.isNaN(millis) || new Date(millis).getUTCDate() !== Number(time.slice(8, 10))) return -1;
  return millis / 1000;
};

/** What few objects have: several owners, a deletion in progress, a timestamp in another form. */
export type Rare = Readonly<{ owners?: readonly OwnerReference[]; deletionTimestamp?: string; creationTimestamp?: string }>;

const rareOf = (metadata: ObjectMeta, created: number): Rare | undefined => {
  const rare: { -readonly [K in keyof Rare]: Rare[K] } = {};
  const owners = metadata.ownerReferences ?? [];
  if (owners.length > 1) rare.owners = owners.map((owner) => ({ ...ownerKindOf(owner).reference, name: owner.name }));
  if (metadata.deletionTimestamp) rare.deletionTimestamp = metadata.deletionTimestamp;
  if (created < 0 && metadata.creationTimestamp) rare.creationTimestamp = metadata.creationTimestamp;
  return Object.keys(rare).length > 0 ? deepFreeze(rare) : undefined;
};

/** An object's own strings, in the order its shape names them: one as itself, several frozen. */
export type OwnStrings = string | readonly string[] | undefined;

const packed = (values: string[]): OwnStrings => (values.length === 0 ? undefined : values.length === 1 ? values[0] : Object.freeze(values));
const unpacked = (values: OwnStrings): readonly string[] => (values === undefined ? [] : typeof values === 'string' ? [values] : values);

/** The record of one metadata-only object (stored column by column: buckets.ts MetadataBucket). */
export type MetadataRecord = {
  /** creationTimestamp in seconds, -1 when absent. */
  created: number;
  shape: Shape;
  /** The only owner's name, then the kept annotation values. */
  strings: OwnStrings;
  rare: Rare | undefined;
};

const keptStrings = (values: Record<string, string> | undefined, isKept: (key: string, value: string) => boolean): [string, string][] =>
  Object.entries(values ?? {}).filter(([key, value]) => typeof value === 'string' && isKept(key, value));

export const recordOf = (metadata: ObjectMeta): MetadataRecord => {
  const owners = metadata.ownerReferences ?? [];
  const owner = owners.length === 1 ? owners[0] : undefined;
  const labels = keptStrings(metadata.labels, isKeptLabel).sort(([a], [b]) => (a < b ? -1 : 1));
  const annotations = keptStrings(metadata.annotations, isKeptAnnotation);
  const created = secondsOf(metadata.creationTimestamp);
  return {
    created,
    shape: shapeOf(
      labels,
      owner,
      annotations.map(([key]) => key),
    ),
    strings: packed([...(owner ? [owner.name] : []), ...annotations.map(([, value]) => value)]),
    rare: rareOf(metadata, created),
  };
};

/** The object as callers see it: apiVersion, kind and the kept metadata, frozen. */
export const objectOf = (record: MetadataRecord, info: ResourceInfo, apiVersion: string, namespace: string | undefined, name: string): KubeObject => {
  const { shape, rare } = record;
  const strings = unpacked(record.strings);
  const metadata: ObjectMeta = { name };
  if (namespace !== undefined) metadata.namespace = namespace;
  const created = record.created < 0 ? rare?.creationTimestamp : timeOf(record.created);
  if (created !== undefined) metadata.creationTimestamp = created;
  if (shape.labels) metadata.labels = shape.labels;
  const values = shape.ownerKind ? strings.slice(1) : strings;
  if (shape.annotationKeys.length > 0) metadata.annotations = Object.fromEntries(shape.annotationKeys.map((key, index) => [key, values[index] ?? '']));
  if (shape.ownerKind) metadata.ownerReferences = [{ ...shape.ownerKind.reference, name: strings[0] ?? '' }];
  else if (rare?.owners) metadata.ownerReferences = [...rare.owners];
  if (rare?.deletionTimestamp) metadata.deletionTimestamp = rare.deletionTimestamp;
  return deepFreeze({ apiVersion, kind: info.kind, metadata });
};
