// Placeholder mode end to end through src/admission/complete.ts review(): the policy plans the
// Secret, review() creates it through a SecretWriter (here a recording fake).
import { X509Certificate, createPrivateKey } from 'node:crypto';
import t from 'tap';
import type { KubeObject } from '../../kube/object.ts';
import { review } from '../../admission/complete.ts';
import { ManifestView } from '../../cluster/manifest-view.ts';
import type { CreateOutcome, SecretWriter } from '../../cluster/writer.ts';
import type { Issued } from '../../certs/x509.ts';
import { generatePlaceholderCertificate, type GeneratePlaceholder, type PlaceholderCertificateSpec } from './placeholder.ts';
import { createGatewayListenerTlsPolicy } from './policy.ts';
import { countPlaceholders } from './placeholder-labels.ts';
import { checkSecretContent } from './secret-content.ts';
import {
  acmeIssuer,
  admissionRequest,
  annotated,
  certificate,
  dnsSolver,
  gateway,
  grant,
  http,
  https,
  listenerSet,
  makePki,
  namespace,
  NOW,
  settingsWith,
  tlsSecret,
} from '../../../test/helpers/gateway-tls.ts';

const pki = await makePki();

class RecordingWriter implements SecretWriter {
  readonly created: KubeObject[] = [];
  readonly #outcome: CreateOutcome;
  constructor(outcome: CreateOutcome = { outcome: 'created' }) {
    this.#outcome = outcome;
  }
  async createSecret(secret: KubeObject): Promise<CreateOutcome> {
    this.created.push(secret);
    return this.#outcome;
  }
}

/** Records what it was asked for and hands back a ready pair: no RSA key generation per test. */
const recordingGenerator = () => {
  const specs: PlaceholderCertificateSpec[] = [];
  const generate: GeneratePlaceholder = async (spec): Promise<Issued> => {
    specs.push(spec);
    return { certificatePem: pki.valid.crt, privateKeyPem: pki.valid.key };
  };
  return { specs, generate };
};

const placeholderPolicy = (generate: GeneratePlaceholder, overrides = {}) =>
  createGatewayListenerTlsPolicy(settingsWith({ mode: 'placeholder', ...overrides }), { now: () => NOW, generatePlaceholder: generate });

const GW = 'the controller leaves this listener without a certificate, and Traefik and Contour then mark this Gateway not accepted or not programmed';
/** cert-manager's gateway-shim will issue the Gateway's Secrets (issuance case b): placeholders are for those. */
const shim = (object: KubeObject): KubeObject => annotated(object, { 'cert-manager.io/cluster-issuer': 'letsencrypt' });
const RSA_2048 = { algorithm: 'RSA', size: 2048 };
const APP = 'spec.listeners[1] "websecure-app" (Gateway traefik/traefik-gateway, hostname "app.example.com")';
const APP_REF = 'certificateRefs[0] Secret "traefik/app-tls"';
const CREATED_WARNING = `${APP}: ${APP_REF} did not exist: certguard created a self-signed placeholder Secret "traefik/app-tls" valid until 2027-01-08T00:00:00.000Z (unless another writer created that Secret first), so HTTPS for "app.example.com" serves a self-signed certificate until cert-manager issues the real one into it. Find placeholders with: kubectl get secret -A -l certguard.io/placeholder=true`;
const appGateway = shim(gateway([http('web'), https('websecure-app', 'app.example.com', { name: 'app-tls' })]));
const bareGateway = gateway([http('web'), https('websecure-app', 'app.example.com', { name: 'app-tls' })]);

const decode = (secret: KubeObject, key: string): string => Buffer.from((secret.data as Record<string, string>)[key] ?? '', 'base64').toString('utf8');

t.test('creates one placeholder for a new listener whose Secret is missing: labelled, annotated, and a certificate that matches its key', async (t) => {
  let milliseconds = 0;
  const timed: GeneratePlaceholder = async (spec) => {
    const started = performance.now();
    const issued = await generatePlaceholderCertificate(spec);
    milliseconds = performance.now() - started;
    return issued;
  };
  const writer = new RecordingWriter();
  const { response } = await review(admissionRequest(appGateway), [placeholderPolicy(timed)], { view: new ManifestView(), writer });
  t.comment(`one placeholder (RSA 2048 key from node:crypto + forge certificate) took ${milliseconds.toFixed(0)} ms`);
  t.equal(response.allowed, true);
  t.same(response.warnings, [CREATED_WARNING]);
  t.equal(writer.created.length, 1, 'created once');
  const secret = writer.created[0] ?? {};
  t.same(secret.metadata, {
    name: 'app-tls',
    namespace: 'traefik',
    labels: { 'app.kubernetes.io/managed-by': 'certguard', 'certguard.io/placeholder': 'true', 'controller.cert-manager.io/fao': 'true' },
    annotations: {
      'cert-manager.io/issuer-name': 'certguard.io/placeholder',
      'cert-manager.io/issuer-kind': 'CertguardPlaceholder',
      'cert-manager.io/issuer-group': 'placeholder.certguard.io',
      'certguard.io/placeholder-for': 'Gateway traefik/traefik-gateway',
      'certguard.io/placeholder-listeners': 'websecure-app',
      'certguard.io/created-at': '2027-01-01T00:00:00.000Z',
    },
  });
  t.equal(secret.type, 'kubernetes.io/tls');
  const certificate = new X509Certificate(decode(secret, 'tls.crt'));
  t.equal(certificate.checkPrivateKey(createPrivateKey(decode(secret, 'tls.key'))), true, 'key matches certificate');
  t.equal(certificate.subjectAltName, 'DNS:app.example.com');
  t.equal(certificate.subject, 'CN=app.example.com\nO=certguard placeholder');
  t.equal(certificate.validToDate.toISOString(), '2027-01-08T00:00:00.000Z', '7 days by default');
  t.equal(checkSecretContent(secret, NOW), undefined, 'usable now');
  t.equal(checkSecretContent(secret, new Date('2027-06-01T00:00:00Z')), undefined, 'still counts as usable once expired');
});

t.test('creates one placeholder for two listeners sharing a missing Secret, covering both hostnames', async (t) => {
  const { specs, generate } = recordingGenerator();
  const writer = new RecordingWriter();
  const object = shim(gateway([https('a', 'a.example.com', { name: 'shared-tls' }), https('b', 'b.example.com', { name: 'shared-tls' })]));
  const { response } = await review(admissionRequest(object), [placeholderPolicy(generate)], { view: new ManifestView(), writer });
  t.equal(response.allowed, true);
  t.equal(writer.created.length, 1);
  t.same(
    specs.map((spec) => [spec.commonName, spec.dnsNames]),
    [['a.example.com', ['a.example.com', 'b.example.com']]],
  );
  t.equal(writer.created[0]?.metadata?.annotations?.['certguard.io/placeholder-listeners'], 'a,b');
  t.same(response.warnings, [
    'spec.listeners[0] "a" (Gateway traefik/traefik-gateway, hostname "a.example.com"): certificateRefs[0] Secret "traefik/shared-tls" did not exist: certguard created a self-signed placeholder Secret "traefik/shared-tls" valid until 2027-01-08T00:00:00.000Z (unless another writer created that Secret first), so HTTPS for "a.example.com", "b.example.com" serves a self-signed certificate until cert-manager issues the real one into it. Find placeholders with: kubectl get secret -A -l certguard.io/placeholder=true',
  ]);
});

t.test('uses the configured name and validity for a listener without hostname', async (t) => {
  const { specs, generate } = recordingGenerator();
  // cert-manager's shim skips a listener without hostname: only forUnmanagedSecrets lets a placeholder stand in.
  const object = gateway([https('any', undefined, { name: 'any-tls' })]);
  const settings = { placeholder: { validityDays: 2, commonName: 'bootstrap.invalid', forUnmanagedSecrets: true } };
  await review(admissionRequest(object), [placeholderPolicy(generate, settings)], { view: new ManifestView(), writer: new RecordingWriter() });
  t.same(specs, [
    {
      commonName: 'bootstrap.invalid',
      dnsNames: ['bootstrap.invalid'],
      notBefore: new Date('2026-12-31T23:55:00.000Z'),
      notAfter: new Date('2027-01-03T00:00:00.000Z'),
      organization: 'certguard placeholder',
      key: RSA_2048,
    },
  ]);
});

t.test('keeps a hostname longer than a CommonName allows in the SAN only', async (t) => {
  const { specs, generate } = recordingGenerator();
  const long = `${'a'.repeat(60)}.example.com`;
  await review(admissionRequest(shim(gateway([https('long', long, { name: 'long-tls' })]))), [placeholderPolicy(generate)], {
    view: new ManifestView(),
    writer: new RecordingWriter(),
  });
  t.same(
    specs.map((spec) => [spec.commonName, spec.dnsNames]),
    [['certguard-placeholder', [long]]],
  );
});

t.test('tolerates a 409: someone else created the Secret first', async (t) => {
  const writer = new RecordingWriter({ outcome: 'exists' });
  const { response } = await review(admissionRequest(appGateway), [placeholderPolicy(recordingGenerator().generate)], { view: new ManifestView(), writer });
  t.equal(response.allowed, true);
  t.same(response.warnings, [CREATED_WARNING]);
  t.equal(writer.created.length, 1);
});

t.test('denies with the API reason when the create is refused', async (t) => {
  const reason =
    'secrets is forbidden: User "system:serviceaccount:certguard:certguard" cannot create resource "secrets" in API group "" in the namespace "traefik"';
  const writer = new RecordingWriter({ outcome: 'refused', reason });
  const { response } = await review(admissionRequest(appGateway), [placeholderPolicy(recordingGenerator().generate)], { view: new ManifestView(), writer });
  t.equal(response.allowed, false);
  t.equal(
    response.status?.message,
    `${APP}: ${APP_REF} does not exist and certguard could not create a placeholder: ${reason}: ${GW}. Fix: create the Secret first (for a placeholder, certguard needs create on secrets in namespace "traefik", and that namespace must not be terminating)`,
  );
});

t.test('creates nothing on a dry run and says what it would create', async (t) => {
  const { specs, generate } = recordingGenerator();
  const writer = new RecordingWriter();
  const { response } = await review(admissionRequest(appGateway, { dryRun: true }), [placeholderPolicy(generate)], { view: new ManifestView(), writer });
  t.equal(response.allowed, true);
  t.same(response.warnings, [`${APP}: ${APP_REF} does not exist: would create placeholder Secret traefik/app-tls (dry run: nothing created)`]);
  t.equal(writer.created.length, 0);
  t.equal(specs.length, 0, 'no key generated');
});

t.test('creates nothing when the Secret exists', async (t) => {
  const writer = new RecordingWriter();
  const view = new ManifestView([tlsSecret('traefik', 'app-tls', pki.valid)]);
  const { response } = await review(admissionRequest(appGateway), [placeholderPolicy(recordingGenerator().generate)], { view, writer });
  t.same(response, { uid: '7c1d9a52-0000-4000-8000-000000000001', allowed: true });
  t.equal(writer.created.length, 0);
});

t.test('creates once: the second apply finds the placeholder in the cluster', async (t) => {
  const { specs, generate } = recordingGenerator();
  const view = new ManifestView();
  const policy = placeholderPolicy(generate);
  await review(admissionRequest(appGateway), [policy], { view, writer: view });
  const second = await review(admissionRequest(appGateway), [policy], { view, writer: view });
  t.equal(specs.length, 1);
  t.same(second.response, { uid: '7c1d9a52-0000-4000-8000-000000000001', allowed: true });
  t.equal((await view.get('secrets', 'traefik', 'app-tls'))?.metadata?.labels?.['certguard.io/placeholder'], 'true');
});

t.test('denies and creates nothing when the cross-namespace ref is not permitted', async (t) => {
  const { specs, generate } = recordingGenerator();
  const writer = new RecordingWriter();
  const object = gateway([http('web'), https('websecure-app', 'app.example.com', { name: 'app-prod-tls', namespace: 'app-prod' })]);
  const { response } = await review(admissionRequest(object), [placeholderPolicy(generate)], { view: new ManifestView(), writer });
  t.equal(response.allowed, false);
  t.equal(
    response.status?.message,
    `${APP}: certificateRefs[0] Secret "app-prod/app-prod-tls" is in another namespace and no ReferenceGrant permits it (RefNotPermitted): ${GW}. Fix: create a ReferenceGrant in namespace "app-prod" with from {group: gateway.networking.k8s.io, kind: Gateway, namespace: traefik} and to {group: "", kind: Secret, name: app-prod-tls}`,
  );
  t.equal(writer.created.length, 0);
  t.equal(specs.length, 0);
});

t.test('creates the placeholder in the Secret namespace when a grant permits the ref', async (t) => {
  const writer = new RecordingWriter();
  const object = gateway([https('websecure-app', 'app.example.com', { name: 'app-prod-tls', namespace: 'app-prod' })]);
  const view = new ManifestView([
    grant('app-prod', { namespace: 'traefik' }, { name: 'app-prod-tls' }),
    certificate('app-prod', { namespace: 'app-prod', secretName: 'app-prod-tls' }),
  ]);
  const { response } = await review(admissionRequest(object), [placeholderPolicy(recordingGenerator().generate)], { view, writer });
  t.equal(response.allowed, true);
  t.same(
    writer.created.map((secret) => `${secret.metadata?.namespace}/${secret.metadata?.name}`),
    ['app-prod/app-prod-tls'],
  );
});

t.test('denies and creates nothing when the Secret namespace is terminating', async (t) => {
  const writer = new RecordingWriter();
  const { response } = await review(admissionRequest(appGateway), [placeholderPolicy(recordingGenerator().generate)], {
    view: new ManifestView([namespace('traefik', true)]),
    writer,
  });
  t.equal(response.allowed, false);
  t.equal(
    response.status?.message,
    `${APP}: ${APP_REF} does not exist and certguard could not create a placeholder: namespace "traefik" is terminating: ${GW}. Fix: create the Secret first (for a placeholder, certguard needs create on secrets in namespace "traefik", and that namespace must not be terminating)`,
  );
  t.equal(writer.created.length, 0);
});

t.test('creates nothing, and generates no key, when another listener gets the request denied', async (t) => {
  const { specs, generate } = recordingGenerator();
  const writer = new RecordingWriter();
  const object = shim(gateway([https('expired', 'old.example.com', { name: 'old-tls' }), https('websecure-app', 'app.example.com', { name: 'app-tls' })]));
  const view = new ManifestView([tlsSecret('traefik', 'old-tls', pki.expired)]);
  const { response } = await review(admissionRequest(object), [placeholderPolicy(generate)], { view, writer });
  t.equal(response.allowed, false);
  t.equal(
    response.status?.message,
    `spec.listeners[0] "expired" (Gateway traefik/traefik-gateway, hostname "old.example.com"): certificateRefs[0] Secret "traefik/old-tls" is unusable: its certificate expired at 2021-01-01T00:00:00.000Z: ${GW}. Fix: renew the certificate (cmctl renew, or find out why cert-manager did not)`,
  );
  t.equal(writer.created.length, 0);
  t.equal(specs.length, 0);
});

t.test('heals a missing Secret the UPDATE did not change: incident 000 stuck Gateways recover on their next update', async (t) => {
  const writer = new RecordingWriter();
  const { response } = await review(admissionRequest(appGateway, { oldObject: appGateway }), [placeholderPolicy(recordingGenerator().generate)], {
    view: new ManifestView(),
    writer,
  });
  t.equal(response.allowed, true);
  t.same(response.warnings, [CREATED_WARNING]);
  t.same(
    writer.created.map((secret) => `${secret.metadata?.namespace}/${secret.metadata?.name}`),
    ['traefik/app-tls'],
  );
});

t.test('a refused heal only warns: an UPDATE is never denied for a ref it did not change', async (t) => {
  const reason = 'exceeded quota: secrets';
  const writer = new RecordingWriter({ outcome: 'refused', reason });
  const { response } = await review(admissionRequest(appGateway, { oldObject: appGateway }), [placeholderPolicy(recordingGenerator().generate)], {
    view: new ManifestView(),
    writer,
  });
  t.equal(response.allowed, true);
  t.same(response.warnings, [
    `${APP}: ${APP_REF} does not exist and certguard could not create a placeholder: ${reason}: ${GW}. Fix: create the Secret first (for a placeholder, certguard needs create on secrets in namespace "traefik", and that namespace must not be terminating) (this reference was already broken before this update: allowed, so that a fix is never blocked)`,
  ]);
});

t.test('names the ListenerSet as the placeholder owner', async (t) => {
  const writer = new RecordingWriter();
  const object = shim(listenerSet([https('shop-https', 'shop.example.com', { name: 'shop-tls' })]));
  const { response } = await review(admissionRequest(object), [placeholderPolicy(recordingGenerator().generate)], { view: new ManifestView(), writer });
  t.equal(response.allowed, true);
  t.same(writer.created[0]?.metadata?.annotations, {
    'cert-manager.io/issuer-name': 'certguard.io/placeholder',
    'cert-manager.io/issuer-kind': 'CertguardPlaceholder',
    'cert-manager.io/issuer-group': 'placeholder.certguard.io',
    'certguard.io/placeholder-for': 'ListenerSet apps/shop',
    'certguard.io/placeholder-listeners': 'shop-https',
    'certguard.io/created-at': '2027-01-01T00:00:00.000Z',
  });
});

t.test('counts placeholders whose sentinel issuer is still there: cert-manager has not replaced them yet', async (t) => {
  const labels = { 'app.kubernetes.io/managed-by': 'certguard', 'certguard.io/placeholder': 'true' };
  const withAnnotations = (secret: KubeObject, annotations: Record<string, string>): KubeObject => ({
    ...secret,
    metadata: { ...secret.metadata, annotations },
  });
  const sentinel = { 'cert-manager.io/issuer-name': 'certguard.io/placeholder', 'cert-manager.io/issuer-kind': 'CertguardPlaceholder' };
  // cert-manager keeps certguard's labels but writes the real issuer over the sentinel.
  const replaced = withAnnotations(tlsSecret('traefik', 'done-tls', pki.valid, { labels }), {
    'cert-manager.io/certificate-name': 'done',
    'cert-manager.io/issuer-name': 'letsencrypt',
  });
  const view = new ManifestView([
    withAnnotations(tlsSecret('traefik', 'a-tls', pki.valid, { labels }), sentinel),
    withAnnotations(tlsSecret('apps', 'b-tls', pki.valid, { labels }), sentinel),
    replaced,
    tlsSecret('traefik', 'real-tls', pki.valid),
  ]);
  t.equal(countPlaceholders(view), 2);
});

const UNMANAGED = `${APP}: ${APP_REF} does not exist and no Certificate or cert-manager annotation will create it: ${GW}. Fix: check the Secret name, or create the Secret (placeholder mode only stands in for Secrets that cert-manager will issue: set policies.gateway-listener-tls.placeholder.forUnmanagedSecrets: true if you create this one by other means)`;

t.test('refuses a placeholder for a Secret nothing will issue (case c): denied as in enforce mode, nothing generated', async (t) => {
  const { specs, generate } = recordingGenerator();
  const writer = new RecordingWriter();
  const { response } = await review(admissionRequest(bareGateway), [placeholderPolicy(generate)], { view: new ManifestView(), writer });
  t.equal(response.allowed, false);
  t.equal(response.status?.message, UNMANAGED);
  t.equal(writer.created.length, 0);
  t.equal(specs.length, 0);
});

t.test('the UPDATE heal follows the same rule: a kept ref nothing will issue only warns, and gets no placeholder', async (t) => {
  const writer = new RecordingWriter();
  const { response } = await review(admissionRequest(bareGateway, { oldObject: bareGateway }), [placeholderPolicy(recordingGenerator().generate)], {
    view: new ManifestView(),
    writer,
  });
  t.equal(response.allowed, true);
  t.same(response.warnings, [`${UNMANAGED} (this reference was already broken before this update: allowed, so that a fix is never blocked)`]);
  t.equal(writer.created.length, 0);
});

t.test('placeholder.forUnmanagedSecrets lets a placeholder stand in for a Secret created by other means', async (t) => {
  const writer = new RecordingWriter();
  const policy = placeholderPolicy(recordingGenerator().generate, {
    placeholder: { validityDays: 7, commonName: 'certguard-placeholder', forUnmanagedSecrets: true },
  });
  const { response } = await review(admissionRequest(bareGateway), [policy], { view: new ManifestView(), writer });
  t.equal(response.allowed, true);
  t.same(response.warnings, [
    `${APP}: ${APP_REF} did not exist: certguard created a self-signed placeholder Secret "traefik/app-tls" valid until 2027-01-08T00:00:00.000Z (unless another writer created that Secret first), so HTTPS for "app.example.com" serves a self-signed certificate until the real one is written into it (no Certificate or cert-manager annotation names this Secret). Find placeholders with: kubectl get secret -A -l certguard.io/placeholder=true`,
  ]);
  t.equal(writer.created.length, 1);
});

t.test('takes key, SANs and common name from the Certificate that will fill the Secret, and says when its key becomes the production key', async (t) => {
  const { specs, generate } = recordingGenerator();
  const cluster = [
    certificate('app', {
      secretName: 'app-tls',
      dnsNames: ['app.example.com', 'www.example.com'],
      commonName: 'www.example.com',
      privateKey: { algorithm: 'ECDSA', size: 384, rotationPolicy: 'Never' },
    }),
    acmeIssuer('letsencrypt', [dnsSolver()]),
  ];
  const { response } = await review(admissionRequest(bareGateway), [placeholderPolicy(generate)], {
    view: new ManifestView(cluster),
    writer: new RecordingWriter(),
  });
  t.equal(response.allowed, true);
  t.same(
    specs.map((spec) => [spec.commonName, spec.dnsNames, spec.key]),
    [['www.example.com', ['app.example.com', 'www.example.com'], { algorithm: 'ECDSA', size: 384 }]],
  );
  t.same(response.warnings, [
    `${APP}: ${APP_REF} did not exist: certguard created a self-signed placeholder Secret "traefik/app-tls" valid until 2027-01-08T00:00:00.000Z (unless another writer created that Secret first), so HTTPS for "app.example.com" serves a self-signed certificate until cert-manager issues the real one into it. Certificate traefik/app has privateKey.rotationPolicy: Never, so cert-manager keeps this placeholder's private key as the production key. Find placeholders with: kubectl get secret -A -l certguard.io/placeholder=true`,
  ]);
});

const keyCases: Array<{ name: string; privateKey?: Record<string, unknown>; annotations?: Record<string, string>; key: object }> = [
  { name: "RSA 2048, cert-manager's default, without spec.privateKey", key: RSA_2048 },
  { name: 'RSA 4096', privateKey: { algorithm: 'RSA', size: 4096 }, key: { algorithm: 'RSA', size: 4096 } },
  { name: "ECDSA without size: P-256, cert-manager's default", privateKey: { algorithm: 'ECDSA' }, key: { algorithm: 'ECDSA', size: 256 } },
  { name: 'ECDSA P-521', privateKey: { algorithm: 'ECDSA', size: 521 }, key: { algorithm: 'ECDSA', size: 521 } },
  { name: 'Ed25519', privateKey: { algorithm: 'Ed25519' }, key: { algorithm: 'Ed25519' } },
  { name: 'an RSA size outside 2048/3072/4096 falls back to 2048', privateKey: { algorithm: 'RSA', size: 8192 }, key: RSA_2048 },
  {
    name: 'the shim annotations private-key-algorithm and -size',
    annotations: { 'cert-manager.io/private-key-algorithm': 'ECDSA', 'cert-manager.io/private-key-size': '384' },
    key: { algorithm: 'ECDSA', size: 384 },
  },
  {
    name: 'the shim annotation private-key-algorithm Ed25519',
    annotations: { 'cert-manager.io/private-key-algorithm': 'Ed25519' },
    key: { algorithm: 'Ed25519' },
  },
];

for (const c of keyCases) {
  t.test(`makes the placeholder key the Certificate asks for: ${c.name}`, async (t) => {
    const { specs, generate } = recordingGenerator();
    const object = c.annotations ? annotated(appGateway, c.annotations) : bareGateway;
    const cluster = c.annotations ? [] : [certificate('app', { secretName: 'app-tls', ...(c.privateKey ? { privateKey: c.privateKey } : {}) })];
    const { response } = await review(admissionRequest(object), [placeholderPolicy(generate)], {
      view: new ManifestView(cluster),
      writer: new RecordingWriter(),
    });
    t.equal(response.allowed, true);
    t.same(
      specs.map((spec) => spec.key),
      [c.key],
    );
  });
}

t.test('generates a real ECDSA P-256 placeholder that certguard itself finds usable', async (t) => {
  const writer = new RecordingWriter();
  const cluster = [certificate('app', { secretName: 'app-tls', privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Never' } })];
  const policy = createGatewayListenerTlsPolicy(settingsWith({ mode: 'placeholder' }), { now: () => NOW });
  const { response } = await review(admissionRequest(bareGateway), [policy], { view: new ManifestView(cluster), writer });
  t.equal(response.allowed, true);
  const secret = writer.created[0] ?? {};
  const crt = new X509Certificate(decode(secret, 'tls.crt'));
  t.equal(crt.publicKey.asymmetricKeyType, 'ec');
  t.equal(crt.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  t.equal(crt.checkPrivateKey(createPrivateKey(decode(secret, 'tls.key'))), true);
  t.equal(crt.verify(crt.publicKey), true, 'self-signed');
  t.same(Object.keys(secret.data as object), ['tls.crt', 'tls.key'], 'only tls.crt and tls.key');
  t.equal(secret.type, 'kubernetes.io/tls');
  t.equal(checkSecretContent({ ...secret, metadata: { ...secret.metadata } }, NOW), undefined);
});
