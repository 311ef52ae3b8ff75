// tls-secret-in-use on UPDATE: a Secret a listener serves must stay usable. Messages verbatim.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { review } from '../../admission/complete.ts';
import type { AdmissionRequest } from '../../admission/types.ts';
import { ManifestView, parseManifests } from '../../cluster/manifest-view.ts';
import type { ResourceId } from '../../cluster/resources.ts';
import { buildCertificate, generateRsaKeyPair } from '../../certs/x509.ts';
import type { KubeObject } from '../../kube/object.ts';
import { messageProblems } from '../../../test/helpers/message-rules.ts';
import { readExpected } from '../../../test/helpers/policy-fixtures.ts';
import type { BreakGlassQuestion } from '../break-glass.ts';
import { PLACEHOLDER_LABEL } from '../gateway-listener-tls/placeholder-labels.ts';
import { makePki, NOW, tlsSecret as pemSecret, type Pem } from '../../../test/helpers/gateway-tls.ts';
import { withoutDeadline, type PolicyRequest, type PolicyResult } from '../types.ts';
import { createTlsSecretInUsePolicy } from './policy.ts';

const pki = await makePki();

const selfSigned = async (bits: number, notBefore: Date): Promise<Pem> => {
  const keys = await generateRsaKeyPair(bits);
  const crt = buildCertificate({
    commonName: 'app.example.com',
    dnsNames: ['app.example.com'],
    notBefore,
    notAfter: new Date('2028-01-01T00:00:00Z'),
    publicKeyPem: keys.publicKeyPem,
    selfSigningKeyPem: keys.privateKeyPem,
  });
  return { crt, key: keys.privateKeyPem };
};
const weak = await selfSigned(1024, new Date('2026-01-01T00:00:00Z'));
const notYetValid = await selfSigned(2048, new Date('2027-06-01T00:00:00Z'));

const listener = (name: string, secret: string, hostname?: string, secretNamespace?: string) => ({
  name,
  port: 443,
  protocol: 'HTTPS',
  ...(hostname ? { hostname } : {}),
  tls: { certificateRefs: [{ name: secret, ...(secretNamespace ? { namespace: secretNamespace } : {}) }] },
});

const WEB: KubeObject = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { namespace: 'traefik', name: 'web' },
  spec: {
    gatewayClassName: 'traefik',
    listeners: [
      listener('websecure-app', 'app-tls', 'app.example.com'),
      listener('websecure-any', 'app-tls'),
      listener('websecure-shop', 'shop-tls', 'shop.example.com', 'shop'),
    ],
  },
};

const EXTRA: KubeObject = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'ListenerSet',
  metadata: { namespace: 'apps', name: 'extra' },
  spec: { parentRef: { name: 'web', namespace: 'traefik' }, listeners: [listener('api', 'api-tls', 'api.example.com')] },
};

const grantFromTraefik = (kind: string): KubeObject => ({
  apiVersion: 'gateway.networking.k8s.io/v1beta1',
  kind: 'ReferenceGrant',
  metadata: { namespace: 'shop', name: 'from-traefik' },
  spec: { from: [{ group: 'gateway.networking.k8s.io', kind, namespace: 'traefik' }], to: [{ group: '', kind: 'Secret' }] },
});

type SecretOptions = { annotations?: Record<string, string>; labels?: Record<string, string>; type?: string };

const secret = (ns: string, name: string, pem: Pem | Record<string, string>, options: SecretOptions = {}): KubeObject => {
  const data = 'crt' in pem && 'key' in pem ? { 'tls.crt': pem.crt, 'tls.key': pem.key } : pem;
  const made = pemSecret(ns, name, { crt: '', key: '' }, { type: options.type, labels: options.labels });
  return {
    ...made,
    metadata: { ...made.metadata, ...(options.annotations ? { annotations: options.annotations } : {}) },
    data: Object.fromEntries(Object.entries(data).map(([key, value]) => [key, Buffer.from(value).toString('base64')])),
  };
};

const app = (pem: Pem | Record<string, string>, options?: SecretOptions) => secret('traefik', 'app-tls', pem, options);

type RequestOptions = { user?: string; dryRun?: boolean };

const updateOf = (oldObject: KubeObject, object: KubeObject, options: RequestOptions = {}): PolicyRequest => ({
  operation: 'UPDATE',
  kind: { group: '', version: 'v1', kind: object.kind ?? 'Secret' },
  namespace: object.metadata?.namespace,
  name: object.metadata?.name,
  object,
  oldObject,
  dryRun: options.dryRun === true,
  userInfo: { username: options.user ?? 'jane@example.com' },
});

const WEB_USES =
  'secret "traefik/app-tls" is the certificate of 2 TLS listeners: Gateway traefik/web listener "websecure-app" (hostname app.example.com), Gateway traefik/web listener "websecure-any" (any hostname)';
const BREAK_GLASS_HOW =
  "or update it anyway with the annotation certguard.io/allow-unusable='<reason>' on the updated Secret (the reason goes to certguard's decision log and the audit log).";

const webDenial = (problem: string, fix: string): string =>
  `${WEB_USES}. This update would make it unusable for those listeners: ${problem}. Fix: ${fix}, or remove or change the listeners first, ${BREAK_GLASS_HOW}`;

const KEY_MISMATCH = [
  'data.tls.key: "tls.key" does not match the certificate in "tls.crt"',
  'put the private key that belongs to the certificate in "tls.key", or reissue both together',
] as const;
const MISMATCH_DENIAL = webDenial(...KEY_MISMATCH);
const EXPIRED = 'data.tls.crt: its certificate expired at 2021-01-01T00:00:00.000Z';
const NOT_PEM = 'data.tls.crt: "tls.crt" is not a PEM certificate';
const mismatched: Pem = { crt: pki.valid.crt, key: pki.other.key };

type Case = {
  name: string;
  objects?: KubeObject[];
  request: PolicyRequest;
  unsynced?: ResourceId[];
  violations?: string[];
  warnings?: string[];
  audit?: Record<string, string>;
};

const cases: Case[] = [
  {
    name: 'denies a key that does not match the certificate, naming every listener that serves the Secret',
    request: updateOf(app(pki.valid), app(mismatched)),
    violations: [MISMATCH_DENIAL],
  },
  {
    name: 'denies an expired leaf',
    request: updateOf(app(pki.valid), app(pki.expired)),
    violations: [webDenial(EXPIRED, 'renew the certificate (cmctl renew, or find out why cert-manager did not)')],
  },
  {
    name: 'denies a leaf not valid yet',
    request: updateOf(app(pki.valid), app(notYetValid)),
    violations: [
      webDenial(
        'data.tls.crt: its certificate is not valid before 2027-06-01T00:00:00.000Z, so clients refuse it until then',
        'put a certificate that is valid now in "tls.crt" (and check the clock of whatever issued it)',
      ),
    ],
  },
  {
    name: 'denies an RSA key under 2048 bits',
    request: updateOf(app(pki.valid), app(weak)),
    violations: [
      webDenial(
        'data.tls.crt: its certificate has a 1024-bit RSA key, and Envoy loads only RSA keys of 2048 bits or more',
        'reissue it with an RSA key of at least 2048 bits or an ECDSA key (Certificate spec.privateKey)',
      ),
    ],
  },
  {
    name: 'denies a tls.crt that is not PEM',
    request: updateOf(app(pki.valid), app({ crt: 'not a certificate', key: pki.valid.key })),
    violations: [webDenial(NOT_PEM, 'put the PEM certificate chain, leaf first, in "tls.crt"')],
  },
  {
    name: 'denies a tls.key that is not a PEM private key',
    request: updateOf(app(pki.valid), app({ crt: pki.valid.crt, key: 'not a key' })),
    violations: [
      webDenial('data.tls.key: "tls.key" is not an unencrypted PEM private key', 'put the certificate\'s private key, unencrypted PEM, in "tls.key"'),
    ],
  },
  {
    name: 'denies an update that drops tls.key',
    request: updateOf(app(pki.valid), app({ 'tls.crt': pki.valid.crt })),
    violations: [webDenial('data.tls.key: it has no "tls.key"', 'put the PEM certificate chain in "tls.crt" and its private key in "tls.key"')],
  },
  {
    name: 'denies a type other than kubernetes.io/tls (the API server refuses the change first, the policy judges what it is sent)',
    request: updateOf(app(pki.valid), app(pki.valid, { type: 'Opaque' })),
    violations: [
      webDenial(
        'type: its type is "Opaque", not "kubernetes.io/tls", and cert-manager keeps a Secret\'s type when it issues into it, so this will not fix itself',
        'delete it and recreate it with type kubernetes.io/tls, or let cert-manager create it (the type of a Secret cannot be changed)',
      ),
    ],
  },
  {
    name: 'denies for a ListenerSet listener, naming it',
    request: updateOf(secret('apps', 'api-tls', pki.valid), secret('apps', 'api-tls', mismatched)),
    violations: [
      'secret "apps/api-tls" is the certificate of a TLS listener: ListenerSet apps/extra listener "api" (hostname api.example.com). This update would make it unusable for that listener: ' +
        `${KEY_MISMATCH[0]}. Fix: ${KEY_MISMATCH[1]}, or remove or change the listener first, ${BREAK_GLASS_HOW}`,
    ],
  },
  {
    name: 'denies for a listener in another namespace a ReferenceGrant permits',
    objects: [WEB, grantFromTraefik('Gateway')],
    request: updateOf(secret('shop', 'shop-tls', pki.valid), secret('shop', 'shop-tls', pki.expired)),
    violations: [
      'secret "shop/shop-tls" is the certificate of a TLS listener: Gateway traefik/web listener "websecure-shop" (hostname shop.example.com). This update would make it unusable for that listener: ' +
        `${EXPIRED}. Fix: renew the certificate (cmctl renew, or find out why cert-manager did not), or remove or change the listener first, ${BREAK_GLASS_HOW}`,
    ],
  },
  {
    name: 'allows a cross-namespace use no ReferenceGrant permits (the listener already fails)',
    objects: [WEB, grantFromTraefik('HTTPRoute')],
    request: updateOf(secret('shop', 'shop-tls', pki.valid), secret('shop', 'shop-tls', pki.expired)),
  },
  { name: 'allows a rotation to another usable certificate (RSA to ECDSA)', request: updateOf(app(pki.valid), app(pki.ecdsa)) },
  { name: 'allows fixing an unusable Secret', request: updateOf(app(mismatched), app(pki.valid)) },
  {
    name: 'allows an unusable Secret to stay unusable in another way, with a warning: a fix is never blocked',
    request: updateOf(app({ crt: 'not a certificate', key: pki.valid.key }), app(mismatched)),
    warnings: [
      `${WEB_USES}: it is still unusable after this update: ${KEY_MISMATCH[0]} (allowed: it was unusable before this update too, so that a fix is never blocked)`,
    ],
  },
  {
    name: 'allows any content in a Secret no listener serves',
    request: updateOf(secret('traefik', 'unused-tls', pki.valid), secret('traefik', 'unused-tls', mismatched)),
  },
  {
    name: 'allows a metadata-only update of an unusable Secret in use, without a warning (its content did not change)',
    request: updateOf(app(mismatched), app(mismatched, { labels: { team: 'edge' } })),
  },
  {
    name: 'allows cert-manager replacing a certguard placeholder with the real certificate',
    request: updateOf(app(pki.expiredPlaceholder, { labels: { [PLACEHOLDER_LABEL]: 'true' } }), app(pki.valid)),
  },
  {
    name: 'denies cert-manager writing an unusable certificate, over a placeholder too (no exemption for its writes)',
    request: updateOf(app(pki.expiredPlaceholder, { labels: { [PLACEHOLDER_LABEL]: 'true' } }), app(mismatched), {
      user: 'system:serviceaccount:cert-manager:cert-manager',
    }),
    violations: [MISMATCH_DENIAL],
  },
  {
    name: 'denies the garbage collector too: its exemption is for deletes',
    request: updateOf(app(pki.valid), app(mismatched), { user: 'system:serviceaccount:kube-system:generic-garbage-collector' }),
    violations: [MISMATCH_DENIAL],
  },
  { name: 'a dry run gets the same denial', request: updateOf(app(pki.valid), app(mismatched), { dryRun: true }), violations: [MISMATCH_DENIAL] },
  {
    name: 'break glass on the updated Secret: allowed with a warning and the reason in the audit annotations',
    request: updateOf(app(pki.valid), app(mismatched, { annotations: { 'certguard.io/allow-unusable': ' new key follows in the next sync ' } })),
    warnings: [`${WEB_USES}: updated anyway to unusable content: ${KEY_MISMATCH[0]} (certguard.io/allow-unusable: "new key follows in the next sync")`],
    audit: { 'allow-unusable-reason': 'new key follows in the next sync' },
  },
  {
    name: 'break glass without a reason does not count: denied, with a warning saying why',
    request: updateOf(app(pki.valid), app(mismatched, { annotations: { 'certguard.io/allow-unusable': '' } })),
    violations: [MISMATCH_DENIAL],
    warnings: [
      'secret "traefik/app-tls" has the annotation certguard.io/allow-unusable without a reason, so it does not count: give one, e.g. certguard.io/allow-unusable=\'new certificate follows in the next sync\'',
    ],
  },
  {
    name: 'the delete break glass does not cover an update',
    request: updateOf(app(pki.valid), app(mismatched, { annotations: { 'certguard.io/allow-delete': 'moving to app-tls-2' } })),
    violations: [MISMATCH_DENIAL],
  },
  {
    name: 'allows with a warning while the ListenerSet cache is not synced',
    unsynced: ['listenersets'],
    request: updateOf(app(pki.valid), app(mismatched)),
    warnings: [
      'secret "traefik/app-tls" was not checked for TLS listeners and fields that use it: certguard\'s ListenerSet cache is not synced yet, so the update is allowed',
    ],
  },
];

const DATA = [pki.valid.key, pki.other.key, 'not a key'].map((pem) => Buffer.from(pem).toString('base64').slice(0, 40));

const run = async (c: Case): Promise<PolicyResult> => {
  const policy = createTlsSecretInUsePolicy({ mode: 'enforce' }, { now: () => NOW });
  const view = new ManifestView(c.objects ?? [WEB, EXTRA], { unsynced: c.unsynced });
  t.ok(policy.matches(c.request), 'the policy selects a Secret UPDATE');
  return policy.check(c.request, view, withoutDeadline());
};

for (const c of cases) {
  t.test(c.name, async (t) => {
    const result = await run(c);
    t.same(result.violations, c.violations ?? [], 'violations');
    t.same(result.warnings, c.warnings ?? [], 'warnings');
    t.same(result.auditAnnotations, c.audit, 'audit annotations');
    for (const message of [...result.violations, ...result.warnings]) t.same(messageProblems(message), [], `message rules: ${message.slice(0, 60)}`);
    t.notOk(
      DATA.some((data) => JSON.stringify(result).includes(data)),
      'never the Secret data',
    );
  });
}

t.test('selects DELETE and UPDATE of core Secrets, never CREATE', async (t) => {
  const policy = createTlsSecretInUsePolicy({ mode: 'enforce' });
  const request = updateOf(app(pki.valid), app(mismatched));
  t.ok(policy.matches(request), 'UPDATE');
  t.notOk(policy.matches({ ...request, operation: 'CREATE', oldObject: undefined }), 'CREATE');
  t.notOk(policy.matches({ ...request, kind: { group: 'example.com', version: 'v1', kind: 'Secret' } }), 'a Secret kind of another group');
});

t.test('an update of a Secret no listener serves costs the index lookup only', async (t) => {
  const view = new ManifestView([WEB]);
  const touched: string[] = [];
  const spy = new Proxy(view, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        touched.push(String(property));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  const policy = createTlsSecretInUsePolicy({ mode: 'enforce' }, { now: () => NOW });
  const request = updateOf(secret('traefik', 'unused-tls', pki.valid), secret('traefik', 'unused-tls', mismatched));
  t.same(await policy.check(request, spy, withoutDeadline()), { violations: [], warnings: [] });
  t.same(touched, ['isSynced', 'isSynced', 'isSynced', 'listenersUsing', 'tlsRefsUsing'], 'no get, no list');
  touched.length = 0;
  await policy.check(updateOf(app(pki.valid), app(pki.valid, { labels: { a: 'b' } })), spy, withoutDeadline());
  t.same(touched, [], 'content unchanged: not even the index');
});

const admissionRequestOf = (request: PolicyRequest): AdmissionRequest =>
  ({
    uid: '5d3c5ad0-0000-4000-8000-000000000028',
    kind: request.kind,
    resource: { group: '', version: 'v1', resource: 'secrets' },
    operation: request.operation,
    namespace: request.namespace,
    name: request.name ?? '',
    object: request.object,
    oldObject: request.oldObject,
    dryRun: request.dryRun,
    userInfo: request.userInfo,
  }) as AdmissionRequest;

t.test('through review(): 403 with the message, and the RBAC-gated break glass counts only for a user allowed it', async (t) => {
  const view = new ManifestView([WEB]);
  const isAllowed = async (question: BreakGlassQuestion) => question.user.username === 'alice' && question.policy === 'tls-secret-in-use';
  const policy = createTlsSecretInUsePolicy(
    { mode: 'enforce' },
    { now: () => NOW, breakGlass: { mode: 'rbac', clusterRole: 'certguard-break-glass', isAllowed } },
  );
  const annotated = app(mismatched, { annotations: { 'certguard.io/allow-unusable': 'new key follows' } });
  const byAlice = await review(admissionRequestOf(updateOf(app(pki.valid), annotated, { user: 'alice' })), [policy], { view });
  t.equal(byAlice.response.allowed, true);
  const anyway = `${WEB_USES}: updated anyway to unusable content: ${KEY_MISMATCH[0]} (certguard.io/allow-unusable: "new key follows")`;
  t.same(byAlice.breakGlass, [
    { annotation: 'certguard.io/allow-unusable', reason: 'new key follows', user: 'alice', message: anyway, policy: 'tls-secret-in-use' },
  ]);
  const byBob = await review(admissionRequestOf(updateOf(app(pki.valid), annotated, { user: 'bob' })), [policy], { view });
  const gated =
    "or update it anyway with the annotation certguard.io/allow-unusable='<reason>' on the updated Secret " +
    '(it counts only for a user allowed verb use on breakglass.certguard.io "tls-secret-in-use" in namespace "traefik", and the reason goes to certguard\'s decision log and the audit log).';
  t.same(byBob.response.status, { code: 403, reason: 'Forbidden', message: MISMATCH_DENIAL.replace(BREAK_GLASS_HOW, gated) });
  t.same(byBob.response.warnings, [
    'secret "traefik/app-tls": annotation certguard.io/allow-unusable is ignored, so the in-use check ran: user "bob" may not use certguard\'s break glass for tls-secret-in-use in namespace "traefik" ' +
      '(verb use on breakglass.certguard.io "tls-secret-in-use"). A cluster admin, or anyone who may bind ClusterRole certguard-break-glass there, grants it with ' +
      '"kubectl create rolebinding <name> -n traefik --clusterrole=certguard-break-glass --user=bob"',
  ]);
});

t.test('update fixtures: each file is the object as stored, then the update; verdicts as fixtures/expected.yaml states', async (t) => {
  const root = new URL('./fixtures/', import.meta.url).pathname;
  const view = new ManifestView(parseManifests(await readFile(join(root, 'cluster.yaml'), 'utf8'), 'cluster.yaml'));
  const policy = createTlsSecretInUsePolicy({ mode: 'enforce' });
  const expected = readExpected('tls-secret-in-use');
  const names = (
    await Promise.all(['update/good', 'update/bad'].map(async (folder) => (await readdir(join(root, folder))).sort().map((file) => `${folder}/${file}`)))
  ).flat();
  t.same(
    [...expected.keys()].filter((name) => name.startsWith('update/') && !names.includes(name)),
    [],
    'expected.yaml names only existing update fixtures',
  );
  for (const name of names) {
    const [stored, updated] = parseManifests(await readFile(join(root, name), 'utf8'), name);
    if (!stored || !updated) throw new Error(`${name}: needs the stored object and the update`);
    const result = await policy.check(updateOf(stored, updated), view, withoutDeadline());
    const verdict = expected.get(name)?.[0] ?? { violations: [], warnings: [] };
    t.same({ violations: result.violations, warnings: result.warnings }, { violations: verdict.violations, warnings: verdict.warnings }, name);
    t.equal(result.violations.length > 0, name.startsWith('update/bad/'), `${name}: denied exactly when under bad/`);
  }
});
