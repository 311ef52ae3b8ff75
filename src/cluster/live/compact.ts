// What the cache keeps of an object. Metadata-only resources (Secrets, solver routes) are the
// numerous ones — seed 001 had 22,514 solver HTTPRoutes — so they keep only the fields policies
// read; full objects lose the bookkeeping nobody reads (managedFields, last-applied copies).
import type { KubeObject, ObjectMeta, OwnerReference } from '../../admission/types.ts';
import type { ResourceInfo } from '../resources.ts';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

const compactOwners = (owners: OwnerReference[] | undefined): OwnerReference[] | undefined =>
  owners?.map((owner) => {
    const kept: OwnerReference = { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.name };
    if (owner.controller !== undefined) kept.controller = owner.controller;
    return kept;
  });

/**
 * The annotations a reader of metadata-only objects uses: cert-manager's mark on a Secret it
 * issued into (a placeholder it replaced is no longer a placeholder) and certguard's own. The
 * rest are dropped: cert-manager puts half a dozen on each of thousands of Secrets, and on a
 * kubectl-applied Secret the last-applied annotation is a copy of its data, never to be cached.
 */
const isKeptAnnotation = (key: string): boolean => key === 'cert-manager.io/certificate-name' || key.startsWith('certguard.io/');

const keptAnnotations = (annotations: Record<string, string> | undefined): Record<string, string> | undefined => {
  if (!annotations) return undefined;
  const entries = Object.entries(annotations).filter(([key]) => isKeptAnnotation(key));
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
};

/**
 * Name, namespace, labels, the annotations above, owners (without uid), creationTimestamp,
 * resourceVersion and, when set, deletionTimestamp.
 */
const compactMetadata = (metadata: ObjectMeta): ObjectMeta => {
  const kept: ObjectMeta = { name: metadata.name, namespace: metadata.namespace, resourceVersion: metadata.resourceVersion, creationTimestamp: metadata.creationTimestamp };
  if (metadata.labels) kept.labels = metadata.labels;
  const annotations = keptAnnotations(metadata.annotations);
  if (annotations) kept.annotations = annotations;
  const owners = compactOwners(metadata.ownerReferences);
  if (owners) kept.ownerReferences = owners;
  if (metadata.deletionTimestamp) kept.deletionTimestamp = metadata.deletionTimestamp;
  return kept;
};

/** The whole object minus managedFields and the last-applied annotation. */
export const withoutBookkeeping = (object: KubeObject): KubeObject => {
  const metadata: Record<string, unknown> = { ...object.metadata };
  delete metadata.managedFields;
  const annotations = metadata.annotations as Record<string, string> | undefined;
  if (annotations && LAST_APPLIED in annotations) {
    const { [LAST_APPLIED]: _dropped, ...rest } = annotations;
    metadata.annotations = rest;
  }
  return { ...object, metadata: metadata as ObjectMeta };
};

/**
 * The cached form. List items of built-in kinds come without apiVersion/kind and metadata-only
 * answers say PartialObjectMetadata, so both are set to the resource's own.
 */
export const compactObject = (info: ResourceInfo, apiVersion: string, object: KubeObject): KubeObject => {
  if (info.metadataOnly) return { apiVersion, kind: info.kind, metadata: compactMetadata(object.metadata ?? {}) };
  return { ...withoutBookkeeping(object), apiVersion, kind: info.kind };
};

/** Cached objects are shared with every caller: freezing makes an accidental write throw. */
export const deepFreeze = <T>(value: T): T => {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  for (const inner of Object.values(value)) deepFreeze(inner);
  return Object.freeze(value);
};
