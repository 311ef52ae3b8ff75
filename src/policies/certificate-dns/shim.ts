// The Certificates one admission request stands for: a Certificate itself, or the Certificates
// cert-manager's ingress-shim / gateway-shim would create from an annotated Ingress or Gateway.
// Mirrors cert-manager pkg/controller/certificate-shim (sync.go: issuerForIngressLike,
// buildCertificates, handleGatewayAPIListeners, validateGatewayListenerBlock), so the developer
// sees the denial on the object they applied rather than later in cert-manager's events.
import { isIP } from 'node:net';
import type { KubeObject } from '../../kube/object.ts';

export const ISSUER_ANNOTATION = 'cert-manager.io/issuer';
export const CLUSTER_ISSUER_ANNOTATION = 'cert-manager.io/cluster-issuer';
export const ISSUER_KIND_ANNOTATION = 'cert-manager.io/issuer-kind';
export const ISSUER_GROUP_ANNOTATION = 'cert-manager.io/issuer-group';
export const COMMON_NAME_ANNOTATION = 'cert-manager.io/common-name';
export const IGNORE_TLS_LISTENERS_ANNOTATION = 'cert-manager.io/ignore-tls-listeners';
export const PARENT_REF_NAME_ANNOTATION = 'acme.cert-manager.io/http01-parentrefname';
export const PARENT_REF_KIND_ANNOTATION = 'acme.cert-manager.io/http01-parentrefkind';
export const PARENT_REF_NAMESPACE_ANNOTATION = 'acme.cert-manager.io/http01-parentrefnamespace';
/** On a ListenerSet: point the solver HTTPRoute at the parent Gateway instead (setListenerSetParentRefAnnotations). */
export const PARENT_REF_FALLBACK_ANNOTATION = 'acme.cert-manager.io/http01-parentreffallback';
// cert-manager drops it from shim Certificates: it would get them pruned (cert-manager#7306).
const APPLYSET_LABEL = 'applyset.kubernetes.io/part-of';

export const CERT_MANAGER_GROUP = 'cert-manager.io';

export type IssuerRef = { name: string; kind: string; group: string };

/** One identifier of a Certificate, with the field of the applied object it came from. */
export type JudgedName = { value: string; field: string; isIp: boolean };

export type JudgedCertificate = {
  /** How messages name it: "Certificate ns/name" or "Ingress ns/name (ingress-shim Certificate x)". */
  subject: string;
  namespace: string;
  /** The Certificate's name: a shim names it after its Secret (certificate-shim buildCertificates). */
  name: string;
  secretName: string;
  /** The Certificate's labels and annotations: cert-manager copies them to the ACME Order. */
  labels: Record<string, string>;
  annotations: Record<string, string>;
  issuerRef: IssuerRef;
  /** Where the issuer was named, for messages: "spec.issuerRef" or an annotation. */
  issuerField: string;
  names: JudgedName[];
};

export type Derived = { certificates: JudgedCertificate[]; warnings: string[] };

type Spec = Record<string, unknown>;

const specOf = (object: KubeObject): Spec => (object.spec as Spec | undefined) ?? {};
const stringsOf = (value: unknown): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const namespaceOf = (object: KubeObject, fallback?: string): string => object.metadata?.namespace ?? fallback ?? 'default';
const objectName = (object: KubeObject): string => object.metadata?.name ?? '(unnamed)';

/** Names in first-seen order, each value once (cert-manager dedupes SANs the same way). */
const addName = (names: JudgedName[], value: string, field: string): void => {
  if (names.some((name) => name.value === value)) return;
  names.push({ value, field, isIp: isIP(value) !== 0 });
};

// ---------------------------------------------------------------- Certificate

export const certificateOf = (object: KubeObject, namespace?: string): JudgedCertificate => {
  const spec = specOf(object);
  const ref = (spec.issuerRef as Spec | undefined) ?? {};
  const names: JudgedName[] = [];
  stringsOf(spec.dnsNames).forEach((value, index) => addName(names, value, `spec.dnsNames[${index}]`));
  stringsOf(spec.ipAddresses).forEach((value, index) => addName(names, value, `spec.ipAddresses[${index}]`));
  // cert-manager puts the commonName into the ACME order too (acmeorders: CN joins the identifiers).
  const commonName = text(spec.commonName);
  if (commonName) addName(names, commonName, 'spec.commonName');
  const ns = namespaceOf(object, namespace);
  return {
    subject: `Certificate ${ns}/${objectName(object)}`,
    namespace: ns,
    name: objectName(object),
    secretName: text(spec.secretName) ?? '',
    labels: object.metadata?.labels ?? {},
    annotations: object.metadata?.annotations ?? {},
    // cert-manager defaults an empty kind to Issuer and an empty group to cert-manager.io.
    issuerRef: { name: text(ref.name) ?? '', kind: text(ref.kind) ?? 'Issuer', group: text(ref.group) ?? CERT_MANAGER_GROUP },
    issuerField: 'spec.issuerRef',
    names,
  };
};

// ---------------------------------------------------------------- shared by the shims

export const hasShimAnnotation = (object: KubeObject): boolean => {
  const annotations = object.metadata?.annotations ?? {};
  return ISSUER_ANNOTATION in annotations || CLUSTER_ISSUER_ANNOTATION in annotations;
};

type ShimIssuer = { ref: IssuerRef; field: string } | { error: string };

// Annotation pairs cert-manager refuses together (issuerForIngressLike), in its order.
const CONFLICTING_ANNOTATIONS: [string, string][] = [
  [ISSUER_ANNOTATION, CLUSTER_ISSUER_ANNOTATION],
  [CLUSTER_ISSUER_ANNOTATION, ISSUER_GROUP_ANNOTATION],
  [CLUSTER_ISSUER_ANNOTATION, ISSUER_KIND_ANNOTATION],
];

/** cert-manager issuerForIngressLike: which issuer the shim Certificate names, or why none. */
export const shimIssuerOf = (object: KubeObject): ShimIssuer => {
  const annotations = object.metadata?.annotations ?? {};
  const has = (key: string) => key in annotations;
  const clusterScoped = has(CLUSTER_ISSUER_ANNOTATION);
  const name = (clusterScoped ? annotations[CLUSTER_ISSUER_ANNOTATION] : annotations[ISSUER_ANNOTATION]) ?? '';
  const kind = has(ISSUER_KIND_ANNOTATION) ? (annotations[ISSUER_KIND_ANNOTATION] ?? '') : clusterScoped ? 'ClusterIssuer' : 'Issuer';
  const group = (has(ISSUER_GROUP_ANNOTATION) ? annotations[ISSUER_GROUP_ANNOTATION] : undefined) || CERT_MANAGER_GROUP;
  const errors = [
    ...(name === '' ? ['failed to determine issuer name to be used for ingress resource'] : []),
    ...CONFLICTING_ANNOTATIONS.filter(([a, b]) => has(a) && has(b)).map(([a, b]) => `both "${a}" and "${b}" may not be set`),
  ];
  if (errors.length > 0) return { error: errors.join(', ') };
  return { ref: { name, kind, group }, field: `annotation ${clusterScoped ? CLUSTER_ISSUER_ANNOTATION : ISSUER_ANNOTATION}` };
};

type SecretHosts = Map<string, JudgedName[]>;

const shimLabels = (object: KubeObject): Record<string, string> => {
  const { [APPLYSET_LABEL]: _dropped, ...labels } = object.metadata?.labels ?? {};
  return labels;
};

export type ShimName = 'ingress-shim' | 'gateway-shim' | 'listenerset-shim';

const SHIM_KINDS: Record<ShimName, string> = { 'ingress-shim': 'Ingress', 'gateway-shim': 'Gateway', 'listenerset-shim': 'ListenerSet' };

/** Where the shim points the solver HTTPRoute (cert-manager setIssuerSpecificConfig). */
const parentRefAnnotations = (object: KubeObject, shim: ShimName): Record<string, string> => {
  if (shim === 'gateway-shim') return { [PARENT_REF_KIND_ANNOTATION]: 'Gateway', [PARENT_REF_NAME_ANNOTATION]: objectName(object) };
  if (shim !== 'listenerset-shim') return {};
  const parent = (specOf(object).parentRef ?? {}) as { name?: unknown; namespace?: unknown };
  if (/^(1|t|true)$/i.test(object.metadata?.annotations?.[PARENT_REF_FALLBACK_ANNOTATION] ?? '')) {
    return { [PARENT_REF_KIND_ANNOTATION]: 'Gateway', [PARENT_REF_NAME_ANNOTATION]: text(parent.name) ?? '', [PARENT_REF_NAMESPACE_ANNOTATION]: text(parent.namespace) ?? namespaceOf(object) };
  }
  return { [PARENT_REF_KIND_ANNOTATION]: 'ListenerSet', [PARENT_REF_NAME_ANNOTATION]: objectName(object) };
};

const buildShimCertificates = (object: KubeObject, namespace: string | undefined, shim: ShimName, bySecret: SecretHosts): Derived => {
  const issuer = shimIssuerOf(object);
  const kind = object.kind ?? SHIM_KINDS[shim];
  const ns = namespaceOf(object, namespace);
  const owner = `${kind} ${ns}/${objectName(object)}`;
  if ('error' in issuer) return { certificates: [], warnings: [`${owner}: cert-manager will not create a Certificate for it: ${issuer.error}.`] };
  const annotations = object.metadata?.annotations ?? {};
  const commonName = text(annotations[COMMON_NAME_ANNOTATION]);
  const { [PARENT_REF_NAMESPACE_ANNOTATION]: _stale, ...ownAnnotations } = annotations;
  const certificateAnnotations = parentRefAnnotations(object, shim);
  const certificates = [...bySecret].map(([secretName, hosts]): JudgedCertificate => {
    const names = [...hosts];
    if (commonName) addName(names, commonName, `metadata.annotations["${COMMON_NAME_ANNOTATION}"]`);
    return {
      subject: `${owner} (${shim} Certificate ${secretName})`,
      namespace: ns,
      name: secretName,
      secretName,
      labels: shimLabels(object),
      annotations: { ...(shim === 'listenerset-shim' ? ownAnnotations : annotations), ...certificateAnnotations },
      issuerRef: issuer.ref,
      issuerField: issuer.field,
      names,
    };
  });
  return { certificates, warnings: [] };
};

// ---------------------------------------------------------------- Ingress

type IngressTls = { hosts?: unknown; secretName?: unknown };

export const ingressCertificatesOf = (object: KubeObject, namespace?: string): Derived => {
  const blocks = (Array.isArray(specOf(object).tls) ? specOf(object).tls : []) as IngressTls[];
  const secretNames = blocks.map((block) => text(block.secretName));
  const duplicate = secretNames.find((name, index) => name !== undefined && secretNames.indexOf(name) !== index);
  if (duplicate !== undefined) {
    // cert-manager refuses the whole Ingress (checkForDuplicateSecretNames): nothing will be issued.
    const owner = `Ingress ${namespaceOf(object, namespace)}/${objectName(object)}`;
    return { certificates: [], warnings: [`${owner}: cert-manager will not create a Certificate for it: spec.tls secretName "${duplicate}" appears in more than one TLS entry.`] };
  }
  const bySecret: SecretHosts = new Map();
  blocks.forEach((block, index) => {
    const secretName = secretNames[index];
    const hosts = stringsOf(block.hosts);
    // cert-manager skips a block without hosts or secretName (validateIngressTLSBlock).
    if (!secretName || hosts.length === 0) return;
    const names: JudgedName[] = [];
    hosts.forEach((host, hostIndex) => addName(names, host, `spec.tls[${index}].hosts[${hostIndex}]`));
    bySecret.set(secretName, names);
  });
  return buildShimCertificates(object, namespace, 'ingress-shim', bySecret);
};

// ---------------------------------------------------------------- Gateway

type Listener = { name?: unknown; hostname?: unknown; protocol?: unknown; tls?: { mode?: unknown; certificateRefs?: unknown } };
type CertificateRef = { name?: unknown; namespace?: unknown; group?: unknown; kind?: unknown };

const TLS_PROTOCOLS = new Set(['HTTPS', 'TLS']);

/** cert-manager validateGatewayListenerBlock; the API server has defaulted mode, group and kind. */
const isUsableListener = (listener: Listener, namespace: string): boolean => {
  if (!text(listener.hostname) || !listener.tls) return false;
  const refs = (Array.isArray(listener.tls.certificateRefs) ? listener.tls.certificateRefs : []) as CertificateRef[];
  if (refs.length === 0) return false;
  const mode = listener.tls.mode ?? 'Terminate';
  if (mode !== 'Terminate') return false;
  return refs.every(
    (ref) =>
      ['core', '', undefined].includes(ref.group as string | undefined) &&
      ['Secret', '', undefined].includes(ref.kind as string | undefined) &&
      (ref.namespace === undefined || ref.namespace === namespace),
  );
};

/** Listeners the shim must skip (cert-manager isGatewayAPIListenerIgnoredThroughAnnotation: exact names, comma-separated). */
const ignoredListeners = (object: KubeObject): Set<string> =>
  new Set((object.metadata?.annotations?.[IGNORE_TLS_LISTENERS_ANNOTATION] ?? '').split(',').map((name) => name.trim()).filter(Boolean));

/** The TLS listeners' Secrets and hostnames, as cert-manager's Gateway and ListenerSet shims group them. */
const listenerSecrets = (object: KubeObject, ns: string): SecretHosts => {
  const listeners = (Array.isArray(specOf(object).listeners) ? specOf(object).listeners : []) as Listener[];
  const ignored = ignoredListeners(object);
  const bySecret: SecretHosts = new Map();
  listeners.forEach((listener, index) => {
    if (!TLS_PROTOCOLS.has(listener.protocol as string) || ignored.has(listener.name as string) || !isUsableListener(listener, ns)) return;
    const hostname = listener.hostname as string;
    for (const ref of (listener.tls?.certificateRefs ?? []) as CertificateRef[]) {
      const secretName = text(ref.name);
      if (!secretName) continue;
      const names = bySecret.get(secretName) ?? [];
      addName(names, hostname, `spec.listeners[${index}].hostname`);
      bySecret.set(secretName, names);
    }
  });
  return bySecret;
};

export const gatewayCertificatesOf = (object: KubeObject, namespace?: string): Derived =>
  buildShimCertificates(object, namespace, 'gateway-shim', listenerSecrets(object, namespaceOf(object, namespace)));

/** cert-manager v1.21's ListenerSet shim (pkg/controller/certificate-shim/listenerset; feature gate ListenerSets). */
export const listenerSetCertificatesOf = (object: KubeObject, namespace?: string): Derived =>
  buildShimCertificates(object, namespace, 'listenerset-shim', listenerSecrets(object, namespaceOf(object, namespace)));

// ---------------------------------------------------------------- any object

export type JudgedKind = 'Certificate' | 'Ingress' | 'Gateway';

export const derive = (kind: JudgedKind, object: KubeObject, namespace?: string): Derived => {
  if (kind === 'Certificate') return { certificates: [certificateOf(object, namespace)], warnings: [] };
  if (!hasShimAnnotation(object)) return { certificates: [], warnings: [] };
  return kind === 'Ingress' ? ingressCertificatesOf(object, namespace) : gatewayCertificatesOf(object, namespace);
};

/** What makes a Certificate worth judging again on UPDATE: its names and its issuer. */
export const fingerprint = (certificate: JudgedCertificate): string =>
  JSON.stringify([certificate.subject, certificate.names.map((name) => name.value), certificate.issuerRef]);

/** The Certificates of `object` that are new or changed compared with `oldObject`. */
export const changedCertificates = (kind: JudgedKind, object: KubeObject, oldObject: KubeObject | undefined, namespace?: string): Derived => {
  const now = derive(kind, object, namespace);
  if (!oldObject) return now;
  const before = new Set(derive(kind, oldObject, namespace).certificates.map(fingerprint));
  return { certificates: now.certificates.filter((certificate) => !before.has(fingerprint(certificate))), warnings: now.warnings };
};
