// Reading an object that arrived as JSON without trusting its shape. Admission requests reach the
// mutating phase before the API server validates them, and a manifest given to `certguard check`
// is whatever the file says: an `annotations` that is a string, a `listeners` that is not an array
// or a null entry must read as "absent", never as a TypeError.
import type { OwnerReference } from './object.ts';

export type Fields = Record<string, unknown>;

export const isRecord = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The value as a map of fields, or an empty one. */
export const recordOf = (value: unknown): Fields => (isRecord(value) ? value : {});

/** The value as an array, or an empty one (entries are still unknown). */
export const arrayOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** A string, or undefined for anything else. */
export const stringOf = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** A non-empty string, or undefined (Kubernetes treats an empty optional string as unset). */
export const textOf = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** The strings of an array, in order; other entries are dropped. */
export const stringsOf = (value: unknown): string[] => arrayOf(value).filter((item): item is string => typeof item === 'string');

/** A string-to-string map (labels, annotations); entries whose value is not a string are dropped. */
export const stringMapOf = (value: unknown): Record<string, string> => {
  const map: Record<string, string> = {};
  for (const [key, entry] of Object.entries(recordOf(value))) if (typeof entry === 'string') map[key] = entry;
  return map;
};

export const metadataOf = (object: unknown): Fields => recordOf(recordOf(object).metadata);
export const specOf = (object: unknown): Fields => recordOf(recordOf(object).spec);
export const statusOf = (object: unknown): Fields => recordOf(recordOf(object).status);

export const nameOf = (object: unknown): string | undefined => textOf(metadataOf(object).name);
export const labelsOf = (object: unknown): Record<string, string> => stringMapOf(metadataOf(object).labels);
export const annotationsOf = (object: unknown): Record<string, string> => stringMapOf(metadataOf(object).annotations);

/** One annotation's value (an empty string is a value), or undefined when absent or malformed. */
export const annotationOf = (object: unknown, key: string): string | undefined => {
  const annotations = annotationsOf(object);
  return Object.hasOwn(annotations, key) ? annotations[key] : undefined;
};

export const labelOf = (object: unknown, key: string): string | undefined => {
  const labels = labelsOf(object);
  return Object.hasOwn(labels, key) ? labels[key] : undefined;
};

const ownerReferenceOf = (value: unknown): OwnerReference[] => {
  const ref = recordOf(value);
  const [apiVersion, kind, name] = [stringOf(ref.apiVersion), stringOf(ref.kind), stringOf(ref.name)];
  if (apiVersion === undefined || kind === undefined || name === undefined) return [];
  const owner: OwnerReference = { apiVersion, kind, name };
  if (typeof ref.uid === 'string') owner.uid = ref.uid;
  if (typeof ref.controller === 'boolean') owner.controller = ref.controller;
  return [owner];
};

/** The well-formed ownerReferences (apiVersion, kind and name are strings); others are dropped. */
export const ownerReferencesOf = (object: unknown): OwnerReference[] => arrayOf(metadataOf(object).ownerReferences).flatMap(ownerReferenceOf);

/**
 * The namespace an object lives in: its own, else the request's (a CREATE may leave it out), else
 * "default" (what the API server assigns when neither names one).
 */
export const namespaceOf = (object: unknown, requestNamespace?: string): string =>
  textOf(metadataOf(object).namespace) ?? textOf(requestNamespace) ?? 'default';

/** metadata.deletionTimestamp is set: the object is only losing finalizers. */
export const isBeingDeleted = (object: unknown): boolean => Boolean(textOf(metadataOf(object).deletionTimestamp));
