// What the cache keeps of a full object (Gateways, ListenerSets, ReferenceGrants, Namespaces,
// Services, Issuers): all of it but the bookkeeping nobody reads (managedFields, last-applied
// copies), and of a Gateway's or ListenerSet's status only addresses (certificate-dns) and a
// ListenerSet's Accepted condition (the audit). Certificates
// keep only what policies read (certificate-entry.ts). Metadata-only resources are kept as
// records instead: metadata-entry.ts.
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

// The controller's status (per listener: supportedKinds, attachedRoutes, three conditions with
// messages, as Traefik v3 writes it) is most of a programmed Gateway once parsed: ~1 KiB per
// listener, 19 MiB of heap at 2,000 Gateways of 10 listeners (bench/README.md). No
// policy reads it; certificate-dns reads status.addresses, where the gatewayHTTPRoute solver's
// traffic arrives.
const GATEWAY_STATUS_KEPT = 'addresses';

/** A Gateway or ListenerSet without bookkeeping, its status reduced to addresses. */
export const compactGateway = (object: KubeObject): KubeObject => {
  const { status, ...rest } = withoutBookkeeping(object);
  const addresses = (status as Record<string, unknown> | undefined)?.[GATEWAY_STATUS_KEPT];
  return addresses === undefined ? rest : { ...rest, status: { [GATEWAY_STATUS_KEPT]: addresses } };
};

/**
 * A ListenerSet as a Gateway, plus its top-level Accepted condition: the audit reports a
 * ListenerSet its Gateway did not attach in the controller's words (src/audit/attachment.ts). One
 * condition per ListenerSet, not per listener.
 */
export const compactListenerSet = (object: KubeObject): KubeObject => {
  const compact = compactGateway(object);
  const conditions = (object.status as { conditions?: unknown } | undefined)?.conditions;
  const accepted = Array.isArray(conditions) ? conditions.filter((condition) => (condition as { type?: unknown } | null)?.type === 'Accepted') : [];
  return accepted.length === 0 ? compact : { ...compact, status: { ...(compact.status as Record<string, unknown> | undefined), conditions: accepted } };
};

/**
 * A BackendTLSPolicy as the reverse index reads it: metadata and spec.validation.caCertificateRefs.
 * Its targetRefs, hostname, subjectAltNames and status (one condition set per ancestor) are read by
 * no policy from the cache.
 */
export const compactBackendTlsPolicy = (object: KubeObject): KubeObject => {
  const { apiVersion, kind, metadata } = withoutBookkeeping(object);
  const refs = ((object.spec as { validation?: { caCertificateRefs?: unknown } } | undefined)?.validation ?? {}).caCertificateRefs;
  return { apiVersion, kind, metadata, spec: refs === undefined ? {} : { validation: { caCertificateRefs: refs } } };
};

/** What an object of `info` becomes in a full-object cache. */
export const keptObjectOf = (info: ResourceInfo, object: KubeObject): KubeObject => {
  if (info.id === 'certificates') return compactCertificate(object);
  if (info.id === 'listenersets') return compactListenerSet(object);
  if (info.id === 'gateways') return compactGateway(object);
  if (info.id === 'backendtlspolicies') return compactBackendTlsPolicy(object);
  return withoutBookkeeping(object);
};
