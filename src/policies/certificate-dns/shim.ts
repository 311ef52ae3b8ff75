// The Certificates one admission request stands for: a Certificate itself, or the Certificates
// cert-manager's ingress-shim / gateway-shim would create from an annotated Ingress or Gateway.
// Mirrors cert-manager pkg/controller/certificate-shim (sync.go: issuerForIngressLike,
// buildCertificates, handleGatewayAPIListeners, validateGatewayListenerBlock), so the developer
// sees the denial on the object they applied rather than later in cert-manager's events.
import { isIP } from 'node:net';
import { annotationsOf, arrayOf, labelsOf, nameOf, namespaceOf, recordOf, specOf, stringsOf, textOf as text } from '../../kube/accessors.ts';
import { listenersOf, type Listener } from '../../kube/gateway.ts';
import { CERT_MANAGER_GROUP } from '../../kube/groups.ts';
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

const objectName = (object: KubeObject): string => nameOf(object) ?? '(unnamed)';

/** Names in first-seen order, each value once (cert-manager dedupes SANs the same way). */
const addName = (names: JudgedName[], value: string, field: string): void => {
  if (names.some((name) => name.value === value)) return;
  names.push({ value, field, isIp: isIP(value) !== 0 });
};

// ---------------------------------------------------------------- Certificate

export const certificateOf = (object: KubeObject, namespace?: string): JudgedCertificate => {
  const spec = specOf(object);
  const ref = recordOf(spec.issuerRef);
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
    labels: labelsOf(object),
    annotations: annotationsOf(object),
    // cert-manager defaults an empty kind to Issuer and an empty group to cert-manager.io.
    issuerRef: { name: text(ref.name) ?? '', kind: text(ref.kind) ?? 'Issuer', group: text(ref.group) ?? CERT_MANAGER_GROUP },
    issuerField: 'spec.issuerRef',
    names,
  };
};

// ---------------------------------------------------------------- shared by the shims

export const hasShimAnnotation = (object: KubeObject): boolean => {
  const annotations = annotationsOf(object);
  return Object.hasOwn(annotations, ISSUER_ANNOTATION) || Object.hasOwn(annotations, CLUSTER_ISSUER_ANNOTATION);
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
  const annotations = annotationsOf(object);
  const has = (key: string) => Object.hasOwn(annotations, key);
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
  const { [APPLYSET_LABEL]: _dropped, ...labels } = labelsOf(object);
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
    return {
      [PARENT_REF_KIND_ANNOTATION]: 'Gateway',
      [PARENT_REF_NAME_ANNOTATION]: text(parent.name) ?? '',
      [PARENT_REF_NAMESPACE_ANNOTATION]: text(parent.namespace) ?? namespaceOf(object),
    };
  }
  return { [PARENT_REF_KIND_ANNOTATION]: 'ListenerSet', [PARENT_REF_NAME_ANNOTATION]: objectName(object) };
};

const buildShimCertificates = (object: KubeObject, namespace: string | undefined, shim: ShimName, bySecret: SecretHosts): Derived => {
  const issuer = shimIssuerOf(object);
  const kind = object.kind ?? SHIM_KINDS[shim];
  const ns = namespaceOf(object, namespace);
  const owner = `${kind} ${ns}/${objectName(object)}`;
  if ('error' in issuer) return { certificates: [], warnings: [`${owner}: cert-manager will not create a Certificate for it: ${issuer.error}.`] };
  const annotations = annotationsOf(object);
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
  const blocks = arrayOf(specOf(object).tls).map((block): IngressTls => recordOf(block));
  const secretNames = blocks.map((block) => text(block.secretName));
  const duplicate = secretNames.find((name, index) => name !== undefined && secretNames.indexOf(name) !== index);
  if (duplicate !== undefined) {
    // cert-manager refuses the whole Ingress (checkForDuplicateSecretNames): nothing will be issued.
    const owner = `Ingress ${namespaceOf(object, namespace)}/${objectName(object)}`;
    return {
      certificates: [],
      warnings: [`${owner}: cert-manager will not create a Certificate for it: spec.tls secretName "${duplicate}" appears in more than one TLS entry.`],
    };
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

const TLS_PROTOCOLS = new Set(['HTTPS', 'TLS']);

/** cert-manager validateGatewayListenerBlock, on the fields as written (cert-manager reads them
 *  after the API server's defaulting, so an absent group, kind or namespace is the default). */
const isUsableListener = (listener: Listener, namespace: string): boolean => {
  const tls = listener.tls;
  if (!listener.hostname || !tls || tls.certificateRefs.length === 0) return false;
  if ((tls.writtenMode ?? 'Terminate') !== 'Terminate') return false;
  return tls.certificateRefs.every(
    ({ written }) =>
      ['core', '', undefined].includes(written.group) &&
      ['Secret', '', undefined].includes(written.kind) &&
      (written.namespace === undefined || written.namespace === namespace),
  );
};

/** Listeners the shim must skip (cert-manager isGatewayAPIListenerIgnoredThroughAnnotation: exact names, comma-separated). */
const ignoredListeners = (object: KubeObject): Set<string> =>
  new Set(
    (annotationsOf(object)[IGNORE_TLS_LISTENERS_ANNOTATION] ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean),
  );

/** The TLS listeners' Secrets and hostnames, as cert-manager's Gateway and ListenerSet shims group them. */
const listenerSecrets = (object: KubeObject, ns: string): SecretHosts => {
  const ignored = ignoredListeners(object);
  const bySecret: SecretHosts = new Map();
  for (const listener of listenersOf(object, ns)) {
    if (!TLS_PROTOCOLS.has(listener.protocol ?? '') || ignored.has(listener.name) || !isUsableListener(listener, ns)) continue;
    for (const ref of listener.tls?.certificateRefs ?? []) {
      if (!ref.name) continue;
      const names = bySecret.get(ref.name) ?? [];
      addName(names, listener.hostname ?? '', `spec.listeners[${listener.index}].hostname`);
      bySecret.set(ref.name, names);
    }
  }
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
