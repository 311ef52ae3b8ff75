// What the cache keeps of a full object (Gateways, ListenerSets, ReferenceGrants, Namespaces,
// Services, Issuers): all of it but the bookkeeping nobody reads (managedFields, last-applied
// copies). Certificates keep only what policies read (certificate-entry.ts). Metadata-only
// resources are kept as records instead: metadata-entry.ts.
import type { KubeObject, ObjectMeta } from '../../kube/object.ts';
import type { ResourceInfo } from '../resources.ts';
import { compactCertificate } from './certificate-entry.ts';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

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

/** Cached objects are shared with every caller: freezing makes an accidental write throw. */
export const deepFreeze = <T>(value: T): T => {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  for (const inner of Object.values(value)) deepFreeze(inner);
  return Object.freeze(value);
};

/** What an object of `info` becomes in a full-object cache. */
export const keptObjectOf = (info: ResourceInfo, object: KubeObject): KubeObject =>
  info.id === 'certificates' ? compactCertificate(object) : withoutBookkeeping(object);
