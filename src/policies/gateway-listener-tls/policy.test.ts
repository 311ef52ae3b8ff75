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
  acmeIssuer,
  annotated,
  caIssuer,
  certificate,
  dnsSolver,
  gateway,
  gatewaySolver,
  grant,
  ingressSolver,
  http,
  httpForAll,
  https,
  listenerSet,
  makePki,
  NOW,
  parentGateway,
  policyRequest,
  secret,
  settingsWith,
  tlsListener,
  tlsSecret,
} from '../../../test/helpers/gateway-tls.ts';

const pki = await makePki();

const GW = 'the controller leaves this listener without a certificate, and Traefik and Contour then mark this Gateway not accepted or not programmed';
const LS =
  'the controller leaves this listener without a certificate, and Traefik and Contour then mark its parent Gateway traefik/traefik-gateway not accepted or not programmed';
const PLACEHOLDER_HINT = 'enable placeholder mode (policies.gateway-listener-tls.mode: placeholder) so certguard creates a temporary self-signed one';
/** Case (c): nothing will issue the Secret. */
const UNMANAGED = `does not exist and no Certificate or cert-manager annotation will create it: ${GW}. Fix: check the Secret name, or create the Secret`;
const UNMANAGED_LS = `does not exist and no Certificate or cert-manager annotation will create it: ${LS}. Fix: check the Secret name, or create the Secret`;
const LOOP =
  'which Traefik ≤ 3.0 does not serve while a listener is unresolved and current controllers report as not accepted or not programmed until the Secret exists';
const ALREADY = ' (this reference was already broken before this update: allowed, so that a fix is never blocked)';
const APP = 'spec.listeners[0] "websecure-app" (Gateway traefik/traefik-gateway, hostname "app.example.com")';
const notGranted = (where: string, ref: string, ns: string, from: string, to: string, consequence = GW) =>
  `${where}: ${ref} is in another namespace and no ReferenceGrant permits it (RefNotPermitted): ${consequence}. Fix: create a ReferenceGrant in namespace "${ns}" with from {group: gateway.networking.k8s.io, ${from}} and to {group: "", kind: Secret, name: ${to}}`;
const PROD_NOT_GRANTED = notGranted(APP, 'certificateRefs[0] Secret "app-prod/app-prod-tls"', 'app-prod', 'kind: Gateway, namespace: traefik', 'app-prod-tls');
const unusable = (what: string, fix: string, ref = 'certificateRefs[0] Secret "traefik/app-tls"') => `${APP}: ${ref} is unusable: ${what}: ${GW}. Fix: ${fix}`;

const appSecret = tlsSecret('traefik', 'app-tls', pki.valid);
const APP_MISSING = `${'spec.listeners[0] "websecure-app" (Gateway traefik/traefik-gateway, hostname "app.example.com")'}: certificateRefs[0] Secret "traefik/app-tls"`;
const SHOP_MISSING = 'spec.listeners[0] "shop-https" (ListenerSet apps/shop, hostname "shop.example.com"): certificateRefs[0] Secret "apps/shop-tls"';
const appCertificate = certificate('app', { secretName: 'app-tls' });
const throughHere = (issuedBy: string, fix: string, gatewayName = 'this Gateway', name = 'app.example.com') =>
  `does not exist: ${issuedBy} would issue it, but its HTTP-01 challenge for "${name}" is answered through ${gatewayName}, ${LOOP}. Fix: ${PLACEHOLDER_HINT}, or ${fix}`;
const pending = (by: string, how: string, fix: string, consequence = GW) =>
  `does not exist yet: pending issuance by ${by} (${how}), and until then ${consequence}. Fix: ${fix}, or ${PLACEHOLDER_HINT}`;
const WHEN_APP_READY = 'add this listener once Certificate traefik/app is Ready';
const ownCertificate = (secretName: string) =>
  `issue the Secret with a Certificate of your own (secretName "${secretName}") and add this listener once it is Ready`;
const shopListenerSet = (annotations: Record<string, string>) =>
  annotated(listenerSet([https('shop-https', 'shop.example.com', { name: 'shop-tls' }), httpForAll('shop-web')]), annotations);
const prodSecret = tlsSecret('app-prod', 'app-prod-tls', pki.valid);
const appListener = https('websecure-app', 'app.example.com', { name: 'app-tls' });
const prodListener = https('websecure-app', 'app.example.com', { name: 'app-prod-tls', namespace: 'app-prod' });
const brokenListener = https('websecure-broken', 'broken.example.com', { name: 'gone-tls' });
const otherListener = https('websecure-other', 'other.example.com', { name: 'app-tls' });
const OTHER = 'spec.listeners[0] "websecure-other" (Gateway traefik/traefik-gateway, hostname "other.example.com")';
const WWW = 'spec.listeners[0] "websecure-www" (Gateway traefik/traefik-gateway, hostname "www.example.com")';
const notCovered = (where: string, ref: string, names: string, hostname: string) =>
  `${where}: ${ref} holds a certificate whose DNS names (${names}) do not cover hostname "${hostname}" (a wildcard covers exactly one label, RFC 6125), so clients that check the name reject it on this listener. Fix: reissue the certificate with ${hostname} among its DNS names, or reference a Secret whose certificate covers it`;

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

const NOT_ATTACHED =
  'so the Gateway never attaches it (its Accepted condition False, reason NotAllowed) and none of its listeners is served, nor the HTTP-01 challenges routed through them';
const FIX_OTHER_NS =
  'Fix: set spec.allowedListeners.namespaces on Gateway traefik/traefik-gateway to from: Selector with a selector that matches namespace "apps" (e.g. matchLabels kubernetes.io/metadata.name: apps), or from: All';
const refused = (allowed: string) =>
  `ListenerSet apps/shop: spec.parentRef Gateway traefik/traefik-gateway does not allow it: ${allowed}, ${NOT_ATTACHED}. ${FIX_OTHER_NS}`;
const REFUSED_BY_DEFAULT = refused('spec.allowedListeners.namespaces.from "None" (the default when unset), which admits no namespace');
const shopWeb = listenerSet([httpForAll('shop-web')]);
const parentAllowing = (allowedListeners?: object) => gateway([httpForAll('web')], allowedListeners ? { allowedListeners } : {});
const appsNamespace = (labels: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps', labels } });
const TEAM_SELECTOR = { from: 'Selector', selector: { matchLabels: { team: 'shop' } } };
const detached = (allowed: string) =>
  `Gateway traefik/traefik-gateway: ${allowed}: this update detaches ListenerSet apps/shop, which the old spec allowed, and the Gateway stops serving its listeners and the HTTP-01 challenges routed through them. Fix: keep spec.allowedListeners.namespaces on Gateway traefik/traefik-gateway to from: Selector with a selector that matches namespace "apps" (e.g. matchLabels kubernetes.io/metadata.name: apps), or from: All, or move ListenerSet apps/shop to another Gateway first`;

const cases: Case[] = [
  {
    name: 'denies a ListenerSet whose parent Gateway does not set allowedListeners (None by default)',
    cluster: [parentAllowing()],
    object: shopWeb,
    violations: [REFUSED_BY_DEFAULT],
  },
  {
    name: 'denies a ListenerSet in another namespace than a parent that admits Same',
    cluster: [parentAllowing({ from: 'Same' })],
    object: shopWeb,
    violations: [refused('spec.allowedListeners.namespaces.from "Same", which admits namespace "traefik" only')],
  },
  {
    name: 'allows a ListenerSet in the namespace of a parent that admits Same',
    cluster: [parentAllowing({ from: 'Same' })],
    object: listenerSet([httpForAll('shop-web')], { namespace: 'traefik' }),
  },
  {
    name: "denies a ListenerSet whose namespace's labels the parent's selector does not match",
    cluster: [parentAllowing(TEAM_SELECTOR), appsNamespace({ team: 'cart' })],
    object: shopWeb,
    violations: [
      refused(
        'spec.allowedListeners.namespaces.from "Selector", whose selector {matchLabels: {team: shop}} does not select namespace "apps" (labels team=cart)',
      ),
    ],
  },
  {
    name: "allows a ListenerSet whose namespace's labels the parent's selector matches (matchExpressions too)",
    cluster: [
      parentAllowing({ from: 'Selector', selector: { matchLabels: { team: 'shop' }, matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }] } }),
      appsNamespace({ team: 'shop', env: 'prod' }),
    ],
    object: shopWeb,
  },
  {
    name: 'matches a selector on the name label the API server puts on every namespace',
    cluster: [parentAllowing({ from: 'Selector', selector: { matchLabels: { 'kubernetes.io/metadata.name': 'apps' } } })],
    object: shopWeb,
  },
  {
    name: 'warns, never denies, when the parent Gateway does not exist yet (GitOps may apply it next)',
    cluster: [gateway([http('web')], { name: 'other' })],
    object: {
      ...shopWeb,
      metadata: { name: 'shop', namespace: 'apps' },
      spec: { parentRef: { name: 'edge', namespace: 'infra' }, listeners: [httpForAll('shop-web')] },
    },
    warnings: [
      'ListenerSet apps/shop: spec.parentRef Gateway infra/edge does not exist (yet): none of its listeners is served until it does, and that Gateway must then allow it in spec.allowedListeners (by default a Gateway allows no ListenerSet). Fix: apply the Gateway with spec.allowedListeners admitting namespace "apps", or correct spec.parentRef',
    ],
  },
  {
    name: 'warns, never denies, on an UPDATE of a ListenerSet its unchanged parent already refused',
    cluster: [parentAllowing()],
    oldObject: listenerSet([http('shop-web')]),
    object: shopWeb,
    warnings: [`${REFUSED_BY_DEFAULT} (its parent already refused it before this update: allowed, so that a fix is never blocked)`],
  },
  {
    name: 'only warns about a refused ListenerSet when listenerSetAttachment is warn',
    cluster: [parentAllowing()],
    object: shopWeb,
    settings: { listenerSetAttachment: 'warn' },
    warnings: [REFUSED_BY_DEFAULT],
  },
  {
    name: 'does not judge attachment when listenerSetAttachment is off',
    cluster: [parentAllowing()],
    object: shopWeb,
    settings: { listenerSetAttachment: 'off' },
  },
  {
    name: 'denies a Gateway UPDATE that stops admitting a ListenerSet its old spec admitted',
    cluster: [shopWeb],
    oldObject: parentAllowing({ from: 'All' }),
    object: parentAllowing({ from: 'Same' }),
    violations: [detached('spec.allowedListeners.namespaces.from "Same", which admits namespace "traefik" only')],
  },
  {
    name: 'denies a Gateway UPDATE that drops allowedListeners under an attached ListenerSet',
    cluster: [shopWeb],
    oldObject: parentAllowing({ from: 'All' }),
    object: parentAllowing(),
    violations: [detached('spec.allowedListeners.namespaces.from "None" (the default when unset), which admits no namespace')],
  },
  {
    name: 'allows a Gateway UPDATE that narrows allowedListeners but still admits every ListenerSet of it',
    cluster: [shopWeb, appsNamespace({ team: 'shop' })],
    oldObject: parentAllowing({ from: 'All' }),
    object: parentAllowing(TEAM_SELECTOR),
  },
  {
    name: 'allows a Gateway UPDATE that keeps refusing a ListenerSet it already refused',
    cluster: [shopWeb],
    oldObject: parentAllowing({ from: 'Same' }),
    object: parentAllowing(),
  },
  {
    name: 'allows an HTTPS listener whose Secret exists in the Gateway namespace (ref namespace defaulted)',
    cluster: [appSecret],
    object: gateway([http('web'), appListener]),
  },
  {
    name: 'denies an HTTPS listener whose Secret nothing will create (case c), naming consequence and fix',
    object: gateway([http('web'), https('websecure-app', 'app.example.com', { name: 'app-prod-tls' })]),
    violations: [
      'spec.listeners[1] "websecure-app" (Gateway traefik/traefik-gateway, hostname "app.example.com"): certificateRefs[0] Secret "traefik/app-prod-tls" does not exist and no Certificate or cert-manager annotation will create it: the controller leaves this listener without a certificate, and Traefik and Contour then mark this Gateway not accepted or not programmed. Fix: check the Secret name, or create the Secret',
    ],
  },
  {
    name: 'denies a missing Secret on a listener without hostname and says so',
    object: gateway([https('websecure-any', undefined, { name: 'any-tls' })]),
    violations: [`spec.listeners[0] "websecure-any" (Gateway traefik/traefik-gateway, no hostname): certificateRefs[0] Secret "traefik/any-tls" ${UNMANAGED}`],
  },
  {
    name: 'judges every certificateRef of a listener and every listener, one message each',
    cluster: [appSecret],
    object: gateway([https('websecure-app', 'app.example.com', { name: 'app-tls' }, { name: 'app-ecdsa-tls' }), brokenListener]),
    violations: [
      `${APP}: certificateRefs[1] Secret "traefik/app-ecdsa-tls" ${UNMANAGED}`,
      `spec.listeners[1] "websecure-broken" (Gateway traefik/traefik-gateway, hostname "broken.example.com"): certificateRefs[0] Secret "traefik/gone-tls" ${UNMANAGED}`,
    ],
  },
  {
    name: 'judges a v1beta1 Gateway the same way',
    object: gateway([https('websecure-app', 'app.example.com', { name: 'app-tls' })], { version: 'v1beta1' }),
    violations: [`${APP}: certificateRefs[0] Secret "traefik/app-tls" ${UNMANAGED}`],
  },
  {
    name: 'judges a TLS listener without a mode (Terminate is the default)',
    object: gateway([tlsListener('tls-app', 'app.example.com', undefined, { name: 'app-tls' })]),
    violations: [
      `spec.listeners[0] "tls-app" (Gateway traefik/traefik-gateway, hostname "app.example.com"): certificateRefs[0] Secret "traefik/app-tls" ${UNMANAGED}`,
    ],
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
      'spec.listeners[0] "websecure-app" (Gateway traefik/traefik-gateway, hostname "app.example.com"): certificateRefs[0] Secret "app-prod/app-prod-tls" is in another namespace and no ReferenceGrant permits it (RefNotPermitted): the controller leaves this listener without a certificate, and Traefik and Contour then mark this Gateway not accepted or not programmed. Fix: create a ReferenceGrant in namespace "app-prod" with from {group: gateway.networking.k8s.io, kind: Gateway, namespace: traefik} and to {group: "", kind: Secret, name: app-prod-tls}',
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
    violations: [`${APP}: certificateRefs[0] Secret "app-prod/app-prod-tls" ${UNMANAGED}`],
  },
  {
    name: 'denies a ListenerSet listener whose Secret is missing, naming the parent Gateway',
    object: listenerSet([https('shop-https', 'shop.example.com', { name: 'shop-tls' })]),
    violations: [
      `spec.listeners[0] "shop-https" (ListenerSet apps/shop, hostname "shop.example.com"): certificateRefs[0] Secret "apps/shop-tls" ${UNMANAGED_LS}`,
    ],
  },
  {
    name: 'allows a ListenerSet cross-namespace ref granted from kind ListenerSet',
    cluster: [tlsSecret('certs', 'shop-tls', pki.wildcard), grant('certs', { namespace: 'apps', kind: 'ListenerSet' }, { name: 'shop-tls' })],
    object: listenerSet([https('shop-https', 'shop.example.com', { name: 'shop-tls', namespace: 'certs' })]),
  },
  {
    name: 'denies a ListenerSet cross-namespace ref granted only from kind Gateway',
    cluster: [tlsSecret('certs', 'shop-tls', pki.valid), grant('certs', { namespace: 'apps', kind: 'Gateway' }, { name: 'shop-tls' })],
    object: listenerSet([https('shop-https', 'shop.example.com', { name: 'shop-tls', namespace: 'certs' })]),
    violations: [
      notGranted(
        'spec.listeners[0] "shop-https" (ListenerSet apps/shop, hostname "shop.example.com")',
        'certificateRefs[0] Secret "certs/shop-tls"',
        'certs',
        'kind: ListenerSet, namespace: apps',
        'shop-tls',
        LS,
      ),
    ],
  },
  {
    name: 'denies a UPDATE that adds a listener with a missing Secret',
    cluster: [appSecret],
    oldObject: gateway([appListener]),
    object: gateway([appListener, brokenListener]),
    violations: [
      `spec.listeners[1] "websecure-broken" (Gateway traefik/traefik-gateway, hostname "broken.example.com"): certificateRefs[0] Secret "traefik/gone-tls" ${UNMANAGED}`,
    ],
  },
  {
    name: 'allows with a warning a UPDATE that keeps an already broken listener while adding a good one',
    cluster: [appSecret],
    oldObject: gateway([brokenListener]),
    object: gateway([brokenListener, appListener]),
    warnings: [
      `spec.listeners[0] "websecure-broken" (Gateway traefik/traefik-gateway, hostname "broken.example.com"): certificateRefs[0] Secret "traefik/gone-tls" ${UNMANAGED}${ALREADY}`,
    ],
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
    violations: [`${APP}: certificateRefs[0] Secret "traefik/app-v2-tls" ${UNMANAGED}`],
  },
  {
    name: 'denies a UPDATE that switches a Passthrough listener with a dangling ref to Terminate',
    oldObject: gateway([tlsListener('tls-app', 'app.example.com', 'Passthrough', { name: 'app-tls' })]),
    object: gateway([tlsListener('tls-app', 'app.example.com', 'Terminate', { name: 'app-tls' })]),
    violations: [
      `spec.listeners[0] "tls-app" (Gateway traefik/traefik-gateway, hostname "app.example.com"): certificateRefs[0] Secret "traefik/app-tls" ${UNMANAGED}`,
    ],
  },
  {
    name: 'denies an Opaque Secret, saying cert-manager keeps the type so it will not fix itself',
    cluster: [tlsSecret('traefik', 'app-tls', pki.valid, { type: 'Opaque' }), certificate('app', { secretName: 'app-tls' })],
    object: gateway([appListener]),
    violations: [
      unusable(
        'its type is "Opaque", not "kubernetes.io/tls", and cert-manager keeps a Secret\'s type when it issues into it, so this will not fix itself',
        'delete it and recreate it with type kubernetes.io/tls, or let cert-manager create it (the type of a Secret cannot be changed)',
      ),
    ],
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
    violations: [
      unusable(
        '"tls.key" does not match the certificate in "tls.crt"',
        'put the private key that belongs to the certificate in "tls.key", or reissue both together',
      ),
    ],
  },
  {
    name: 'denies a Secret whose ECDSA key belongs to another certificate',
    cluster: [tlsSecret('traefik', 'app-tls', { crt: pki.valid.crt, key: pki.ecdsa.key })],
    object: gateway([appListener]),
    violations: [
      unusable(
        '"tls.key" does not match the certificate in "tls.crt"',
        'put the private key that belongs to the certificate in "tls.key", or reissue both together',
      ),
    ],
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
    object: gateway([https('websecure-ec', 'ec.example.com', { name: 'app-tls' })]),
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
    violations: [
      `spec.listeners[1] "websecure-broken" (Gateway traefik/traefik-gateway, hostname "broken.example.com"): certificateRefs[0] Secret "traefik/gone-tls" ${UNMANAGED}`,
    ],
  },
  {
    name: 'warns, never denies, about an unusable Secret the UPDATE did not change',
    cluster: [tlsSecret('traefik', 'app-tls', pki.expired)],
    oldObject: gateway([appListener]),
    object: gateway([appListener]),
    warnings: [
      unusable('its certificate expired at 2021-01-01T00:00:00.000Z', 'renew the certificate (cmctl renew, or find out why cert-manager did not)') + ALREADY,
    ],
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
    name: 'issuance (a) through this Gateway: names the Certificate, the HTTP-01 loop and both fixes',
    cluster: [appCertificate, acmeIssuer('letsencrypt', [gatewaySolver({ name: 'traefik-gateway', namespace: 'traefik' })])],
    object: gateway([appListener, http('web')]),
    violations: [`${APP_MISSING} ${throughHere('Certificate traefik/app', WHEN_APP_READY)}`],
  },
  {
    name: "issuance (a) through this Gateway by name only: no HTTP listener of it accepts the solver route (certificate-dns's prediction)",
    cluster: [appCertificate, acmeIssuer('letsencrypt', [gatewaySolver({ name: 'traefik-gateway', namespace: 'traefik' })])],
    object: gateway([appListener, { ...http('web'), hostname: 'other.example.com' }]),
    violations: [
      `${APP_MISSING} ${pending('Certificate traefik/app', 'ClusterIssuer letsencrypt, HTTP-01 through Gateway traefik/traefik-gateway, where no HTTP listener accepts its solver HTTPRoute (certificate-dns names the rule), so it stays pending', WHEN_APP_READY)}`,
    ],
  },
  {
    name: "issuance (a) through this Gateway: a solver parentRef without namespace means the Certificate's",
    cluster: [appCertificate, acmeIssuer('letsencrypt', [gatewaySolver({ name: 'traefik-gateway' })])],
    object: gateway([appListener, http('web')]),
    violations: [`${APP_MISSING} ${throughHere('Certificate traefik/app', WHEN_APP_READY)}`],
  },
  {
    name: "issuance (a) through this Gateway: the Certificate's http01-parentref annotations override the solver",
    cluster: [
      annotated(appCertificate, { 'acme.cert-manager.io/http01-parentrefname': 'traefik-gateway', 'acme.cert-manager.io/http01-parentrefkind': 'Gateway' }),
      acmeIssuer('letsencrypt', [gatewaySolver({ name: 'public', namespace: 'edge' })]),
    ],
    object: gateway([appListener, http('web')]),
    violations: [`${APP_MISSING} ${throughHere('Certificate traefik/app', WHEN_APP_READY)}`],
  },
  {
    name: 'issuance (a) through this Gateway: a solver attached to a ListenerSet of this Gateway',
    cluster: [
      appCertificate,
      acmeIssuer('letsencrypt', [gatewaySolver({ name: 'shop', namespace: 'apps', kind: 'ListenerSet' })]),
      listenerSet([httpForAll('shop-web')]),
    ],
    object: gateway([appListener, http('web')], { allowedListeners: { from: 'All' } }),
    violations: [`${APP_MISSING} ${throughHere('Certificate traefik/app', WHEN_APP_READY)}`],
  },
  {
    name: 'issuance (b) through this Gateway: the gateway-shim Certificate of an annotated Gateway',
    cluster: [acmeIssuer('letsencrypt', [gatewaySolver()])],
    object: annotated(gateway([appListener, http('web')]), { 'cert-manager.io/cluster-issuer': 'letsencrypt' }),
    violations: [`${APP_MISSING} ${throughHere('the gateway-shim Certificate of this listener', ownCertificate('app-tls'))}`],
  },
  {
    name: 'issuance (a) wins over the shim: an existing Certificate for the Secret is named',
    cluster: [appCertificate, acmeIssuer('letsencrypt', [gatewaySolver({ name: 'traefik-gateway' })]), acmeIssuer('dns', [dnsSolver()])],
    object: annotated(gateway([appListener, http('web')]), { 'cert-manager.io/cluster-issuer': 'dns' }),
    violations: [`${APP_MISSING} ${throughHere('Certificate traefik/app', WHEN_APP_READY)}`],
  },
  {
    name: 'issuance (a) by DNS-01: pending issuance, apply once Ready',
    cluster: [appCertificate, acmeIssuer('letsencrypt', [dnsSolver()])],
    object: gateway([appListener]),
    violations: [`${APP_MISSING} ${pending('Certificate traefik/app', 'ClusterIssuer letsencrypt, DNS-01', WHEN_APP_READY)}`],
  },
  {
    name: 'issuance (a) by the solver cert-manager picks: a dnsZones selector beats the default HTTP-01 solver',
    cluster: [
      appCertificate,
      acmeIssuer('letsencrypt', [gatewaySolver({ name: 'traefik-gateway' }), { ...dnsSolver(), selector: { dnsZones: ['example.com'] } }]),
    ],
    object: gateway([appListener]),
    violations: [`${APP_MISSING} ${pending('Certificate traefik/app', 'ClusterIssuer letsencrypt, DNS-01', WHEN_APP_READY)}`],
  },
  {
    name: 'issuance (a) by HTTP-01 through another Gateway',
    cluster: [appCertificate, acmeIssuer('letsencrypt', [gatewaySolver({ name: 'public', namespace: 'edge' })])],
    object: gateway([appListener]),
    violations: [`${APP_MISSING} ${pending('Certificate traefik/app', 'ClusterIssuer letsencrypt, HTTP-01 through Gateway edge/public', WHEN_APP_READY)}`],
  },
  {
    name: 'issuance (a) by an HTTP-01 gatewayHTTPRoute solver without parentRefs: attached nowhere',
    cluster: [appCertificate, acmeIssuer('letsencrypt', [gatewaySolver()])],
    object: gateway([appListener]),
    violations: [
      `${APP_MISSING} ${pending('Certificate traefik/app', 'ClusterIssuer letsencrypt, HTTP-01 through a solver HTTPRoute with no parentRefs', WHEN_APP_READY)}`,
    ],
  },
  {
    name: 'issuance (a) by HTTP-01 through an Ingress',
    cluster: [appCertificate, acmeIssuer('letsencrypt', [ingressSolver()])],
    object: gateway([appListener]),
    violations: [`${APP_MISSING} ${pending('Certificate traefik/app', 'ClusterIssuer letsencrypt, HTTP-01 through an Ingress', WHEN_APP_READY)}`],
  },
  {
    name: 'issuance (a) by a CA issuer: no challenge at all',
    cluster: [certificate('app', { secretName: 'app-tls', issuer: { name: 'internal-ca' } }), caIssuer('internal-ca')],
    object: gateway([appListener]),
    violations: [`${APP_MISSING} ${pending('Certificate traefik/app', 'ClusterIssuer internal-ca, not an ACME issuer', WHEN_APP_READY)}`],
  },
  {
    name: 'issuance (a) through a namespaced Issuer',
    cluster: [certificate('app', { secretName: 'app-tls', issuer: { name: 'le', kind: 'Issuer' } }), acmeIssuer('le', [dnsSolver()], 'traefik')],
    object: gateway([appListener]),
    violations: [`${APP_MISSING} ${pending('Certificate traefik/app', 'Issuer traefik/le, DNS-01', WHEN_APP_READY)}`],
  },
  {
    name: 'issuance (a) whose issuer does not exist yet',
    cluster: [appCertificate],
    object: gateway([appListener]),
    violations: [`${APP_MISSING} ${pending('Certificate traefik/app', 'ClusterIssuer letsencrypt, which does not exist yet', WHEN_APP_READY)}`],
  },
  {
    name: 'issuance (c): a Certificate for that Secret name in another namespace fills nothing here',
    cluster: [certificate('app', { namespace: 'app-prod', secretName: 'app-tls' }), acmeIssuer('letsencrypt', [dnsSolver()])],
    object: gateway([appListener]),
    violations: [`${APP_MISSING} ${UNMANAGED}`],
  },
  {
    name: "issuance (c): without cert-manager's Certificate API nothing will issue",
    cluster: [appCertificate],
    unserved: ['certificates'],
    object: gateway([appListener]),
    violations: [`${APP_MISSING} ${UNMANAGED}`],
  },
  {
    name: 'issuance (c): the gateway-shim skips a cross-namespace ref (cert-manager validateGatewayListenerBlock)',
    cluster: [grant('app-prod', { namespace: 'traefik' }, { name: 'app-prod-tls' }), acmeIssuer('letsencrypt', [gatewaySolver()])],
    object: annotated(gateway([prodListener]), { 'cert-manager.io/cluster-issuer': 'letsencrypt' }),
    violations: [`${APP}: certificateRefs[0] Secret "app-prod/app-prod-tls" ${UNMANAGED}`],
  },
  {
    name: 'issuance (c): the gateway-shim skips a listener named in cert-manager.io/ignore-tls-listeners',
    cluster: [acmeIssuer('letsencrypt', [gatewaySolver()])],
    object: annotated(gateway([appListener]), {
      'cert-manager.io/cluster-issuer': 'letsencrypt',
      'cert-manager.io/ignore-tls-listeners': 'websecure-other, websecure-app',
    }),
    violations: [`${APP_MISSING} ${UNMANAGED}`],
  },
  {
    name: 'issuance (b) through the ListenerSet: the listenerset-shim points the solver at the ListenerSet, served by its parent Gateway',
    cluster: [acmeIssuer('letsencrypt', [gatewaySolver()])],
    object: shopListenerSet({ 'cert-manager.io/cluster-issuer': 'letsencrypt' }),
    violations: [
      `${SHOP_MISSING} ${throughHere('the listenerset-shim Certificate of this listener', ownCertificate('shop-tls'), 'its parent Gateway traefik/traefik-gateway', 'shop.example.com')}`,
    ],
  },
  {
    name: "issuance (b) through the ListenerSet's parent Gateway with http01-parentreffallback",
    cluster: [acmeIssuer('letsencrypt', [gatewaySolver()])],
    object: shopListenerSet({ 'cert-manager.io/cluster-issuer': 'letsencrypt', 'acme.cert-manager.io/http01-parentreffallback': 'true' }),
    violations: [
      `${SHOP_MISSING} ${throughHere('the listenerset-shim Certificate of this listener', ownCertificate('shop-tls'), 'its parent Gateway traefik/traefik-gateway', 'shop.example.com')}`,
    ],
  },
  {
    name: 'issuance (b) of a ListenerSet by DNS-01: pending issuance by its shim Certificate',
    cluster: [acmeIssuer('letsencrypt', [dnsSolver()])],
    object: shopListenerSet({ 'cert-manager.io/cluster-issuer': 'letsencrypt' }),
    violations: [
      `${SHOP_MISSING} ${pending('the listenerset-shim Certificate apps/shop-tls', 'ClusterIssuer letsencrypt, DNS-01', ownCertificate('shop-tls'), LS)}`,
    ],
  },
  {
    name: 'warns, never denies, about a kept ref whose Certificate is still pending',
    cluster: [appCertificate, acmeIssuer('letsencrypt', [dnsSolver()])],
    oldObject: gateway([appListener]),
    object: gateway([appListener, http('web')]),
    warnings: [`${APP_MISSING} ${pending('Certificate traefik/app', 'ClusterIssuer letsencrypt, DNS-01', WHEN_APP_READY)}${ALREADY}`],
  },
  {
    name: 'judges nothing on a Gateway that is being deleted',
    object: { ...gateway([brokenListener]), metadata: { name: 'traefik-gateway', namespace: 'traefik', deletionTimestamp: '2027-01-01T00:00:00Z' } },
    oldObject: gateway([]),
  },
  // ------------------------------------------------------------ hostname coverage (warnings only)
  {
    name: 'warns, never denies, about a listener whose hostname the certificate in its Secret does not cover',
    cluster: [appSecret],
    object: gateway([otherListener]),
    warnings: [
      'spec.listeners[0] "websecure-other" (Gateway traefik/traefik-gateway, hostname "other.example.com"): certificateRefs[0] Secret "traefik/app-tls" holds a certificate whose DNS names (app.example.com) do not cover hostname "other.example.com" (a wildcard covers exactly one label, RFC 6125), so clients that check the name reject it on this listener. Fix: reissue the certificate with other.example.com among its DNS names, or reference a Secret whose certificate covers it',
    ],
  },
  {
    name: 'warns that a wildcard certificate covers neither the apex nor two labels deep, and is silent on one label',
    cluster: [tlsSecret('traefik', 'wild-tls', pki.wildcard)],
    object: gateway([
      https('apex', 'example.com', { name: 'wild-tls' }),
      https('shop', 'shop.example.com', { name: 'wild-tls' }),
      https('deep', 'a.b.example.com', { name: 'wild-tls' }),
    ]),
    warnings: [
      notCovered(
        'spec.listeners[0] "apex" (Gateway traefik/traefik-gateway, hostname "example.com")',
        'certificateRefs[0] Secret "traefik/wild-tls"',
        '*.example.com, www.example.org',
        'example.com',
      ),
      notCovered(
        'spec.listeners[2] "deep" (Gateway traefik/traefik-gateway, hostname "a.b.example.com")',
        'certificateRefs[0] Secret "traefik/wild-tls"',
        '*.example.com, www.example.org',
        'a.b.example.com',
      ),
    ],
  },
  {
    name: 'is silent about a wildcard listener served by the same wildcard certificate',
    cluster: [tlsSecret('traefik', 'wild-tls', pki.wildcard)],
    object: gateway([https('any-sub', '*.example.com', { name: 'wild-tls' })]),
  },
  {
    name: 'warns about a certificate without DNS subjectAltName: its common name does not count, as in Go',
    cluster: [tlsSecret('traefik', 'legacy-tls', pki.commonNameOnly)],
    object: gateway([https('legacy', 'legacy.example.com', { name: 'legacy-tls' })]),
    warnings: [
      notCovered(
        'spec.listeners[0] "legacy" (Gateway traefik/traefik-gateway, hostname "legacy.example.com")',
        'certificateRefs[0] Secret "traefik/legacy-tls"',
        'none, common name "legacy.example.com" ignored as Go\'s crypto/x509 does',
        'legacy.example.com',
      ),
    ],
  },
  {
    name: 'does not judge the coverage of a listener without hostname',
    cluster: [appSecret],
    object: gateway([https('websecure-any', undefined, { name: 'app-tls' })]),
  },
  {
    name: 'judges each certificateRef of a listener on its own',
    cluster: [appSecret, tlsSecret('traefik', 'other-tls', pki.other)],
    object: gateway([https('websecure-app', 'app.example.com', { name: 'app-tls' }, { name: 'other-tls' })]),
    warnings: [notCovered(APP, 'certificateRefs[1] Secret "traefik/other-tls"', 'other.example.com', 'app.example.com')],
  },
  {
    name: 'warns about a ListenerSet listener its Secret does not cover',
    cluster: [tlsSecret('apps', 'shop-tls', pki.valid)],
    object: listenerSet([https('shop-https', 'shop.example.com', { name: 'shop-tls' })]),
    warnings: [
      notCovered(
        'spec.listeners[0] "shop-https" (ListenerSet apps/shop, hostname "shop.example.com")',
        'certificateRefs[0] Secret "apps/shop-tls"',
        'app.example.com',
        'shop.example.com',
      ),
    ],
  },
  {
    name: 'reads no names when secretContent is off',
    cluster: [appSecret],
    settings: { secretContent: 'off' },
    object: gateway([otherListener]),
  },
  {
    name: 'warns about a missing Secret whose Certificate will not cover the hostname (issuance graph), besides the pending issuance',
    cluster: [appCertificate, acmeIssuer('letsencrypt', [dnsSolver()])],
    object: gateway([https('websecure-www', 'www.example.com', { name: 'app-tls' })]),
    violations: [
      `${WWW}: certificateRefs[0] Secret "traefik/app-tls" ${pending('Certificate traefik/app', 'ClusterIssuer letsencrypt, DNS-01', WHEN_APP_READY)}`,
    ],
    warnings: [
      `${WWW}: certificateRefs[0] Secret "traefik/app-tls" will be filled by Certificate traefik/app, whose dnsNames (app.example.com) do not cover hostname "www.example.com" (a wildcard covers exactly one label, RFC 6125), so clients that check the name will reject it on this listener. Fix: add www.example.com to spec.dnsNames of Certificate traefik/app, or reference a Secret whose certificate covers it`,
    ],
  },
  {
    name: 'is silent about a missing Secret whose Certificate covers the hostname',
    cluster: [appCertificate, acmeIssuer('letsencrypt', [dnsSolver()])],
    object: gateway([appListener]),
    violations: [`${APP_MISSING} ${pending('Certificate traefik/app', 'ClusterIssuer letsencrypt, DNS-01', WHEN_APP_READY)}`],
  },
  {
    name: 'does not judge a shim Certificate: cert-manager takes its dnsNames from the listeners',
    cluster: [acmeIssuer('letsencrypt', [dnsSolver()])],
    object: annotated(gateway([https('websecure-www', 'www.example.com', { name: 'app-tls' })]), { 'cert-manager.io/cluster-issuer': 'letsencrypt' }),
    violations: [
      `${WWW}: certificateRefs[0] Secret "traefik/app-tls" ${pending('the gateway-shim Certificate traefik/app-tls', 'ClusterIssuer letsencrypt, DNS-01', ownCertificate('app-tls'))}`,
    ],
  },
  {
    name: 'judges the Certificate that will replace a placeholder, not the placeholder',
    cluster: [tlsSecret('traefik', 'app-tls', pki.expiredPlaceholder, { labels: { 'certguard.io/placeholder': 'true' } }), appCertificate],
    object: gateway([https('websecure-www', 'www.example.com', { name: 'app-tls' })]),
    warnings: [
      `${WWW}: certificateRefs[0] Secret "traefik/app-tls" will be filled by Certificate traefik/app, whose dnsNames (app.example.com) do not cover hostname "www.example.com" (a wildcard covers exactly one label, RFC 6125), so clients that check the name will reject it on this listener. Fix: add www.example.com to spec.dnsNames of Certificate traefik/app, or reference a Secret whose certificate covers it`,
    ],
  },
  {
    name: "repeats no coverage warning about a placeholder's Certificate on an UPDATE that leaves the listener alone",
    cluster: [tlsSecret('traefik', 'app-tls', pki.expiredPlaceholder, { labels: { 'certguard.io/placeholder': 'true' } }), appCertificate],
    oldObject: gateway([https('websecure-www', 'www.example.com', { name: 'app-tls' })]),
    object: gateway([https('websecure-www', 'www.example.com', { name: 'app-tls' }), http('web')]),
  },
  {
    name: "repeats no coverage warning on an UPDATE that leaves the listener's hostname and refs alone",
    cluster: [appSecret],
    oldObject: gateway([otherListener]),
    object: gateway([otherListener, http('web')]),
  },
  {
    name: "warns on an UPDATE that changes a listener's hostname",
    cluster: [appSecret],
    oldObject: gateway([https('websecure-other', 'app.example.com', { name: 'app-tls' })]),
    object: gateway([otherListener]),
    warnings: [notCovered(OTHER, 'certificateRefs[0] Secret "traefik/app-tls"', 'app.example.com', 'other.example.com')],
  },
  {
    name: 'warns on an UPDATE that points a listener at another Secret',
    cluster: [appSecret, tlsSecret('traefik', 'other-tls', pki.other)],
    oldObject: gateway([https('websecure-other', 'other.example.com', { name: 'other-tls' })]),
    object: gateway([otherListener]),
    warnings: [notCovered(OTHER, 'certificateRefs[0] Secret "traefik/app-tls"', 'app.example.com', 'other.example.com')],
  },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const policy = createGatewayListenerTlsPolicy(settingsWith(c.settings), { now: () => NOW });
    // A ListenerSet's parent exists and admits it unless the case's cluster replaces it.
    const parent = c.object.kind === 'ListenerSet' ? [parentGateway()] : [];
    const view = new ManifestView([...parent, ...(c.cluster ?? [])], { unserved: c.unserved ?? [] });
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
  {
    name: 'selects a v1beta1 Gateway UPDATE',
    request: { kind: { group: 'gateway.networking.k8s.io', version: 'v1beta1', kind: 'Gateway' }, operation: 'UPDATE' },
    matches: true,
  },
  { name: 'selects a ListenerSet CREATE', request: { kind: { group: 'gateway.networking.k8s.io', version: 'v1', kind: 'ListenerSet' } }, matches: true },
  {
    name: 'skips a Gateway DELETE',
    request: { kind: { group: 'gateway.networking.k8s.io', version: 'v1', kind: 'Gateway' }, operation: 'DELETE' },
    matches: false,
  },
  {
    name: 'selects a v1 BackendTLSPolicy UPDATE',
    request: { kind: { group: 'gateway.networking.k8s.io', version: 'v1', kind: 'BackendTLSPolicy' }, operation: 'UPDATE' },
    matches: true,
  },
  {
    name: 'skips a v1alpha3 BackendTLSPolicy (not served by Gateway API v1.6)',
    request: { kind: { group: 'gateway.networking.k8s.io', version: 'v1alpha3', kind: 'BackendTLSPolicy' } },
    matches: false,
  },
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
