// A Gateway's TLS references outside its listeners (tls-refs.ts): frontend client-certificate
// CA bundles and the backend client certificate. Cluster state as plain objects, exact messages.
import t from 'tap';
import { buildCertificate, generateRsaKeyPair } from '../../certs/x509.ts';
import { ManifestView } from '../../cluster/manifest-view.ts';
import type { KubeObject } from '../../kube/object.ts';
import { withoutDeadline } from '../types.ts';
import { caProblemAt, judgeCaBundle } from './ca-bundle.ts';
import { createGatewayListenerTlsPolicy } from './policy.ts';
import type { GatewayListenerTlsSettings } from './settings.ts';
import {
  gateway,
  grant,
  https,
  listenerSet,
  makePki,
  NOW,
  parentGateway,
  policyRequest,
  secret,
  settingsWith,
  tlsSecret,
} from '../../../test/helpers/gateway-tls.ts';

const pki = await makePki();

const selfSignedCa = async (commonName: string, notBefore: Date, notAfter: Date): Promise<string> => {
  const keys = await generateRsaKeyPair();
  return buildCertificate({ commonName, isCA: true, notBefore, notAfter, publicKeyPem: keys.publicKeyPem, selfSigningKeyPem: keys.privateKeyPem });
};

const [clientCa, expiredCa] = await Promise.all([
  selfSignedCa('Client CA', new Date('2026-01-01T00:00:00Z'), new Date('2036-01-01T00:00:00Z')),
  selfSignedCa('Old client CA', new Date('2020-01-01T00:00:00Z'), new Date('2021-01-01T00:00:00Z')),
]);

const configMap = (namespace: string, name: string, data: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace },
  data,
});

type Ref = { name: string; namespace?: string; kind?: string; group?: string };

const caRef = (name: string, options: Omit<Ref, 'name'> = {}) => ({ group: '', kind: 'ConfigMap', name, ...options });

type Tls = { defaults?: Ref[]; perPort?: { port: number; refs: Ref[] }[]; backend?: Ref };

const validation = (refs: Ref[]) => ({ validation: { caCertificateRefs: refs } });

/** traefik/traefik-gateway with one HTTPS listener and the given spec.tls. */
const mtlsGateway = (tls: Tls): KubeObject => {
  const object = gateway([https('websecure-app', 'app.example.com', { name: 'app-tls' })]);
  const frontend =
    tls.defaults || tls.perPort
      ? {
          frontend: {
            default: tls.defaults ? validation(tls.defaults) : {},
            ...(tls.perPort ? { perPort: tls.perPort.map(({ port, refs }) => ({ port, tls: validation(refs) })) } : {}),
          },
        }
      : {};
  const backend = tls.backend ? { backend: { clientCertificateRef: tls.backend } } : {};
  return { ...object, spec: { ...(object.spec as object), tls: { ...frontend, ...backend } } };
};

const appSecret = tlsSecret('traefik', 'app-tls', pki.valid);
const goodBundle = configMap('traefik', 'client-ca', { 'ca.crt': clientCa });

const DEFAULT = 'spec.tls.frontend.default.validation.caCertificateRefs[0]';
const GW = 'Gateway traefik/traefik-gateway';
const caConsequence = (reason: string, listeners = 'every HTTPS listener this validation covers') =>
  `Gateway API has the controller set ResolvedRefs False (${reason}) on ${listeners}, and Accepted False (NoValidCACertificate) on a listener none of whose CA references is valid`;
const clientConsequence = (reason: string) =>
  `Gateway API has the controller set this Gateway's ResolvedRefs condition False (${reason}), and a backend that requires a client certificate refuses the Gateway's connections`;
const NO_CA_PLACEHOLDER = 'certguard creates no placeholder for a CA bundle: a self-signed stand-in would make mTLS accept or reject the wrong clients';
const CA_FIX = `put the PEM certificates of the CAs that issue your clients' certificates in "ca.crt" (${NO_CA_PLACEHOLDER})`;
const missingCa = (where: string, ref: string, listeners?: string) =>
  `${where} does not exist: ${caConsequence('InvalidCACertificateRef', listeners)}. Fix: create ${ref} with the PEM certificates of the CAs that issue your clients' certificates in "ca.crt", or correct the reference (${NO_CA_PLACEHOLDER})`;
const unusableCa = (what: string, fix: string, where = `${DEFAULT} ConfigMap "traefik/client-ca" (${GW})`) =>
  `${where} is unusable: ${what}: ${caConsequence('InvalidCACertificateRef')}. Fix: ${fix}`;
const BACKEND = 'spec.tls.backend.clientCertificateRef';
const ALREADY = ' (this reference was already broken before this update: allowed, so that a fix is never blocked)';
const MISSING_DEFAULT_CA = missingCa(`${DEFAULT} ConfigMap "traefik/client-ca" (${GW})`, 'ConfigMap "traefik/client-ca"');

type Case = {
  name: string;
  cluster?: KubeObject[];
  object: KubeObject;
  oldObject?: KubeObject;
  settings?: Partial<GatewayListenerTlsSettings>;
  violations?: string[];
  warnings?: string[];
};

const cases: Case[] = [
  {
    name: 'allows a Gateway whose client CA ConfigMap holds a valid CA certificate',
    cluster: [appSecret, goodBundle],
    object: mtlsGateway({ defaults: [caRef('client-ca')] }),
  },
  {
    name: 'denies a Gateway whose client CA ConfigMap is missing, and says why there is no placeholder',
    cluster: [appSecret],
    object: mtlsGateway({ defaults: [caRef('client-ca')] }),
    violations: [MISSING_DEFAULT_CA],
  },
  {
    name: 'denies a per-port CA ref whose ConfigMap is missing, naming the port',
    cluster: [appSecret, goodBundle],
    object: mtlsGateway({ defaults: [caRef('client-ca')], perPort: [{ port: 8443, refs: [caRef('admin-ca')] }] }),
    violations: [
      missingCa(
        `spec.tls.frontend.perPort[0].tls.validation.caCertificateRefs[0] ConfigMap "traefik/admin-ca" (${GW}, port 8443)`,
        'ConfigMap "traefik/admin-ca"',
        'every HTTPS listener on port 8443',
      ),
    ],
  },
  {
    name: 'denies a client CA ConfigMap without a "ca.crt" key',
    cluster: [appSecret, configMap('traefik', 'client-ca', { 'ca.pem': clientCa })],
    object: mtlsGateway({ defaults: [caRef('client-ca')] }),
    violations: [unusableCa('it has no "ca.crt" key', CA_FIX)],
  },
  {
    name: 'denies a client CA bundle that holds no PEM certificate',
    cluster: [appSecret, configMap('traefik', 'client-ca', { 'ca.crt': 'not a certificate' })],
    object: mtlsGateway({ defaults: [caRef('client-ca')] }),
    violations: [unusableCa('"ca.crt" holds no PEM certificate', CA_FIX)],
  },
  {
    name: 'denies a client CA bundle with a PEM block that does not parse',
    cluster: [appSecret, configMap('traefik', 'client-ca', { 'ca.crt': `${clientCa}-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n` })],
    object: mtlsGateway({ defaults: [caRef('client-ca')] }),
    violations: [unusableCa('PEM certificate 2 in "ca.crt" does not parse', 'replace or remove that certificate in "ca.crt"')],
  },
  {
    name: 'denies a client CA bundle that holds only a leaf certificate',
    cluster: [appSecret, configMap('traefik', 'client-ca', { 'ca.crt': pki.valid.crt })],
    object: mtlsGateway({ defaults: [caRef('client-ca')] }),
    violations: [
      unusableCa(
        'none of the 1 certificates in "ca.crt" is a CA certificate (basicConstraints CA:TRUE)',
        `put the certificate of the CA that issues your clients' certificates, not a leaf, in "ca.crt"`,
      ),
    ],
  },
  {
    name: 'denies a client CA bundle whose every CA certificate has expired',
    cluster: [appSecret, configMap('traefik', 'client-ca', { 'ca.crt': expiredCa })],
    object: mtlsGateway({ defaults: [caRef('client-ca')] }),
    violations: [
      unusableCa('every CA certificate in "ca.crt" has expired, the last at 2021-01-01T00:00:00.000Z', `put the CA's current certificate in "ca.crt"`),
    ],
  },
  {
    name: 'allows a client CA bundle with an expired CA next to a valid one (a rollover)',
    cluster: [appSecret, configMap('traefik', 'client-ca', { 'ca.crt': `${expiredCa}${clientCa}` })],
    object: mtlsGateway({ defaults: [caRef('client-ca')] }),
  },
  {
    name: 'warns only about an unusable CA bundle with secretContent: warn',
    cluster: [appSecret, configMap('traefik', 'client-ca', { 'ca.crt': expiredCa })],
    object: mtlsGateway({ defaults: [caRef('client-ca')] }),
    settings: { secretContent: 'warn' },
    warnings: [
      unusableCa('every CA certificate in "ca.crt" has expired, the last at 2021-01-01T00:00:00.000Z', `put the CA's current certificate in "ca.crt"`),
    ],
  },
  {
    name: 'does not judge CA bundle content with secretContent: off, but still its existence',
    cluster: [appSecret, configMap('traefik', 'client-ca', { 'ca.crt': expiredCa })],
    object: mtlsGateway({ defaults: [caRef('client-ca'), caRef('gone-ca')] }),
    settings: { secretContent: 'off' },
    violations: [missingCa(`spec.tls.frontend.default.validation.caCertificateRefs[1] ConfigMap "traefik/gone-ca" (${GW})`, 'ConfigMap "traefik/gone-ca"')],
  },
  {
    name: 'denies a CA bundle in a Secret while caCertificateRefKinds lists ConfigMap only',
    cluster: [appSecret, secret('traefik', 'client-ca', { 'ca.crt': clientCa }, { type: 'Opaque' })],
    object: mtlsGateway({ defaults: [caRef('client-ca', { kind: 'Secret' })] }),
    violations: [
      `${DEFAULT} Secret "traefik/client-ca" (${GW}) has a group/kind certguard does not accept for a CA bundle (policies.gateway-listener-tls.caCertificateRefKinds: ConfigMap): ${caConsequence('InvalidCACertificateKind')}. Fix: reference a ConfigMap (group "", kind ConfigMap) with the PEM CA bundle in "ca.crt", or add Secret to policies.gateway-listener-tls.caCertificateRefKinds if your Gateway controller reads CA bundles from Secrets`,
    ],
  },
  {
    name: 'allows a CA bundle in a Secret once caCertificateRefKinds lists Secret',
    cluster: [appSecret, secret('traefik', 'client-ca', { 'ca.crt': clientCa }, { type: 'Opaque' })],
    object: mtlsGateway({ defaults: [caRef('client-ca', { kind: 'Secret' })] }),
    settings: { caCertificateRefKinds: ['ConfigMap', 'Secret'] },
  },
  {
    name: 'judges the content of a CA bundle in a Secret as in a ConfigMap',
    cluster: [appSecret, secret('traefik', 'client-ca', { 'tls.crt': clientCa }, { type: 'Opaque' })],
    object: mtlsGateway({ defaults: [caRef('client-ca', { kind: 'Secret' })] }),
    settings: { caCertificateRefKinds: ['ConfigMap', 'Secret'] },
    violations: [unusableCa('it has no "ca.crt" key', CA_FIX, `${DEFAULT} Secret "traefik/client-ca" (${GW})`)],
  },
  {
    name: 'denies a CA ref of a kind no setting can allow',
    cluster: [appSecret],
    object: mtlsGateway({ defaults: [{ group: 'trust.example.com', kind: 'Bundle', name: 'client-ca' }] }),
    violations: [
      `${DEFAULT} trust.example.com/Bundle "traefik/client-ca" (${GW}) has a group/kind certguard does not accept for a CA bundle (policies.gateway-listener-tls.caCertificateRefKinds: ConfigMap): ${caConsequence('InvalidCACertificateKind')}. Fix: reference a ConfigMap (group "", kind ConfigMap) with the PEM CA bundle in "ca.crt"`,
    ],
  },
  {
    name: 'denies a CA ConfigMap in another namespace without a ReferenceGrant, before looking at it',
    cluster: [appSecret],
    object: mtlsGateway({ defaults: [caRef('client-ca', { namespace: 'pki' })] }),
    violations: [
      `${DEFAULT} ConfigMap "pki/client-ca" (${GW}) is in another namespace and no ReferenceGrant permits it (RefNotPermitted): ${caConsequence('RefNotPermitted')}. Fix: create a ReferenceGrant in namespace "pki" with from {group: gateway.networking.k8s.io, kind: Gateway, namespace: traefik} and to {group: "", kind: ConfigMap, name: client-ca}`,
    ],
  },
  {
    name: 'allows a CA ConfigMap in another namespace that a ReferenceGrant to ConfigMaps permits',
    cluster: [
      appSecret,
      configMap('pki', 'client-ca', { 'ca.crt': clientCa }),
      grant('pki', { namespace: 'traefik' }, { kind: 'ConfigMap', name: 'client-ca' }),
    ],
    object: mtlsGateway({ defaults: [caRef('client-ca', { namespace: 'pki' })] }),
  },
  {
    name: 'a ReferenceGrant to Secrets does not permit a ConfigMap',
    cluster: [appSecret, configMap('pki', 'client-ca', { 'ca.crt': clientCa }), grant('pki', { namespace: 'traefik' }, { name: 'client-ca' })],
    object: mtlsGateway({ defaults: [caRef('client-ca', { namespace: 'pki' })] }),
    violations: [
      `${DEFAULT} ConfigMap "pki/client-ca" (${GW}) is in another namespace and no ReferenceGrant permits it (RefNotPermitted): ${caConsequence('RefNotPermitted')}. Fix: create a ReferenceGrant in namespace "pki" with from {group: gateway.networking.k8s.io, kind: Gateway, namespace: traefik} and to {group: "", kind: ConfigMap, name: client-ca}`,
    ],
  },
  {
    name: 'allows a backend client certificate Secret whose key matches',
    cluster: [appSecret, tlsSecret('traefik', 'backend-client', pki.other)],
    object: mtlsGateway({ backend: { name: 'backend-client' } }),
  },
  {
    name: 'denies a missing backend client certificate Secret',
    cluster: [appSecret],
    object: mtlsGateway({ backend: { name: 'backend-client' } }),
    violations: [
      `${BACKEND} Secret "traefik/backend-client" (${GW}) does not exist: ${clientConsequence('InvalidClientCertificateRef')}. Fix: create the Secret (type kubernetes.io/tls, the client certificate in "tls.crt" and its private key in "tls.key"), or correct the reference (certguard creates no placeholder for a client certificate: a backend that checks client certificates would not trust a self-signed one)`,
    ],
  },
  {
    name: 'denies a backend client certificate whose key does not match it',
    cluster: [appSecret, tlsSecret('traefik', 'backend-client', { crt: pki.other.crt, key: pki.valid.key })],
    object: mtlsGateway({ backend: { name: 'backend-client' } }),
    violations: [
      `${BACKEND} Secret "traefik/backend-client" (${GW}) is unusable: "tls.key" does not match the certificate in "tls.crt": ${clientConsequence('InvalidClientCertificateRef')}. Fix: put the private key that belongs to the certificate in "tls.key", or reissue both together`,
    ],
  },
  {
    name: 'denies a backend client certificate in another namespace without a ReferenceGrant',
    cluster: [appSecret, tlsSecret('pki', 'backend-client', pki.other)],
    object: mtlsGateway({ backend: { name: 'backend-client', namespace: 'pki' } }),
    violations: [
      `${BACKEND} Secret "pki/backend-client" (${GW}) is in another namespace and no ReferenceGrant permits it (RefNotPermitted): ${clientConsequence('RefNotPermitted')}. Fix: create a ReferenceGrant in namespace "pki" with from {group: gateway.networking.k8s.io, kind: Gateway, namespace: traefik} and to {group: "", kind: Secret, name: backend-client}`,
    ],
  },
  {
    name: 'denies a backend client certificate of an unsupported kind',
    cluster: [appSecret],
    object: mtlsGateway({ backend: { group: 'certs.example.com', kind: 'KeyPair', name: 'backend-client' } }),
    violations: [
      `${BACKEND} certs.example.com/KeyPair "traefik/backend-client" (${GW}) has an unsupported group/kind (certguard resolves core Secrets only): ${clientConsequence('InvalidClientCertificateRef')}. Fix: reference a Secret of type kubernetes.io/tls (group "", kind Secret), or add {group: certs.example.com, kind: KeyPair} to policies.gateway-listener-tls.allowedRefKinds if your Gateway controller supports it`,
    ],
  },
  {
    name: 'allows a backend client certificate of a kind allowedRefKinds lists',
    cluster: [appSecret],
    object: mtlsGateway({ backend: { group: 'certs.example.com', kind: 'KeyPair', name: 'backend-client' } }),
    settings: { allowedRefKinds: [{ group: 'certs.example.com', kind: 'KeyPair' }] },
  },
  {
    name: 'warns, never denies, on an UPDATE that keeps an already broken CA ref',
    cluster: [appSecret],
    oldObject: mtlsGateway({ defaults: [caRef('client-ca')] }),
    object: mtlsGateway({ defaults: [caRef('client-ca')], backend: { name: 'app-tls' } }),
    warnings: [`${MISSING_DEFAULT_CA}${ALREADY}`],
  },
  {
    name: 'denies an UPDATE that adds a CA ref whose ConfigMap is missing',
    cluster: [appSecret],
    oldObject: mtlsGateway({}),
    object: mtlsGateway({ defaults: [caRef('client-ca')] }),
    violations: [MISSING_DEFAULT_CA],
  },
  {
    name: 'denies an UPDATE that moves a broken CA ref from one port to the default: it now covers other listeners',
    cluster: [appSecret],
    oldObject: mtlsGateway({ perPort: [{ port: 8443, refs: [caRef('client-ca')] }] }),
    object: mtlsGateway({ defaults: [caRef('client-ca')] }),
    violations: [MISSING_DEFAULT_CA],
  },
  {
    name: 'a ListenerSet has no spec.tls: nothing there is judged',
    cluster: [parentGateway(), tlsSecret('apps', 'shop-tls', pki.valid)],
    object: {
      ...listenerSet([https('shop-https', 'shop.example.com', { name: 'shop-tls' })]),
      spec: { tls: { backend: { clientCertificateRef: { name: 'x' } } } },
    },
    violations: [],
  },
];

const backendTlsPolicy = (validation: object): KubeObject => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'BackendTLSPolicy',
  metadata: { name: 'api-tls', namespace: 'apps' },
  spec: { targetRefs: [{ group: '', kind: 'Service', name: 'api' }], validation: { hostname: 'api.apps.svc', ...validation } },
});
const BTLS = 'spec.validation.caCertificateRefs[0] ConfigMap "apps/backend-ca" (BackendTLSPolicy apps/api-tls)';
const backendCaConsequence = (reason: string) =>
  `Gateway API has the controller set this BackendTLSPolicy's ResolvedRefs condition False (${reason}) and fail the Gateway's connections to its targets with an HTTP 5xx, and set Accepted False (NoValidCACertificate) when none of its CA references is valid`;
const NO_BACKEND_CA_PLACEHOLDER =
  'certguard creates no placeholder for a CA bundle: a self-signed stand-in would make the Gateway reject its backends or trust the wrong ones';
const MISSING_BACKEND_CA = `${BTLS} does not exist: ${backendCaConsequence('InvalidCACertificateRef')}. Fix: create ConfigMap "apps/backend-ca" with the PEM certificates of the CAs that issue the backends' serving certificates in "ca.crt", or correct the reference (${NO_BACKEND_CA_PLACEHOLDER})`;

cases.push(
  {
    name: 'allows a BackendTLSPolicy whose CA ConfigMap holds a valid CA certificate',
    cluster: [configMap('apps', 'backend-ca', { 'ca.crt': clientCa })],
    object: backendTlsPolicy({ caCertificateRefs: [caRef('backend-ca')] }),
  },
  {
    name: 'allows a BackendTLSPolicy with wellKnownCACertificates: System (nothing to read)',
    object: backendTlsPolicy({ wellKnownCACertificates: 'System' }),
  },
  {
    name: 'denies a BackendTLSPolicy whose CA ConfigMap is missing',
    object: backendTlsPolicy({ caCertificateRefs: [caRef('backend-ca')] }),
    violations: [MISSING_BACKEND_CA],
  },
  {
    name: 'denies a BackendTLSPolicy whose CA bundle holds only a leaf',
    cluster: [configMap('apps', 'backend-ca', { 'ca.crt': pki.valid.crt })],
    object: backendTlsPolicy({ caCertificateRefs: [caRef('backend-ca')] }),
    violations: [
      `${BTLS} is unusable: none of the 1 certificates in "ca.crt" is a CA certificate (basicConstraints CA:TRUE): ${backendCaConsequence('InvalidCACertificateRef')}. Fix: put the certificate of the CA that issues the backends' serving certificates, not a leaf, in "ca.crt"`,
    ],
  },
  {
    name: 'denies a BackendTLSPolicy CA ref in a Secret while only ConfigMap is accepted, with its own reason InvalidKind',
    object: backendTlsPolicy({ caCertificateRefs: [caRef('backend-ca', { kind: 'Secret' })] }),
    violations: [
      `spec.validation.caCertificateRefs[0] Secret "apps/backend-ca" (BackendTLSPolicy apps/api-tls) has a group/kind certguard does not accept for a CA bundle (policies.gateway-listener-tls.caCertificateRefKinds: ConfigMap): ${backendCaConsequence('InvalidKind')}. Fix: reference a ConfigMap (group "", kind ConfigMap) with the PEM CA bundle in "ca.crt", or add Secret to policies.gateway-listener-tls.caCertificateRefKinds if your Gateway controller reads CA bundles from Secrets`,
    ],
  },
  {
    name: 'reads a BackendTLSPolicy CA ref in its own namespace even when a namespace is written (LocalObjectReference)',
    cluster: [configMap('apps', 'backend-ca', { 'ca.crt': clientCa })],
    object: backendTlsPolicy({ caCertificateRefs: [caRef('backend-ca', { namespace: 'elsewhere' })] }),
  },
  {
    name: 'warns, never denies, on a BackendTLSPolicy UPDATE that keeps its missing CA ref',
    oldObject: backendTlsPolicy({ caCertificateRefs: [caRef('backend-ca')] }),
    object: backendTlsPolicy({ caCertificateRefs: [caRef('backend-ca')], subjectAltNames: [{ type: 'Hostname', hostname: 'api.example.com' }] }),
    warnings: [`${MISSING_BACKEND_CA}${ALREADY}`],
  },
  {
    name: 'denies a BackendTLSPolicy UPDATE that switches from wellKnownCACertificates to a missing CA ConfigMap',
    oldObject: backendTlsPolicy({ wellKnownCACertificates: 'System' }),
    object: backendTlsPolicy({ caCertificateRefs: [caRef('backend-ca')] }),
    violations: [MISSING_BACKEND_CA],
  },
);

for (const c of cases) {
  t.test(c.name, async (t) => {
    const policy = createGatewayListenerTlsPolicy(settingsWith(c.settings), { now: () => NOW });
    const view = new ManifestView(c.cluster ?? []);
    const result = await policy.check(policyRequest(c.object, { oldObject: c.oldObject }), view, withoutDeadline());
    t.same(result.violations, c.violations ?? [], 'violations');
    t.same(result.warnings, c.warnings ?? [], 'warnings');
  });
}

t.test('every message is one line without the "; " that separates violations', async (t) => {
  const policy = createGatewayListenerTlsPolicy(settingsWith(), { now: () => NOW });
  const object = mtlsGateway({
    defaults: [caRef('gone'), caRef('client-ca', { kind: 'Secret' }), caRef('x', { namespace: 'pki' }), caRef('leaf')],
    backend: { name: 'gone' },
  });
  const view = new ManifestView([appSecret, configMap('traefik', 'leaf', { 'ca.crt': pki.valid.crt })]);
  const result = await policy.check(policyRequest(object), view, withoutDeadline());
  t.equal(result.violations.length, 5);
  for (const message of result.violations) t.notMatch(message, /\n|; /);
});

t.test('a CA bundle judgement is independent of the clock, and the window decides at each time', async (t) => {
  const judgement = judgeCaBundle(configMap('traefik', 'client-ca', { 'ca.crt': clientCa }));
  t.same(caProblemAt(judgement, NOW), undefined, 'valid in 2027');
  t.same(caProblemAt(judgement, new Date('2037-01-01T00:00:00Z')), { code: 'expired', notAfter: new Date('2036-01-01T00:00:00Z') }, 'expired in 2037');
  t.same(
    caProblemAt(judgement, new Date('2025-01-01T00:00:00Z')),
    { code: 'not-yet-valid', notBefore: new Date('2026-01-01T00:00:00Z') },
    'not yet valid in 2025',
  );
});
