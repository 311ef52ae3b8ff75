// The policy's case table: cluster state as plain objects in a ManifestView, exact messages.
import { Ajv } from 'ajv';
import t from 'tap';
import type { KubeObject } from '../../kube/object.ts';
import { ManifestView } from '../../cluster/manifest-view.ts';
import type { ResourceId } from '../../cluster/resources.ts';
import { withoutDeadline, type PolicyRequest } from '../types.ts';
import { createGatewayListenerTlsPolicy } from './policy.ts';
import { defaultGatewayListenerTlsSettings, gatewayListenerTlsSchema, type GatewayListenerTlsSettings } from './settings.ts';
import {
  gateway,
  grant,
  http,
  https,
  listenerSet,
  makePki,
  NOW,
  policyRequest,
  secret,
  settingsWith,
  tlsListener,
  tlsSecret,
} from './testing.ts';

const pki = await makePki();

const GW = 'one unresolved listener can stop every listener of this Gateway on several controllers (Traefik, Cilium, kgateway), and then cert-manager cannot complete HTTP-01 challenges through it';
const LS = 'one unresolved listener can stop every listener of its parent Gateway traefik/traefik-gateway on several controllers (Traefik, Cilium, kgateway), and then cert-manager cannot complete HTTP-01 challenges through it';
const MISSING_FIX = 'Fix: create the Secret first, or enable placeholder mode (policies.gateway-listener-tls.mode: placeholder) so certguard creates a temporary self-signed one';
const ALREADY = ' (this reference was already broken before this update: allowed, so that a fix is never blocked)';
const APP = 'spec.listeners[0] "websecure-app" (Gateway traefik/traefik-gateway, hostname "app.example.com")';
const notGranted = (where: string, ref: string, ns: string, from: string, to: string, consequence = GW) =>
  `${where}: ${ref} is in another namespace and no ReferenceGrant permits it (RefNotPermitted): ${consequence}. Fix: create a ReferenceGrant in namespace "${ns}" with from {group: gateway.networking.k8s.io, ${from}} and to {group: "", kind: Secret, name: ${to}}`;
const PROD_NOT_GRANTED = notGranted(APP, 'certificateRefs[0] Secret "app-prod/app-prod-tls"', 'app-prod', 'kind: Gateway, namespace: traefik', 'app-prod-tls');
const unusable = (what: string, fix: string, ref = 'certificateRefs[0] Secret "traefik/app-tls"') => `${APP}: ${ref} is unusable: ${what}: ${GW}. Fix: ${fix}`;

const appSecret = tlsSecret('traefik', 'app-tls', pki.valid);
const prodSecret = tlsSecret('app-prod', 'app-prod-tls', pki.valid);
const appListener = https('websecure-app', 'app.example.com', { name: 'app-tls' });
const prodListener = https('websecure-app', 'app.example.com', { name: 'app-prod-tls', namespace: 'app-prod' });
const brokenListener = https('websecure-broken', 'broken.example.com', { name: 'gone-tls' });

type Case = {
  name: string;
  cluster?: KubeObject[];
  unserved?: ResourceId[];
  object: KubeObject;
  oldObject?: KubeObject;
  settings?: Partial<GatewayListenerTlsSettings>;
  violations?: string[];
  warnings?: string[];
};

const cases: Case[] = [
  {
    name: 'allows an HTTPS listener whose Secret exists in the Gateway namespace (ref namespace defaulted)',
    cluster: [appSecret],
    object: gateway([http('web'), appListener]),
  },
  {
    name: 'denies an HTTPS listener whose Secret does not exist, naming consequence and fix',
    object: gateway([http('web'), https('websecure-app', 'app.example.com', { name: 'app-prod-tls' })]),
    violations: [
      'spec.listeners[1] "websecure-app" (Gateway traefik/traefik-gateway, hostname "app.example.com"): certificateRefs[0] Secret "traefik/app-prod-tls" does not exist: one unresolved listener can stop every listener of this Gateway on several controllers (Traefik, Cilium, kgateway), and then cert-manager cannot complete HTTP-01 challenges through it. Fix: create the Secret first, or enable placeholder mode (policies.gateway-listener-tls.mode: placeholder) so certguard creates a temporary self-signed one',
    ],
  },
  {
    name: 'denies a missing Secret on a listener without hostname and says so',
    object: gateway([https('websecure-any', undefined, { name: 'any-tls' })]),
    violations: [`spec.listeners[0] "websecure-any" (Gateway traefik/traefik-gateway, no hostname): certificateRefs[0] Secret "traefik/any-tls" does not exist: ${GW}. ${MISSING_FIX}`],
  },
  {
    name: 'judges every certificateRef of a listener and every listener, one message each',
    cluster: [appSecret],
    object: gateway([https('websecure-app', 'app.example.com', { name: 'app-tls' }, { name: 'app-ecdsa-tls' }), brokenListener]),
    violations: [
      `${APP}: certificateRefs[1] Secret "traefik/app-ecdsa-tls" does not exist: ${GW}. ${MISSING_FIX}`,
      `spec.listeners[1] "websecure-broken" (Gateway traefik/traefik-gateway, hostname "broken.example.com"): certificateRefs[0] Secret "traefik/gone-tls" does not exist: ${GW}. ${MISSING_FIX}`,
    ],
  },
  {
    name: 'judges a v1beta1 Gateway the same way',
    object: gateway([https('websecure-app', 'app.example.com', { name: 'app-tls' })], { version: 'v1beta1' }),
    violations: [`${APP}: certificateRefs[0] Secret "traefik/app-tls" does not exist: ${GW}. ${MISSING_FIX}`],
  },
  {
    name: 'judges a TLS listener without a mode (Terminate is the default)',
    object: gateway([tlsListener('tls-app', 'app.example.com', undefined, { name: 'app-tls' })]),
    violations: [`spec.listeners[0] "tls-app" (Gateway traefik/traefik-gateway, hostname "app.example.com"): certificateRefs[0] Secret "traefik/app-tls" does not exist: ${GW}. ${MISSING_FIX}`],
  },
  {
    name: 'judges a TLS listener with mode Terminate',
    cluster: [appSecret],
    object: gateway([tlsListener('tls-app', 'app.example.com', 'Terminate', { name: 'app-tls' })]),
  },
  {
    name: 'ignores a TLS Passthrough listener even when its refs point nowhere',
    object: gateway([tlsListener('db', 'db.example.com', 'Passthrough', { name: 'nowhere' })]),
  },
  {
    name: 'ignores an HTTP listener',
    object: gateway([http('web')]),
  },
  {
    name: 'allows a cross-namespace ref granted by a v1 ReferenceGrant naming the Secret',
    cluster: [prodSecret, grant('app-prod', { namespace: 'traefik' }, { name: 'app-prod-tls' })],
    object: gateway([prodListener]),
  },
  {
    name: 'allows a cross-namespace ref granted by a v1beta1 ReferenceGrant for every Secret',
    cluster: [prodSecret, grant('app-prod', { namespace: 'traefik' }, {}, 'v1beta1')],
    object: gateway([prodListener]),
  },
  {
    name: 'denies a cross-namespace ref without a ReferenceGrant, naming the grant that would fix it',
    cluster: [prodSecret],
    object: gateway([prodListener]),
    violations: [
      'spec.listeners[0] "websecure-app" (Gateway traefik/traefik-gateway, hostname "app.example.com"): certificateRefs[0] Secret "app-prod/app-prod-tls" is in another namespace and no ReferenceGrant permits it (RefNotPermitted): one unresolved listener can stop every listener of this Gateway on several controllers (Traefik, Cilium, kgateway), and then cert-manager cannot complete HTTP-01 challenges through it. Fix: create a ReferenceGrant in namespace "app-prod" with from {group: gateway.networking.k8s.io, kind: Gateway, namespace: traefik} and to {group: "", kind: Secret, name: app-prod-tls}',
    ],
  },
  {
    name: 'denies a cross-namespace ref whose grant names another Secret',
    cluster: [prodSecret, grant('app-prod', { namespace: 'traefik' }, { name: 'app-prod-old-tls' })],
    object: gateway([prodListener]),
    violations: [PROD_NOT_GRANTED],
  },
  {
    name: 'denies a cross-namespace ref whose grant is from another kind',
    cluster: [prodSecret, grant('app-prod', { namespace: 'traefik', kind: 'HTTPRoute' }, { name: 'app-prod-tls' })],
    object: gateway([prodListener]),
    violations: [PROD_NOT_GRANTED],
  },
  {
    name: 'denies a cross-namespace ref whose grant is from another namespace',
    cluster: [prodSecret, grant('app-prod', { namespace: 'envoy' }, { name: 'app-prod-tls' })],
    object: gateway([prodListener]),
    violations: [PROD_NOT_GRANTED],
  },
  {
    name: 'denies a cross-namespace ref whose grant lives in the Gateway namespace instead of the Secret one',
    cluster: [prodSecret, grant('traefik', { namespace: 'traefik' }, { name: 'app-prod-tls' })],
    object: gateway([prodListener]),
    violations: [PROD_NOT_GRANTED],
  },
  {
    name: 'denies a cross-namespace ref when the ReferenceGrant API is not served',
    cluster: [prodSecret, grant('app-prod', { namespace: 'traefik' }, { name: 'app-prod-tls' })],
    unserved: ['referencegrants'],
    object: gateway([prodListener]),
    violations: [PROD_NOT_GRANTED],
  },
  {
    name: 'reports a missing Secret behind a granted cross-namespace ref as missing',
    cluster: [grant('app-prod', { namespace: 'traefik' }, { name: 'app-prod-tls' })],
    object: gateway([prodListener]),
    violations: [`${APP}: certificateRefs[0] Secret "app-prod/app-prod-tls" does not exist: ${GW}. ${MISSING_FIX}`],
  },
  {
    name: 'denies a ListenerSet listener whose Secret is missing, naming the parent Gateway',
    object: listenerSet([https('shop-https', 'shop.example.com', { name: 'shop-tls' })]),
    violations: [`spec.listeners[0] "shop-https" (ListenerSet apps/shop, hostname "shop.example.com"): certificateRefs[0] Secret "apps/shop-tls" does not exist: ${LS}. ${MISSING_FIX}`],
  },
  {
    name: 'allows a ListenerSet cross-namespace ref granted from kind ListenerSet',
    cluster: [tlsSecret('certs', 'shop-tls', pki.valid), grant('certs', { namespace: 'apps', kind: 'ListenerSet' }, { name: 'shop-tls' })],
    object: listenerSet([https('shop-https', 'shop.example.com', { name: 'shop-tls', namespace: 'certs' })]),
  },
  {
    name: 'denies a ListenerSet cross-namespace ref granted only from kind Gateway',
    cluster: [tlsSecret('certs', 'shop-tls', pki.valid), grant('certs', { namespace: 'apps', kind: 'Gateway' }, { name: 'shop-tls' })],
    object: listenerSet([https('shop-https', 'shop.example.com', { name: 'shop-tls', namespace: 'certs' })]),
    violations: [
      notGranted('spec.listeners[0] "shop-https" (ListenerSet apps/shop, hostname "shop.example.com")', 'certificateRefs[0] Secret "certs/shop-tls"', 'certs', 'kind: ListenerSet, namespace: apps', 'shop-tls', LS),
    ],
  },
  {
    name: 'denies a UPDATE that adds a listener with a missing Secret',
    cluster: [appSecret],
    oldObject: gateway([appListener]),
    object: gateway([appListener, brokenListener]),
    violations: [`spec.listeners[1] "websecure-broken" (Gateway traefik/traefik-gateway, hostname "broken.example.com"): certificateRefs[0] Secret "traefik/gone-tls" does not exist: ${GW}. ${MISSING_FIX}`],
  },
  {
    name: 'allows with a warning a UPDATE that keeps an already broken listener while adding a good one',
    cluster: [appSecret],
    oldObject: gateway([brokenListener]),
    object: gateway([brokenListener, appListener]),
    warnings: [`spec.listeners[0] "websecure-broken" (Gateway traefik/traefik-gateway, hostname "broken.example.com"): certificateRefs[0] Secret "traefik/gone-tls" does not exist: ${GW}. ${MISSING_FIX}${ALREADY}`],
  },
  {
    name: 'allows with a warning a UPDATE that keeps a ref whose grant has since disappeared',
    cluster: [prodSecret],
    oldObject: gateway([prodListener]),
    object: gateway([prodListener, http('web')]),
    warnings: [`${PROD_NOT_GRANTED}${ALREADY}`],
  },
  {
    name: 'denies a UPDATE that points an existing listener at a missing Secret',
    cluster: [appSecret],
    oldObject: gateway([appListener]),
    object: gateway([https('websecure-app', 'app.example.com', { name: 'app-v2-tls' })]),
    violations: [`${APP}: certificateRefs[0] Secret "traefik/app-v2-tls" does not exist: ${GW}. ${MISSING_FIX}`],
  },
  {
    name: 'denies a UPDATE that switches a Passthrough listener with a dangling ref to Terminate',
    oldObject: gateway([tlsListener('tls-app', 'app.example.com', 'Passthrough', { name: 'app-tls' })]),
    object: gateway([tlsListener('tls-app', 'app.example.com', 'Terminate', { name: 'app-tls' })]),
    violations: [`spec.listeners[0] "tls-app" (Gateway traefik/traefik-gateway, hostname "app.example.com"): certificateRefs[0] Secret "traefik/app-tls" does not exist: ${GW}. ${MISSING_FIX}`],
  },
  {
    name: 'denies a Secret whose type is not kubernetes.io/tls',
    cluster: [tlsSecret('traefik', 'app-tls', pki.valid, { type: 'Opaque' })],
    object: gateway([appListener]),
    violations: [unusable('its type is "Opaque", not "kubernetes.io/tls"', 'recreate it with type kubernetes.io/tls (the type of a Secret cannot be changed)')],
  },
  {
    name: 'denies a Secret without tls.key',
    cluster: [secret('traefik', 'app-tls', { 'tls.crt': pki.valid.crt })],
    object: gateway([appListener]),
    violations: [unusable('it has no "tls.key"', 'put the PEM certificate chain in "tls.crt" and its private key in "tls.key"')],
  },
  {
    name: 'denies a Secret with neither tls.crt nor tls.key',
    cluster: [secret('traefik', 'app-tls', { 'ca.crt': pki.valid.crt })],
    object: gateway([appListener]),
    violations: [unusable('it has no "tls.crt" and no "tls.key"', 'put the PEM certificate chain in "tls.crt" and its private key in "tls.key"')],
  },
  {
    name: 'denies a Secret whose tls.crt is not PEM',
    cluster: [secret('traefik', 'app-tls', { 'tls.crt': 'to be filled in', 'tls.key': pki.valid.key })],
    object: gateway([appListener]),
    violations: [unusable('"tls.crt" is not a PEM certificate', 'put the PEM certificate chain, leaf first, in "tls.crt"')],
  },
  {
    name: 'denies a Secret whose tls.crt is a truncated PEM block',
    cluster: [secret('traefik', 'app-tls', { 'tls.crt': pki.valid.crt.slice(0, 200), 'tls.key': pki.valid.key })],
    object: gateway([appListener]),
    violations: [unusable('"tls.crt" is not a PEM certificate', 'put the PEM certificate chain, leaf first, in "tls.crt"')],
  },
  {
    name: 'denies a Secret whose tls.key is not a private key',
    cluster: [secret('traefik', 'app-tls', { 'tls.crt': pki.valid.crt, 'tls.key': pki.valid.crt })],
    object: gateway([appListener]),
    violations: [unusable('"tls.key" is not an unencrypted PEM private key', 'put the certificate\'s private key, unencrypted PEM, in "tls.key"')],
  },
  {
    name: 'denies a Secret whose key does not match its certificate',
    cluster: [tlsSecret('traefik', 'app-tls', { crt: pki.valid.crt, key: pki.other.key })],
    object: gateway([appListener]),
    violations: [unusable('"tls.key" does not match the certificate in "tls.crt"', 'put the private key that belongs to the certificate in "tls.key", or reissue both together')],
  },
  {
    name: 'denies a Secret whose ECDSA key belongs to another certificate',
    cluster: [tlsSecret('traefik', 'app-tls', { crt: pki.valid.crt, key: pki.ecdsa.key })],
    object: gateway([appListener]),
    violations: [unusable('"tls.key" does not match the certificate in "tls.crt"', 'put the private key that belongs to the certificate in "tls.key", or reissue both together')],
  },
  {
    name: 'denies a Secret whose certificate has expired',
    cluster: [tlsSecret('traefik', 'app-tls', pki.expired)],
    object: gateway([appListener]),
    violations: [unusable('its certificate expired at 2021-01-01T00:00:00.000Z', 'renew the certificate (cmctl renew, or find out why cert-manager did not)')],
  },
  {
    name: 'allows a Secret with an ECDSA certificate and key',
    cluster: [tlsSecret('traefik', 'app-tls', pki.ecdsa)],
    object: gateway([appListener]),
  },
  {
    name: 'allows a Secret whose tls.crt is a chain, leaf first',
    cluster: [tlsSecret('traefik', 'app-tls', { crt: pki.valid.crt + pki.other.crt, key: pki.valid.key })],
    object: gateway([appListener]),
  },
  {
    name: 'allows an expired certguard placeholder (short-lived by design)',
    cluster: [tlsSecret('traefik', 'app-tls', pki.expiredPlaceholder, { labels: { 'certguard.io/placeholder': 'true' } })],
    object: gateway([appListener]),
  },
  {
    name: 'denies an expired certificate carrying the placeholder label that certguard did not make',
    cluster: [tlsSecret('traefik', 'app-tls', pki.expired, { labels: { 'certguard.io/placeholder': 'true' } })],
    object: gateway([appListener]),
    violations: [unusable('its certificate expired at 2021-01-01T00:00:00.000Z', 'renew the certificate (cmctl renew, or find out why cert-manager did not)')],
  },
  {
    name: 'warns about an unusable Secret when secretContent is warn',
    settings: { secretContent: 'warn' },
    cluster: [tlsSecret('traefik', 'app-tls', pki.expired)],
    object: gateway([appListener]),
    warnings: [unusable('its certificate expired at 2021-01-01T00:00:00.000Z', 'renew the certificate (cmctl renew, or find out why cert-manager did not)')],
  },
  {
    name: 'does not read Secret content when secretContent is off, but still requires the Secret',
    settings: { secretContent: 'off' },
    cluster: [secret('traefik', 'app-tls', { token: 'x' }, { type: 'Opaque' })],
    object: gateway([appListener, brokenListener]),
    violations: [`spec.listeners[1] "websecure-broken" (Gateway traefik/traefik-gateway, hostname "broken.example.com"): certificateRefs[0] Secret "traefik/gone-tls" does not exist: ${GW}. ${MISSING_FIX}`],
  },
  {
    name: 'warns, never denies, about an unusable Secret the UPDATE did not change',
    cluster: [tlsSecret('traefik', 'app-tls', pki.expired)],
    oldObject: gateway([appListener]),
    object: gateway([appListener]),
    warnings: [unusable('its certificate expired at 2021-01-01T00:00:00.000Z', 'renew the certificate (cmctl renew, or find out why cert-manager did not)') + ALREADY],
  },
  {
    name: 'denies a certificateRef of an unsupported group and kind',
    object: gateway([https('websecure-app', 'app.example.com', { group: 'cert-manager.io', kind: 'Certificate', name: 'app' })]),
    violations: [
      `${APP}: certificateRefs[0] cert-manager.io/Certificate "traefik/app" has an unsupported group/kind (certguard resolves core Secrets only): ${GW}. Fix: reference a Secret (group "", kind Secret), or add {group: cert-manager.io, kind: Certificate} to policies.gateway-listener-tls.allowedRefKinds if your Gateway controller supports it`,
    ],
  },
  {
    name: 'denies a core ref of another kind, showing the empty group',
    object: gateway([https('websecure-app', 'app.example.com', { kind: 'ConfigMap', name: 'app' })]),
    violations: [
      `${APP}: certificateRefs[0] ConfigMap "traefik/app" has an unsupported group/kind (certguard resolves core Secrets only): ${GW}. Fix: reference a Secret (group "", kind Secret), or add {group: "", kind: ConfigMap} to policies.gateway-listener-tls.allowedRefKinds if your Gateway controller supports it`,
    ],
  },
  {
    name: 'allows a ref kind listed in allowedRefKinds without resolving it',
    settings: { allowedRefKinds: [{ group: 'cert-manager.io', kind: 'Certificate' }] },
    object: gateway([https('websecure-app', 'app.example.com', { group: 'cert-manager.io', kind: 'Certificate', name: 'app' })]),
  },
  {
    name: 'still requires a ReferenceGrant for an allowed ref kind in another namespace',
    settings: { allowedRefKinds: [{ group: 'cert-manager.io', kind: 'Certificate' }] },
    object: gateway([https('websecure-app', 'app.example.com', { group: 'cert-manager.io', kind: 'Certificate', name: 'app', namespace: 'app-prod' })]),
    violations: [
      `${APP}: certificateRefs[0] cert-manager.io/Certificate "app-prod/app" is in another namespace and no ReferenceGrant permits it (RefNotPermitted): ${GW}. Fix: create a ReferenceGrant in namespace "app-prod" with from {group: gateway.networking.k8s.io, kind: Gateway, namespace: traefik} and to {group: cert-manager.io, kind: Certificate, name: app}`,
    ],
  },
  {
    name: 'judges nothing on a Gateway that is being deleted',
    object: { ...gateway([brokenListener]), metadata: { name: 'traefik-gateway', namespace: 'traefik', deletionTimestamp: '2027-01-01T00:00:00Z' } },
    oldObject: gateway([]),
  },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const policy = createGatewayListenerTlsPolicy(settingsWith(c.settings), { now: () => NOW });
    const view = new ManifestView(c.cluster ?? [], { unserved: c.unserved ?? [] });
    const result = await policy.check(policyRequest(c.object, { oldObject: c.oldObject }), view, withoutDeadline());
    t.same(result.violations, c.violations ?? [], 'violations');
    t.same(result.warnings, c.warnings ?? [], 'warnings');
    t.equal(result.effects, undefined, 'no side effects outside placeholder mode');
  });
}

t.test('every message is one line without the "; " that separates violations', async (t) => {
  const policy = createGatewayListenerTlsPolicy(settingsWith(), { now: () => NOW });
  const object = gateway([brokenListener, prodListener, https('x', 'x.example.com', { kind: 'ConfigMap', name: 'c' })]);
  const result = await policy.check(policyRequest(object), new ManifestView([tlsSecret('traefik', 'app-tls', pki.expired)]), withoutDeadline());
  t.equal(result.violations.length, 3);
  for (const message of result.violations) t.notMatch(message, /\n|; /);
});

type MatchCase = { name: string; request: Partial<PolicyRequest> & Pick<PolicyRequest, 'kind'>; matches: boolean };

const matchCases: MatchCase[] = [
  { name: 'selects a v1 Gateway CREATE', request: { kind: { group: 'gateway.networking.k8s.io', version: 'v1', kind: 'Gateway' } }, matches: true },
  { name: 'selects a v1beta1 Gateway UPDATE', request: { kind: { group: 'gateway.networking.k8s.io', version: 'v1beta1', kind: 'Gateway' }, operation: 'UPDATE' }, matches: true },
  { name: 'selects a ListenerSet CREATE', request: { kind: { group: 'gateway.networking.k8s.io', version: 'v1', kind: 'ListenerSet' } }, matches: true },
  { name: 'skips a Gateway DELETE', request: { kind: { group: 'gateway.networking.k8s.io', version: 'v1', kind: 'Gateway' }, operation: 'DELETE' }, matches: false },
  { name: 'skips an HTTPRoute', request: { kind: { group: 'gateway.networking.k8s.io', version: 'v1', kind: 'HTTPRoute' } }, matches: false },
  { name: 'skips a Gateway of another group', request: { kind: { group: 'networking.istio.io', version: 'v1', kind: 'Gateway' } }, matches: false },
  { name: 'skips an unknown Gateway version', request: { kind: { group: 'gateway.networking.k8s.io', version: 'v1alpha2', kind: 'Gateway' } }, matches: false },
];

for (const c of matchCases) {
  t.test(c.name, async (t) => {
    const policy = createGatewayListenerTlsPolicy(settingsWith());
    t.equal(policy.matches({ operation: 'CREATE', dryRun: false, ...c.request }), c.matches);
  });
}

t.test('carries the id and the configured mode', async (t) => {
  const policy = createGatewayListenerTlsPolicy(settingsWith({ mode: 'placeholder' }));
  t.equal(policy.id, 'gateway-listener-tls');
  t.equal(policy.mode, 'placeholder');
});

t.test('the settings schema fills the same defaults the tests use', async (t) => {
  const validate = new Ajv({ useDefaults: true, strict: false }).compile(gatewayListenerTlsSchema);
  const filled: unknown = {};
  t.equal(validate(filled), true);
  t.same(filled, defaultGatewayListenerTlsSettings());
  t.equal(validate({ mode: 'placeholder', placeholder: { validityDays: 0 } }), false, 'a placeholder lives at least a day');
});
