// Builders for gateway-listener-tls's tests and every test that needs Gateways and TLS Secrets:
// cluster objects as plain data, certificates made at run time.
import { readFileSync } from 'node:fs';
import { buildCertificate, generateRsaKeyPair } from '../../src/certs/x509.ts';
import type { AdmissionRequest } from '../../src/admission/types.ts';
import type { KubeObject, Operation } from '../../src/kube/object.ts';
import { parseManifests } from '../../src/cluster/manifest-view.ts';
import type { PolicyRequest } from '../../src/policies/types.ts';
import { defaultGatewayListenerTlsSettings, type GatewayListenerTlsSettings } from '../../src/policies/gateway-listener-tls/settings.ts';

/** The tests' clock: certificates are judged as of this instant. */
export const NOW = new Date('2027-01-01T00:00:00.000Z');

export type Pem = { crt: string; key: string };

const rsaCertificate = async (commonName: string, notBefore: Date, notAfter: Date, organization?: string, dnsNames = [commonName]): Promise<Pem> => {
  const keys = await generateRsaKeyPair();
  const crt = buildCertificate({
    commonName,
    dnsNames,
    notBefore,
    notAfter,
    publicKeyPem: keys.publicKeyPem,
    selfSigningKeyPem: keys.privateKeyPem,
    organization,
  });
  return { crt, key: keys.privateKeyPem };
};

const fixtureSecretPem = (file: string): Pem => {
  const objects = parseManifests(readFileSync(new URL(file, import.meta.url), 'utf8'), file);
  const secret = objects.find((object) => object.kind === 'Secret') as { stringData: Record<string, string> };
  return { crt: secret.stringData['tls.crt'] ?? '', key: secret.stringData['tls.key'] ?? '' };
};

/** Throwaway certificates for the tests (RSA from node:crypto; the ECDSA pair comes from a fixture). */
export const makePki = async () => {
  const from = new Date('2026-01-01T00:00:00Z');
  const to = new Date('2028-01-01T00:00:00Z');
  const [valid, other, expired, expiredPlaceholder, wildcard, commonNameOnly] = await Promise.all([
    rsaCertificate('app.example.com', from, to),
    rsaCertificate('other.example.com', from, to),
    rsaCertificate('old.example.com', new Date('2020-01-01T00:00:00Z'), new Date('2021-01-01T00:00:00Z')),
    rsaCertificate('app.example.com', new Date('2026-12-01T00:00:00Z'), new Date('2026-12-08T00:00:00Z'), 'certguard placeholder'),
    rsaCertificate('*.example.com', from, to, undefined, ['*.example.com', 'www.example.org']),
    rsaCertificate('legacy.example.com', from, to, undefined, []),
  ]);
  return {
    valid,
    other,
    expired,
    expiredPlaceholder,
    wildcard,
    commonNameOnly,
    ecdsa: fixtureSecretPem('../../src/policies/gateway-listener-tls/fixtures/good/ecdsa-secret.yaml'),
  };
};

export const settingsWith = (overrides: Partial<GatewayListenerTlsSettings> = {}): GatewayListenerTlsSettings => ({
  ...defaultGatewayListenerTlsSettings(),
  ...overrides,
});

type RefSpec = { name: string; namespace?: string; group?: string; kind?: string };

export const https = (name: string, hostname: string | undefined, ...refs: RefSpec[]) => ({
  name,
  port: 443,
  protocol: 'HTTPS',
  ...(hostname ? { hostname } : {}),
  tls: { certificateRefs: refs },
});

export const http = (name: string) => ({ name, port: 80, protocol: 'HTTP' });

export const tlsListener = (name: string, hostname: string, mode: string | undefined, ...refs: RefSpec[]) => ({
  name,
  port: 8443,
  protocol: 'TLS',
  hostname,
  tls: { ...(mode ? { mode } : {}), certificateRefs: refs },
});

/** An HTTP listener that admits routes from every namespace (cert-manager's solver routes live in the Certificate's). */
export const httpForAll = (name: string) => ({ ...http(name), allowedRoutes: { namespaces: { from: 'All' } } });

type GatewayOptions = { namespace?: string; name?: string; version?: string; allowedListeners?: object };

export const gateway = (listeners: object[], options: GatewayOptions = {}): KubeObject => ({
  apiVersion: `gateway.networking.k8s.io/${options.version ?? 'v1'}`,
  kind: 'Gateway',
  metadata: { name: options.name ?? 'traefik-gateway', namespace: options.namespace ?? 'traefik' },
  spec: { gatewayClassName: 'traefik', listeners, ...(options.allowedListeners ? { allowedListeners: { namespaces: options.allowedListeners } } : {}) },
});

/** The ListenerSets' parent: traefik/traefik-gateway admitting ListenerSets from every namespace, with an HTTP listener for all. */
export const parentGateway = (): KubeObject => gateway([httpForAll('web')], { allowedListeners: { from: 'All' } });

export const listenerSet = (listeners: object[], options: { namespace?: string; name?: string } = {}): KubeObject => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'ListenerSet',
  metadata: { name: options.name ?? 'shop', namespace: options.namespace ?? 'apps' },
  spec: { parentRef: { name: 'traefik-gateway', namespace: 'traefik' }, listeners },
});

const base64 = (text: string): string => Buffer.from(text).toString('base64');

export const secret = (
  namespace: string,
  name: string,
  data: Record<string, string>,
  options: { type?: string; labels?: Record<string, string> } = {},
): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  type: options.type ?? 'kubernetes.io/tls',
  metadata: { name, namespace, ...(options.labels ? { labels: options.labels } : {}) },
  data: Object.fromEntries(Object.entries(data).map(([key, value]) => [key, base64(value)])),
});

export const tlsSecret = (namespace: string, name: string, pem: Pem, options: { type?: string; labels?: Record<string, string> } = {}): KubeObject =>
  secret(namespace, name, { 'tls.crt': pem.crt, 'tls.key': pem.key }, options);

export const grant = (
  namespace: string,
  from: { kind?: string; namespace: string; group?: string },
  to: { name?: string; kind?: string; group?: string } = {},
  version = 'v1',
): KubeObject => ({
  apiVersion: `gateway.networking.k8s.io/${version}`,
  kind: 'ReferenceGrant',
  metadata: { name: `grant-${from.namespace}`, namespace },
  spec: {
    from: [{ group: from.group ?? 'gateway.networking.k8s.io', kind: from.kind ?? 'Gateway', namespace: from.namespace }],
    to: [{ group: to.group ?? '', kind: to.kind ?? 'Secret', ...(to.name ? { name: to.name } : {}) }],
  },
});

export const namespace = (name: string, terminating = false): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name },
  ...(terminating ? { status: { phase: 'Terminating' } } : {}),
});

type RequestOptions = { operation?: Operation; oldObject?: KubeObject; dryRun?: boolean };

const versionOf = (object: KubeObject): string => (object.apiVersion ?? '').split('/')[1] ?? 'v1';

export const policyRequest = (object: KubeObject, options: RequestOptions = {}): PolicyRequest => ({
  operation: options.operation ?? (options.oldObject ? 'UPDATE' : 'CREATE'),
  kind: { group: 'gateway.networking.k8s.io', version: versionOf(object), kind: object.kind ?? '' },
  namespace: object.metadata?.namespace,
  name: object.metadata?.name,
  object,
  ...(options.oldObject ? { oldObject: options.oldObject } : {}),
  dryRun: options.dryRun === true,
});

export const admissionRequest = (object: KubeObject, options: RequestOptions = {}): AdmissionRequest => {
  const request = policyRequest(object, options);
  const plural = object.kind === 'Gateway' ? 'gateways' : 'listenersets';
  return {
    uid: '7c1d9a52-0000-4000-8000-000000000001',
    kind: request.kind,
    resource: { group: request.kind.group, version: request.kind.version, resource: plural },
    namespace: request.namespace,
    name: request.name,
    operation: request.operation,
    object,
    oldObject: options.oldObject ?? null,
    dryRun: request.dryRun,
  };
};

type CertificateOptions = {
  namespace?: string;
  secretName?: string;
  dnsNames?: string[];
  commonName?: string;
  issuer?: { name: string; kind?: string };
  privateKey?: Record<string, unknown>;
  labels?: Record<string, string>;
};

/** A cert-manager Certificate (the issuance graph's case (a)). */
export const certificate = (name: string, options: CertificateOptions = {}): KubeObject => ({
  apiVersion: 'cert-manager.io/v1',
  kind: 'Certificate',
  metadata: { name, namespace: options.namespace ?? 'traefik', ...(options.labels ? { labels: options.labels } : {}) },
  spec: {
    secretName: options.secretName ?? name,
    issuerRef: { name: options.issuer?.name ?? 'letsencrypt', kind: options.issuer?.kind ?? 'ClusterIssuer' },
    dnsNames: options.dnsNames ?? ['app.example.com'],
    ...(options.commonName ? { commonName: options.commonName } : {}),
    ...(options.privateKey ? { privateKey: options.privateKey } : {}),
  },
});

type ParentRefSpec = { name: string; namespace?: string; kind?: string };

/** An ACME ClusterIssuer (or Issuer, with a namespace) with the given solvers. */
export const acmeIssuer = (name: string, solvers: object[], namespace?: string): KubeObject => ({
  apiVersion: 'cert-manager.io/v1',
  kind: namespace ? 'Issuer' : 'ClusterIssuer',
  metadata: { name, ...(namespace ? { namespace } : {}) },
  spec: { acme: { server: 'https://acme.example/directory', privateKeySecretRef: { name: `${name}-account` }, solvers } },
});

export const gatewaySolver = (...parentRefs: ParentRefSpec[]) => ({ http01: { gatewayHTTPRoute: { parentRefs } } });
export const dnsSolver = () => ({ dns01: { cloudflare: { apiTokenSecretRef: { name: 'cloudflare', key: 'token' } } } });
export const ingressSolver = () => ({ http01: { ingress: { ingressClassName: 'nginx' } } });

export const caIssuer = (name: string): KubeObject => ({
  apiVersion: 'cert-manager.io/v1',
  kind: 'ClusterIssuer',
  metadata: { name },
  spec: { ca: { secretName: `${name}-ca` } },
});

/** The object with these annotations added (a cert-manager shim trigger, say). */
export const annotated = (object: KubeObject, annotations: Record<string, string>): KubeObject => ({
  ...object,
  metadata: { ...object.metadata, annotations: { ...object.metadata?.annotations, ...annotations } },
});
