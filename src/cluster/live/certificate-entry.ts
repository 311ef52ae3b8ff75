// What the cache keeps of a cert-manager Certificate: the fields gateway-listener-tls reads to
// tell which Certificate fills a listener's Secret, how it is issued and what key it wants.
// Everything else — status history, usages, keystores, managedFields — is dropped:
// a cluster has thousands of Certificates, and a full one is 3–5 KiB once parsed. The parts many
// Certificates share (issuerRef, privateKey, the Ready condition, a shim's owner and annotations)
// are kept once (intern): 10,000 Certificates cost ~7 MiB of heap (bench/README.md).
import type { KubeObject, ObjectMeta } from '../../kube/object.ts';
import { deepFreeze } from './compact.ts';

type Raw = Record<string, unknown>;

// Distinct values are few (one issuerRef per issuer, one status per Ready reason, one owner per
// Gateway); bounded all the same: past the limit, values simply stop being shared.
const INTERN_LIMIT = 8192;
const interned = new Map<string, unknown>();

/** One frozen copy of each distinct value: cached objects are frozen anyway (compact.ts deepFreeze). */
const intern = <T>(value: T): T => {
  if (value === undefined) return value;
  const key = JSON.stringify(value);
  const known = interned.get(key);
  if (known !== undefined) return known as T;
  const frozen = deepFreeze(value);
  if (interned.size < INTERN_LIMIT) interned.set(key, frozen);
  return frozen;
};

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
// The parsed array itself when it holds strings only (it always does from the API server):
// .filter's copy reserves room for ~17 items whatever it keeps, 1.45 MiB at 10,000 Certificates.
const strings = (value: unknown): string[] | undefined => {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  if (value.every((item) => typeof item === 'string')) return value as string[];
  const kept = value.filter((item): item is string => typeof item === 'string');
  return kept.length > 0 ? kept : undefined;
};

/** Annotations a policy reads: cert-manager's own (the http01-parentref overrides among them). */
export const isKeptCertificateAnnotation = (key: string): boolean => key.startsWith('cert-manager.io/') || key.startsWith('acme.cert-manager.io/');

/** Only the defined entries: absent fields cost nothing in the cache. */
const defined = (entries: Record<string, unknown>): Raw | undefined => {
  const kept = Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined));
  return Object.keys(kept).length > 0 ? kept : undefined;
};

const metadataOf = (metadata: ObjectMeta | undefined): ObjectMeta => {
  const annotations = Object.entries(metadata?.annotations ?? {}).filter(([key]) => isKeptCertificateAnnotation(key));
  const kept: ObjectMeta = { name: metadata?.name ?? '' };
  if (metadata?.namespace !== undefined) kept.namespace = metadata.namespace;
  // Solver selectors match the Certificate's labels (solver-picker.ts matchLabels).
  // Not interned: labels are mostly per application, and the intern table would keep each set.
  if (metadata?.labels && Object.keys(metadata.labels).length > 0) kept.labels = metadata.labels;
  if (annotations.length > 0) kept.annotations = intern(Object.fromEntries(annotations));
  // A shim Certificate is controlled by its Gateway, ListenerSet or Ingress.
  const controller = metadata?.ownerReferences?.find((owner) => owner.controller === true);
  if (controller) kept.ownerReferences = intern([{ apiVersion: controller.apiVersion, kind: controller.kind, name: controller.name, controller: true }]);
  if (metadata?.deletionTimestamp) kept.deletionTimestamp = metadata.deletionTimestamp;
  return kept;
};

const specOf = (spec: Raw): Raw | undefined => {
  const issuerRef = (spec.issuerRef ?? {}) as Raw;
  const privateKey = (spec.privateKey ?? {}) as Raw;
  return defined({
    secretName: text(spec.secretName),
    issuerRef: intern(defined({ name: text(issuerRef.name), kind: text(issuerRef.kind), group: text(issuerRef.group) })),
    commonName: text(spec.commonName),
    dnsNames: strings(spec.dnsNames),
    ipAddresses: strings(spec.ipAddresses),
    privateKey: intern(
      defined({
        algorithm: text(privateKey.algorithm),
        size: typeof privateKey.size === 'number' ? privateKey.size : undefined,
        rotationPolicy: text(privateKey.rotationPolicy),
      }),
    ),
  });
};

type Condition = { type?: unknown; status?: unknown; reason?: unknown };

/** The Ready condition alone (type, status, reason): "add the listener once it is Ready". */
const statusOf = (status: Raw): Raw | undefined => {
  const conditions = Array.isArray(status.conditions) ? (status.conditions as Condition[]) : [];
  const ready = conditions.find((condition) => condition?.type === 'Ready');
  if (!ready) return undefined;
  return intern({ conditions: [defined({ type: 'Ready', status: text(ready.status), reason: text(ready.reason) })] });
};

export const compactCertificate = (object: KubeObject): KubeObject => {
  const kept: KubeObject = { apiVersion: object.apiVersion, kind: object.kind, metadata: metadataOf(object.metadata) };
  const spec = specOf((object.spec ?? {}) as Raw);
  // Most Certificates are named after their Secret: one string, not two.
  if (spec && spec.secretName === kept.metadata?.name) spec.secretName = kept.metadata?.name;
  if (spec) kept.spec = spec;
  const status = statusOf((object.status ?? {}) as Raw);
  if (status) kept.status = status;
  return kept;
};
