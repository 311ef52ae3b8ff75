// certguard explain over manifests: one case per hop and state, the cluster as plain objects, DNS
// from a table. Each case asserts the chain's verdict, the hop named as its cause, and the
// sentence (the policy's own where a policy speaks).
import t from 'tap';
import { defaultConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import type { CaaResult, LookupResult, NameResolver } from '../dns/resolver.ts';
import type { KubeObject } from '../kube/object.ts';
import { certificatePoliciesOf } from '../cli/explain.ts';
import { acmeIssuer, annotated, gateway, http, https, listenerSet, makePki, NOW, tlsSecret, certificate } from '../../test/helpers/gateway-tls.ts';
import { EXPLANATION_SCHEMA, explanationProblems } from '../../test/helpers/explanation-schema.ts';
import { messageProblems } from '../../test/helpers/message-rules.ts';
import { parse } from 'yaml';
import { explain } from './explain.ts';
import { formatExplanation, formatTable } from './format.ts';
import { EXPLANATION_API_VERSION, HOPS, type ChainStatus, type Explanation, type HopId, type HopStatus, type Target } from './model.ts';
import { manifestSource, ReadError, type ExplainSource } from './source.ts';

const pki = await makePki();

const INGRESS = '203.0.113.10';

class TableResolver implements NameResolver {
  readonly dns: Record<string, LookupResult>;
  readonly caa: Record<string, CaaResult>;
  constructor(dns: Record<string, LookupResult>, caa: Record<string, CaaResult> = {}) {
    this.dns = dns;
    this.caa = caa;
  }
  async lookup(name: string): Promise<LookupResult> {
    return this.dns[name] ?? { error: 'NXDOMAIN', cnames: [] };
  }
  async lookupCaa(name: string): Promise<CaaResult> {
    return this.caa[name] ?? { records: [] };
  }
  describe(): string {
    return '192.0.2.53';
  }
}

const NXDOMAIN =
  'Certificate traefik/app-tls: spec.dnsNames[0] "app.example.com" does not exist in DNS (NXDOMAIN), but HTTP-01 challenges arrive at the ingress 203.0.113.10 (gateway traefik/traefik-gateway), so the ACME server would never reach the solver and cert-manager would retry forever. Point app.example.com at 203.0.113.10 first, or use a DNS-01 solver.';

const POINTED = { 'app.example.com': { addresses: [INGRESS], cnames: [] } };

const ready = (status: 'True' | 'False', reason?: string, message?: string) => ({
  conditions: [{ type: 'Ready', status, ...(reason ? { reason } : {}), ...(message ? { message } : {}), lastTransitionTime: '2026-12-31T00:00:00Z' }],
});

const withStatus = (object: KubeObject, status: object): KubeObject => ({ ...object, status });

const LE = 'https://acme-v02.api.letsencrypt.org/directory';

const issuer = (
  solvers: object[] = [{ http01: { gatewayHTTPRoute: { parentRefs: [{ name: 'traefik-gateway', namespace: 'traefik' }] } } }],
  status: object = ready('True'),
): KubeObject => {
  const made = acmeIssuer('letsencrypt', solvers);
  return { ...made, spec: { acme: { ...(made.spec as { acme: object }).acme, server: LE } }, status };
};

const listenerStatus = (name: string, conditions: object[]) => ({ name, attachedRoutes: 0, supportedKinds: [], conditions });

const OK_LISTENER = [
  { type: 'Accepted', status: 'True', reason: 'Accepted' },
  { type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs' },
  { type: 'Programmed', status: 'True', reason: 'Programmed' },
];

const gw = (conditions: object[] = OK_LISTENER): KubeObject =>
  withStatus(gateway([https('websecure-app', 'app.example.com', { name: 'app-tls' }), http('web')]), {
    addresses: [{ type: 'IPAddress', value: INGRESS }],
    conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted' }],
    listeners: [listenerStatus('websecure-app', conditions)],
  });

/** The healthy Gateway with another Accepted condition of its own (listeners unchanged). */
const gwAccepted = (accepted: object): KubeObject => withStatus(gw(), { ...(gw().status as object), conditions: [accepted] });

const cert = (status: object = ready('True')): KubeObject => withStatus(certificate('app-tls'), status);

const placeholderSecret = (): KubeObject => {
  const made = tlsSecret('traefik', 'app-tls', pki.expiredPlaceholder, { labels: { 'certguard.io/placeholder': 'true' } });
  return { ...made, metadata: { ...made.metadata, annotations: { 'certguard.io/created-at': '2026-12-01T00:00:00.000Z' } } };
};

const owner = (kind: string, name: string, uid = `${name}-uid`) => ({
  apiVersion: kind === 'Certificate' || kind === 'CertificateRequest' ? 'cert-manager.io/v1' : 'acme.cert-manager.io/v1',
  kind,
  name,
  uid,
  controller: true,
});

/** The latest CertificateRequest, its Order and one Challenge for app.example.com in the given state. */
const issuing = (challengeStatus: object): KubeObject[] => [
  {
    apiVersion: 'cert-manager.io/v1',
    kind: 'CertificateRequest',
    metadata: {
      namespace: 'traefik',
      name: 'app-tls-1',
      uid: 'app-tls-1-uid',
      annotations: { 'cert-manager.io/certificate-revision': '1' },
      ownerReferences: [owner('Certificate', 'app-tls')],
    },
    status: { conditions: [{ type: 'Ready', status: 'False', reason: 'Pending' }] },
  },
  {
    apiVersion: 'acme.cert-manager.io/v1',
    kind: 'Order',
    metadata: { namespace: 'traefik', name: 'app-tls-1-1', uid: 'app-tls-1-1-uid', ownerReferences: [owner('CertificateRequest', 'app-tls-1')] },
    status: { state: 'pending' },
  },
  {
    apiVersion: 'acme.cert-manager.io/v1',
    kind: 'Challenge',
    metadata: { namespace: 'traefik', name: 'app-tls-1-1-2', uid: 'app-tls-1-1-2-uid', ownerReferences: [owner('Order', 'app-tls-1-1')] },
    spec: { dnsName: 'app.example.com', type: 'HTTP-01' },
    status: challengeStatus,
  },
];

const solverRoute = (name: string, challenge: string, parents: object[] = []): KubeObject => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { namespace: 'traefik', name, labels: { 'acme.cert-manager.io/http01-solver': 'true' }, ownerReferences: [owner('Challenge', challenge)] },
  spec: { parentRefs: [{ name: 'traefik-gateway', namespace: 'traefik' }] },
  status: { parents },
});

const inNamespace = (namespace: string, object: KubeObject): KubeObject => ({ ...object, metadata: { ...object.metadata, namespace } });

const NOT_READY = ready('False', 'DoesNotExist', 'Issuing certificate as Secret does not exist');
const ISSUING_NOT_READY = { conditions: [...NOT_READY.conditions, { type: 'Issuing', status: 'True', reason: 'DoesNotExist' }] };

type Case = {
  name: string;
  objects: KubeObject[];
  target?: Target;
  dns?: Record<string, LookupResult>;
  caa?: Record<string, CaaResult>;
  /** Wraps the source (RBAC: some reads forbidden). */
  source?: (inner: ExplainSource) => ExplainSource;
  config?: (config: Config) => void;
  status: ChainStatus;
  cause?: HopId;
  message?: string | RegExp;
  /** What admission does about the cause, when it differs (a policy off, warning, skipped). */
  note?: string;
  hops?: Partial<Record<HopId, HopStatus>>;
  /** Lines the cause hop's details must hold. */
  details?: string[];
  /** The cause hop's summary. */
  summary?: string;
};

const GATEWAY: Target = { kind: 'Gateway', namespace: 'traefik', name: 'traefik-gateway' };

const healthy = (): KubeObject[] => [gw(), tlsSecret('traefik', 'app-tls', pki.valid), cert(), issuer()];

const CASES: Case[] = [
  {
    name: 'a healthy chain has every hop ok',
    objects: healthy(),
    status: 'healthy',
    hops: {
      owner: 'ok',
      listener: 'ok',
      secret: 'ok',
      filler: 'ok',
      issuer: 'ok',
      names: 'ok',
      'cert-manager': 'ok',
      'solver-route': 'skipped',
      'solver-cap': 'ok',
    },
  },

  {
    name: 'a missing Secret whose Certificate is answered through this Gateway is the deadlock, in gateway-listener-tls words',
    objects: [gw(), cert(ISSUING_NOT_READY), issuer()],
    status: 'broken',
    cause: 'secret',
    message:
      'spec.listeners[0] "websecure-app" (Gateway traefik/traefik-gateway, hostname "app.example.com"): certificateRefs[0] Secret "traefik/app-tls" does not exist: Certificate traefik/app-tls would issue it, but its HTTP-01 challenge for "app.example.com" is answered through this Gateway, which Traefik ≤ 3.0 does not serve while a listener is unresolved and current controllers report as not accepted or not programmed until the Secret exists. Fix: enable placeholder mode (policies.gateway-listener-tls.mode: placeholder) so certguard creates a temporary self-signed one, or add this listener once Certificate traefik/app-tls is Ready',
    hops: { filler: 'ok', issuer: 'ok', 'cert-manager': 'pending' },
  },
  {
    name: 'a missing Secret nothing fills says check the name',
    objects: [gw(), issuer()],
    status: 'broken',
    cause: 'secret',
    message:
      /certificateRefs\[0\] Secret "traefik\/app-tls" does not exist and no Certificate or cert-manager annotation will create it: .* Fix: check the Secret name, or create the Secret$/,
    hops: { filler: 'skipped', issuer: 'skipped' },
  },
  {
    name: 'a placeholder still in place is pending, with since when',
    objects: [gw(), placeholderSecret(), cert(ISSUING_NOT_READY), issuer()],
    status: 'pending',
    cause: 'secret',
    message:
      "Secret traefik/app-tls still holds certguard's self-signed placeholder (since 2026-12-01T00:00:00.000Z): clients do not trust it until cert-manager issues the real certificate into it. Look at the hops after this one for why it has not",
  },
  {
    name: 'DNS pointing elsewhere is certificate-dns denial',
    objects: [gw(), placeholderSecret(), cert(ISSUING_NOT_READY), issuer()],
    dns: { 'app.example.com': { addresses: ['198.51.100.7'], cnames: [] } },
    status: 'broken',
    cause: 'names',
    message:
      'Certificate traefik/app-tls: spec.dnsNames[0] "app.example.com" resolves to 198.51.100.7, but HTTP-01 challenges arrive at the ingress 203.0.113.10 (gateway traefik/traefik-gateway), so the ACME server would never reach the solver and cert-manager would retry forever. Point app.example.com at 203.0.113.10 first, or use a DNS-01 solver.',
  },
  {
    name: 'a name that does not resolve is broken with certificate-dns off, the note saying admission lets it in',
    objects: healthy(),
    dns: {},
    config: (config) => {
      config.policies['certificate-dns'].mode = 'off';
    },
    status: 'broken',
    cause: 'names',
    message: NXDOMAIN,
    note: 'certificate-dns is off (policies.certificate-dns.mode: off): admission does not refuse Certificate traefik/app-tls, but this stops its issuance all the same',
    details: [
      'app.example.com: solver spec.acme.solvers[0] (HTTP-01 gatewayHTTPRoute), DNS does not exist in DNS (NXDOMAIN), ingress 203.0.113.10 (gateway traefik/traefik-gateway), CAA: no records (any CA)',
    ],
  },
  {
    name: 'a Namespace that puts certificate-dns in warn mode is named in the note',
    objects: [
      ...healthy(),
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'traefik', annotations: { 'certguard.io/certificate-dns-mode': 'warn' } } },
    ],
    dns: {},
    status: 'broken',
    cause: 'names',
    message: NXDOMAIN,
    note: 'certificate-dns is in warn mode (annotation certguard.io/certificate-dns-mode: warn on Namespace traefik): admission only warns about Certificate traefik/app-tls, but this stops its issuance all the same',
  },
  {
    name: 'certificate-dns in warn mode by config is named in the note',
    objects: healthy(),
    dns: {},
    config: (config) => {
      config.policies['certificate-dns'].mode = 'warn';
    },
    status: 'broken',
    cause: 'names',
    message: NXDOMAIN,
    note: 'certificate-dns is in warn mode (policies.certificate-dns.mode: warn): admission only warns about Certificate traefik/app-tls, but this stops its issuance all the same',
  },
  {
    name: 'a Certificate let past certificate-dns by its break-glass annotation is still broken, the note says why it was admitted',
    objects: [gw(), tlsSecret('traefik', 'app-tls', pki.valid), annotated(cert(), { 'certguard.io/skip-dns-check': 'DNS moves tonight' }), issuer()],
    dns: {},
    status: 'broken',
    cause: 'names',
    message: NXDOMAIN,
    note: 'Certificate traefik/app-tls carries the break-glass annotation certguard.io/skip-dns-check: admission lets it past certificate-dns, but this stops its issuance all the same',
  },
  {
    name: 'CAA forbidding the CA is certificate-dns denial',
    objects: healthy(),
    caa: { 'example.com': { records: [{ flags: 0, tag: 'issue', value: 'pki.goog' }] } },
    status: 'broken',
    cause: 'names',
    message:
      'Certificate traefik/app-tls: spec.dnsNames[0] "app.example.com" may not be issued by the CA of ClusterIssuer letsencrypt (CAA identity "letsencrypt.org"): the CAA records at example.com let a CA issue certificates for it only through their issue records, and none lets this one: example.com. CAA 0 issue "pki.goog" names another CA (pki.goog). The ACME order would fail its CAA check and cert-manager would retry it. Publish the CAA record example.com. CAA 0 issue "letsencrypt.org", or use an issuer whose CA they list.',
  },
  {
    name: 'a name no solver selects is certificate-dns denial',
    objects: [
      gw(),
      tlsSecret('traefik', 'app-tls', pki.valid),
      cert(),
      issuer([
        { selector: { dnsNames: ['other.example.com'] }, http01: { gatewayHTTPRoute: { parentRefs: [{ name: 'traefik-gateway', namespace: 'traefik' }] } } },
      ]),
    ],
    status: 'broken',
    cause: 'names',
    message:
      /^Certificate traefik\/app-tls: spec\.dnsNames\[0\] "app\.example\.com" matches no solver of ClusterIssuer letsencrypt: no entry of spec\.acme\.solvers selects app\.example\.com for HTTP-01 or DNS-01, so cert-manager creates no challenge/,
  },
  {
    name: 'an Issuer that is not Ready says what cert-manager says',
    objects: [
      gw(),
      placeholderSecret(),
      cert(ISSUING_NOT_READY),
      issuer(undefined, ready('False', 'ErrRegisterACMEAccount', 'Failed to register ACME account: connection refused')),
    ],
    status: 'broken',
    cause: 'issuer',
    message:
      'ClusterIssuer letsencrypt is not Ready: cert-manager says Ready=False reason "ErrRegisterACMEAccount": "Failed to register ACME account: connection refused", so it issues no certificate. Fix: correct the issuer as the reason says (kubectl describe clusterissuer letsencrypt)',
  },
  {
    name: 'an Issuer that does not exist is certificate-dns words',
    objects: [gw(), placeholderSecret(), cert(ISSUING_NOT_READY)],
    status: 'broken',
    cause: 'issuer',
    message:
      'Certificate traefik/app-tls: ClusterIssuer letsencrypt (spec.issuerRef) does not exist, so certguard could not check its HTTP-01 names, and cert-manager will not issue until it exists.',
    hops: { names: 'skipped' },
  },
  {
    name: 'an expired Secret is gateway-listener-tls words',
    objects: [gw(), tlsSecret('traefik', 'app-tls', pki.expired), cert(ready('False', 'Expired')), issuer()],
    status: 'broken',
    cause: 'secret',
    message: /certificateRefs\[0\] Secret "traefik\/app-tls" is unusable: its certificate expired at 2021-01-01T00:00:00\.000Z: .* Fix: renew the certificate/,
  },
  {
    name: 'a Secret whose certificate does not cover the hostname is broken with the coverage warning',
    objects: [gw(), tlsSecret('traefik', 'app-tls', pki.other), issuer()],
    status: 'broken',
    cause: 'secret',
    message: /holds a certificate whose DNS names \(other\.example\.com\) do not cover hostname "app\.example\.com"/,
  },
  {
    name: 'solver cap reached is acme-solver-cap words',
    objects: [
      ...healthy().map((object) => (object.kind === 'Certificate' ? cert(ISSUING_NOT_READY) : object)),
      ...issuing({ state: 'pending', reason: 'Waiting for HTTP-01 challenge propagation' }),
      ...Array.from({ length: 25 }, (_, index) => solverRoute(`cm-acme-http-solver-${index}`, `old-${index}`)),
    ],
    status: 'broken',
    cause: 'solver-cap',
    message:
      /^namespace "traefik" has reached its cap of 25 ACME HTTP-01 solver HTTPRoutes owned by cert-manager Challenges \(certguard setting maxPerNamespace\): .*"kubectl describe challenge app-tls-1-1-2 -n traefik"/,
    hops: { 'cert-manager': 'pending', 'solver-route': 'pending' },
  },
  {
    name: 'the cluster-wide solver cap reached is acme-solver-cap words',
    objects: [
      ...healthy().map((object) => (object.kind === 'Certificate' ? cert(ISSUING_NOT_READY) : object)),
      ...issuing({ state: 'pending' }),
      ...Array.from({ length: 3 }, (_, index) => inNamespace('shop', solverRoute(`cm-acme-http-solver-${index}`, `old-${index}`))),
    ],
    config: (config) => {
      config.policies['acme-solver-cap'].maxClusterWide = 3;
    },
    status: 'broken',
    cause: 'solver-cap',
    message:
      'the cluster has reached its cap of 3 ACME HTTP-01 solver HTTPRoutes owned by cert-manager Challenges (certguard setting maxClusterWide): a challenge that keeps failing leaves a new solver behind on every retry, usually because DNS for its domain does not point at the ingress, the backend Service is missing, or the route is not attached to a Gateway listener. Look with "kubectl get challenges -A" and "kubectl get httproutes -A -l acme.cert-manager.io/http01-solver=true". Remove stale solvers with "kubectl delete httproutes -n <namespace> -l acme.cert-manager.io/http01-solver=true" (cert-manager recreates the ones its pending challenges still need). Raise the cap with policies.acme-solver-cap.maxClusterWide in the certguard config.',
    summary: 'namespace traefik: 0 of 25 solver HTTPRoutes (headroom 25), cluster: 3 of 3, no headroom',
  },
  {
    name: 'a reached cap in warn mode refuses no route: said, not broken',
    objects: [
      ...healthy().map((object) => (object.kind === 'Certificate' ? cert(ISSUING_NOT_READY) : object)),
      ...issuing({ state: 'pending' }),
      ...Array.from({ length: 3 }, (_, index) => solverRoute(`cm-acme-http-solver-${index}`, `old-${index}`)),
    ],
    config: (config) => {
      config.policies['acme-solver-cap'].mode = 'warn';
      config.policies['acme-solver-cap'].maxPerNamespace = 3;
    },
    status: 'pending',
    cause: 'cert-manager',
    hops: { 'solver-cap': 'ok' },
  },
  {
    name: 'a user who cannot list solver routes cluster-wide still gets the namespace headroom, the cluster part "cannot read"',
    objects: [...healthy()],
    source: (inner) => ({
      ...inner,
      list: async (kind, namespace, labels) => {
        if (kind === 'HTTPRoute' && namespace === undefined) throw new ReadError('HTTPRoutes', 'forbidden');
        return inner.list(kind, namespace, labels);
      },
    }),
    status: 'unknown',
    cause: 'solver-cap',
    message: 'cannot read HTTPRoutes: forbidden',
    summary: 'namespace traefik: 0 of 25 solver HTTPRoutes (headroom 25), cluster: cannot read HTTPRoutes: forbidden',
  },
  {
    name: 'a solver route its Gateway does not accept is named with the controller condition',
    objects: [
      ...healthy().map((object) => (object.kind === 'Certificate' ? cert(ISSUING_NOT_READY) : object)),
      ...issuing({ state: 'pending', reason: 'Waiting for HTTP-01 challenge propagation: wrong status code 404' }),
      solverRoute('cm-acme-http-solver-abcde', 'app-tls-1-1-2', [
        {
          parentRef: { name: 'traefik-gateway', namespace: 'traefik' },
          controllerName: 'traefik.io/gateway-controller',
          conditions: [{ type: 'Accepted', status: 'False', reason: 'NotAllowedByListeners', message: 'no listener allows this route' }],
        },
      ]),
    ],
    status: 'broken',
    cause: 'solver-route',
    message:
      'solver HTTPRoute traefik/cm-acme-http-solver-abcde (Challenge app-tls-1-1-2) is not accepted by Gateway traefik/traefik-gateway: traefik.io/gateway-controller reports Accepted=False reason "NotAllowedByListeners": "no listener allows this route", so the ACME server\'s HTTP-01 request never reaches the solver. Fix: make that parent accept the route (a listener for HTTP on port 80 whose allowedRoutes admit namespace "traefik"), or point the issuer\'s gatewayHTTPRoute.parentRefs at one that does',
  },
  {
    name: 'an invalid Challenge is cert-manager broken, with its reason',
    objects: [
      ...healthy().map((object) => (object.kind === 'Certificate' ? cert(ISSUING_NOT_READY) : object)),
      ...issuing({ state: 'invalid', reason: 'Error accepting authorization: acme: authorization error: 403' }),
    ],
    status: 'broken',
    cause: 'cert-manager',
    message:
      'Certificate traefik/app-tls is not Ready: cert-manager says Ready=False reason "DoesNotExist": "Issuing certificate as Secret does not exist", and its Challenge traefik/app-tls-1-1-2 for "app.example.com" (HTTP-01) is "invalid": "Error accepting authorization: acme: authorization error: 403". Look with: kubectl describe certificate app-tls -n traefik, then kubectl get certificaterequests,orders,challenges -n traefik',
  },
  {
    name: 'a hidden Challenge list is "cannot read" on its hop, the rest still shown',
    objects: [...healthy(), ...issuing({ state: 'pending' })],
    source: (inner) => ({
      ...inner,
      list: async (kind, namespace, labels) => {
        if (kind === 'Challenge') throw new ReadError(`challenges in namespace ${namespace}`, 'forbidden');
        return inner.list(kind, namespace, labels);
      },
    }),
    status: 'unknown',
    cause: 'cert-manager',
    message: 'cannot read challenges in namespace traefik: forbidden',
    hops: { secret: 'ok', issuer: 'ok', names: 'ok', 'cert-manager': 'unreadable', 'solver-route': 'unreadable', 'solver-cap': 'ok' },
  },
  {
    name: "the controller's own listener conditions are the cause when nothing else is broken",
    objects: [
      gw([{ type: 'Programmed', status: 'False', reason: 'Invalid', message: 'port 443 in use' }]),
      tlsSecret('traefik', 'app-tls', pki.valid),
      cert(),
      issuer(),
    ],
    status: 'broken',
    cause: 'listener',
    message:
      'spec.listeners[0] "websecure-app" (Gateway traefik/traefik-gateway, hostname "app.example.com"): the controller reports Programmed=False reason "Invalid": "port 443 in use". Fix: see the reason above, and describe the Gateway (kubectl describe gateway)',
  },
  {
    name: 'a ListenerSet its parent does not allow is broken at the owner',
    objects: [
      withStatus(listenerSet([https('shop', 'app.example.com', { name: 'app-tls' })]), {
        conditions: [{ type: 'Accepted', status: 'False', reason: 'NotAllowed', message: 'ListenerSets are not allowed by the parent Gateway' }],
      }),
      tlsSecret('apps', 'app-tls', pki.valid),
    ],
    target: { kind: 'ListenerSet', namespace: 'apps', name: 'shop' },
    status: 'broken',
    cause: 'owner',
    message:
      'ListenerSet apps/shop is not accepted by its parent Gateway traefik/traefik-gateway: the controller reports Accepted=False reason "NotAllowed": "ListenerSets are not allowed by the parent Gateway", so none of its listeners is served. Fix: allow ListenerSets from namespace "apps" in spec.allowedListeners of the parent Gateway, or correct spec.parentRef',
  },
  {
    name: 'a ListenerSet no controller answered for, whose parent allows no ListenerSet, is broken at the owner in gateway-listener-tls words',
    objects: [gw(), listenerSet([https('shop', 'app.example.com', { name: 'app-tls' })]), tlsSecret('apps', 'app-tls', pki.valid)],
    target: { kind: 'ListenerSet', namespace: 'apps', name: 'shop' },
    status: 'broken',
    cause: 'owner',
    message:
      'ListenerSet apps/shop: spec.parentRef Gateway traefik/traefik-gateway does not allow it: spec.allowedListeners.namespaces.from "None" (the default when unset), which admits no namespace, so the Gateway never attaches it (its Accepted condition False, reason NotAllowed) and none of its listeners is served, nor the HTTP-01 challenges routed through them. Fix: set spec.allowedListeners.namespaces on Gateway traefik/traefik-gateway to from: Selector with a selector that matches namespace "apps" (e.g. matchLabels kubernetes.io/metadata.name: apps), or from: All',
    summary:
      'ListenerSet apps/shop (parent Gateway traefik/traefik-gateway): not allowed by spec.allowedListeners.namespaces.from "None" (the default when unset)',
    details: ['no Gateway controller has decided Accepted'],
  },
  {
    name: 'a ListenerSet no controller answered for, whose parent allows it, is pending at the owner',
    objects: [
      { ...gw(), spec: { ...(gw().spec as object), allowedListeners: { namespaces: { from: 'All' } } } },
      listenerSet([https('shop', 'app.example.com', { name: 'app-tls' })]),
      tlsSecret('apps', 'app-tls', pki.valid),
    ],
    target: { kind: 'ListenerSet', namespace: 'apps', name: 'shop' },
    status: 'pending',
    cause: 'owner',
    message: 'ListenerSet apps/shop is not accepted yet: no Gateway controller has decided its Accepted condition',
  },
  {
    name: 'a ListenerSet still at the CRD\'s default Accepted=Unknown "Pending" is judged by its parent\'s spec',
    objects: [
      gw(),
      withStatus(listenerSet([https('shop', 'app.example.com', { name: 'app-tls' })]), {
        conditions: [{ type: 'Accepted', status: 'Unknown', reason: 'Pending', message: 'Waiting for controller' }],
      }),
      tlsSecret('apps', 'app-tls', pki.valid),
    ],
    target: { kind: 'ListenerSet', namespace: 'apps', name: 'shop' },
    status: 'broken',
    cause: 'owner',
    message: /^ListenerSet apps\/shop: spec\.parentRef Gateway traefik\/traefik-gateway does not allow it: /,
    details: ['Accepted=Unknown reason "Pending": "Waiting for controller"', 'no Gateway controller has decided Accepted'],
  },
  {
    name: 'a ListenerSet whose parent Gateway does not exist is broken at the owner',
    objects: [listenerSet([https('shop', 'app.example.com', { name: 'app-tls' })]), tlsSecret('apps', 'app-tls', pki.valid)],
    target: { kind: 'ListenerSet', namespace: 'apps', name: 'shop' },
    status: 'broken',
    cause: 'owner',
    message:
      'ListenerSet apps/shop: spec.parentRef Gateway traefik/traefik-gateway does not exist (yet): none of its listeners is served until it does, and that Gateway must then allow it in spec.allowedListeners (by default a Gateway allows no ListenerSet). Fix: apply the Gateway with spec.allowedListeners admitting namespace "apps", or correct spec.parentRef',
  },
  {
    name: 'a Gateway still at the CRD\'s default Accepted=Unknown "Pending" is pending at the owner: no controller answered',
    objects: [gwAccepted({ type: 'Accepted', status: 'Unknown', reason: 'Pending', message: 'Waiting for controller' }), ...healthy().slice(1)],
    status: 'pending',
    cause: 'owner',
    message:
      'Gateway traefik/traefik-gateway has not been accepted by any controller yet (Accepted=Unknown reason "Pending": "Waiting for controller"), so none of its listeners is served. Fix: check that a controller for its GatewayClass "traefik" is running (kubectl get gatewayclass traefik -o yaml: status Accepted, spec.controllerName)',
  },
  {
    name: "a Gateway its controller refused is broken at the owner, in the controller's words",
    objects: [
      gwAccepted({ type: 'Accepted', status: 'False', reason: 'UnsupportedAddress', message: 'address 10.0.0.1 is not supported' }),
      ...healthy().slice(1),
    ],
    status: 'broken',
    cause: 'owner',
    message:
      'Gateway traefik/traefik-gateway is not accepted by its controller: it reports Accepted=False reason "UnsupportedAddress": "address 10.0.0.1 is not supported", so none of its listeners is served. Fix: see the reason above, and describe the Gateway (kubectl describe gateway traefik-gateway -n traefik)',
  },
  {
    name: 'Accepted=False "ListenersNotValid" only echoes a listener: the owner stays ok and the chain names the listener\'s own problem',
    objects: [gwAccepted({ type: 'Accepted', status: 'False', reason: 'ListenersNotValid', message: 'Some listeners are not valid' }), ...healthy().slice(1)],
    status: 'healthy',
    hops: { owner: 'ok' },
  },
  {
    name: 'a Certificate is explained through the listeners serving its Secret',
    objects: healthy(),
    target: { kind: 'Certificate', namespace: 'traefik', name: 'app-tls' },
    status: 'healthy',
  },
  {
    name: 'a Secret no listener uses gets its own chain',
    objects: [withStatus(certificate('lonely', { namespace: 'apps' }), ISSUING_NOT_READY), issuer()],
    target: { kind: 'Secret', namespace: 'apps', name: 'lonely' },
    status: 'pending',
    cause: 'secret',
    message: 'Secret apps/lonely does not exist',
    hops: { filler: 'ok', issuer: 'ok', 'cert-manager': 'pending' },
  },
  {
    name: 'a CA issuer has no ACME hops',
    objects: [
      gw(),
      tlsSecret('traefik', 'app-tls', pki.valid),
      withStatus(certificate('app-tls', { issuer: { name: 'ca', kind: 'ClusterIssuer' } }), ready('True')),
      withStatus({ apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', metadata: { name: 'ca' }, spec: { ca: { secretName: 'ca' } } }, ready('True')),
    ],
    status: 'healthy',
    hops: { issuer: 'ok', names: 'skipped', 'cert-manager': 'ok', 'solver-cap': 'skipped' },
  },
];

/** Every Explanation this file makes, checked against docs/explain.schema.json by the last test. */
const produced: Array<{ name: string; explanation: Explanation }> = [];

const run = async (c: Case): Promise<Explanation> => {
  const config = defaultConfig();
  c.config?.(config);
  const resolver = new TableResolver(c.dns ?? POINTED, c.caa);
  const certificatePolicies = certificatePoliciesOf(config, resolver);
  const inner = manifestSource(c.objects);
  const explanation = await explain(c.target ?? GATEWAY, { source: c.source ? c.source(inner) : inner, config, certificatePolicies, resolver, now: NOW });
  produced.push({ name: c.name, explanation });
  return explanation;
};

for (const c of CASES) {
  t.test(c.name, async (t) => {
    const explanation = await run(c);
    const [chain] = explanation.chains;
    t.ok(chain, 'one chain');
    if (!chain) return;
    t.equal(explanation.status, c.status, 'the explanation status');
    t.equal(chain.status, c.status, 'the chain status');
    t.equal(chain.cause?.hop, c.cause, 'the hop named as the cause');
    if (typeof c.message === 'string') t.equal(chain.cause?.message, c.message, 'its sentence');
    else if (c.message) t.match(chain.cause?.message ?? '', c.message, 'its sentence');
    t.equal(chain.cause?.note, c.note, 'the note on admission');
    if (chain.cause?.note) t.same(messageProblems(chain.cause.note), [], 'the note: one line, no "; ", a lowercase or object-reference start');
    const cause = chain.hops.find((hop) => hop.hop === chain.cause?.hop);
    if (c.summary) t.equal(cause?.summary, c.summary, 'its summary');
    for (const line of c.details ?? []) t.ok(cause?.details.includes(line), `details hold: ${line}`);
    for (const [hop, status] of Object.entries(c.hops ?? {})) t.equal(chain.hops.find((found) => found.hop === hop)?.status, status, `${hop} is ${status}`);
  });
}

t.test('a 25-listener Gateway gives 25 chains in listener order', async (t) => {
  const listeners = Array.from({ length: 25 }, (_, index) => https(`l${index}`, 'app.example.com', { name: 'app-tls' }));
  const explanation = await run({
    name: '',
    objects: [gateway([...listeners, http('web')]), tlsSecret('traefik', 'app-tls', pki.valid), cert(), issuer()],
    status: 'healthy',
  });
  t.same(
    explanation.chains.map((chain) => chain.listener?.listener),
    listeners.map((listener) => listener.name),
  );
  t.equal(explanation.status, 'healthy');
});

t.test('a Gateway shim Secret is filled by the gateway-shim Certificate', async (t) => {
  const shim = annotated(gw(), { 'cert-manager.io/cluster-issuer': 'letsencrypt' });
  const explanation = await run({ name: '', objects: [shim, issuer()], status: 'broken' });
  const filler = explanation.chains[0]?.hops.find((hop) => hop.hop === 'filler');
  t.equal(filler?.summary, 'the gateway-shim Certificate traefik/app-tls');
  t.ok(filler?.details.includes('cert-manager has not created this Certificate yet'));
});

t.test('the table prints the note on admission under the cause', async (t) => {
  const off = CASES.find((c) => c.note?.startsWith('certificate-dns is off'));
  const explanation = await run(off as Case);
  const lines = formatTable(explanation, false).split('\n');
  const cause = lines.findIndex((line) => line.startsWith('    cause: '));
  t.equal(lines[cause], `    cause: ${NXDOMAIN}`);
  t.equal(lines[cause + 1], `    note: ${off?.note ?? ''}`);
  t.ok(lines.includes('    names        BROKEN     app.example.com'), 'the names hop is BROKEN in the table');
});

t.test("a healthy chain shows the namespace's and the cluster's solver headroom", async (t) => {
  const explanation = await run({
    name: '',
    objects: [...healthy(), inNamespace('shop', solverRoute('cm-acme-http-solver-x', 'shop-1-1-1'))],
    status: 'healthy',
  });
  const hop = explanation.chains[0]?.hops.find((found) => found.hop === 'solver-cap');
  t.equal(hop?.status, 'ok');
  t.equal(hop?.summary, 'namespace traefik: 0 of 25 solver HTTPRoutes (headroom 25), cluster: 1 of 200 (headroom 199)');
  t.same(hop?.details, [
    '0 solver HTTPRoutes owned by Challenges in namespace traefik',
    'cap 25 (maxPerNamespace)',
    '1 solver HTTPRoutes owned by Challenges in the cluster, cap 200 (maxClusterWide)',
  ]);
});

t.test('the JSON names the hops in chain order', async (t) => {
  const explanation = await run({ name: '', objects: healthy(), status: 'healthy' });
  t.same(
    explanation.chains[0]?.hops.map((hop) => hop.hop),
    ['owner', 'listener', 'secret', 'filler', 'issuer', 'names', 'cert-manager', 'solver-route', 'solver-cap'],
  );
  t.match(explanation, { apiVersion: 'certguard.io/v1alpha1', kind: 'Explanation', target: GATEWAY, status: 'healthy', notes: [] });
});

t.test('docs/explain.schema.json names the hops and the apiVersion model.ts does', async (t) => {
  const definitions = EXPLANATION_SCHEMA.definitions as Record<string, { enum?: unknown[] }>;
  t.same(definitions.hopId?.enum, HOPS);
  t.same((EXPLANATION_SCHEMA.properties as Record<string, { const?: unknown }>).apiVersion?.const, EXPLANATION_API_VERSION);
});

type Mutable = Record<string, unknown> & {
  chains: Array<Record<string, unknown> & { hops: Array<Record<string, unknown>>; listener: Record<string, unknown> }>;
};

t.test('an output that strays from docs/explain.schema.json does not fit it', async (t) => {
  const broken = JSON.parse(formatExplanation(await run(CASES[2] as Case), 'json', false)) as Mutable;
  const healthyOne = JSON.parse(formatExplanation(await run(CASES[0] as Case), 'json', false)) as Mutable;
  t.same(explanationProblems(broken), [], 'the unchanged output fits');
  const strays: Array<[string, Mutable, (value: Mutable) => void]> = [
    ['an extra top-level field', broken, (value) => (value.extra = true)],
    ['an extra field on the target', broken, (value) => ((value.target as Record<string, unknown>).uid = 'x')],
    ['an extra field on a chain', broken, (value) => (value.chains[0]!.secretRef = {})],
    ['an extra field on a listener', broken, (value) => (value.chains[0]!.listener.sectionName = 'x')],
    ['an extra field on a hop', broken, (value) => (value.chains[0]!.hops[0]!.reason = 'x')],
    [
      'a renamed hop field (status -> state)',
      broken,
      (value) => {
        const hop = value.chains[0]!.hops[0]!;
        hop.state = hop.status;
        delete hop.status;
      },
    ],
    ['a hop that is not in the chain vocabulary', broken, (value) => (value.chains[0]!.hops[0]!.hop = 'dns')],
    ['a hop status outside ok|pending|broken|unreadable|skipped', broken, (value) => (value.chains[0]!.hops[0]!.status = 'failed')],
    ['a chain status outside healthy|pending|broken|unknown', broken, (value) => (value.chains[0]!.status = 'degraded')],
    ['another apiVersion', broken, (value) => (value.apiVersion = 'certguard.io/v1')],
    ['a port as a string', broken, (value) => (value.chains[0]!.listener.port = '443')],
    ['details as one string', broken, (value) => (value.chains[0]!.hops[0]!.details = 'x')],
    ['no notes', broken, (value) => delete value.notes],
    ['a broken chain without its cause', broken, (value) => delete value.chains[0]!.cause],
    ['a healthy chain with a cause', healthyOne, (value) => (value.chains[0]!.cause = { hop: 'secret', message: 'x' })],
  ];
  for (const [name, base, change] of strays) {
    const value = structuredClone(base);
    change(value);
    t.not(explanationProblems(value).length, 0, name);
  }
});

t.test('every Explanation above, as -o json and as -o yaml prints it, fits docs/explain.schema.json', async (t) => {
  t.ok(produced.length >= CASES.length, `${produced.length} explanations`);
  for (const { name, explanation } of produced) {
    t.same(explanationProblems(JSON.parse(formatExplanation(explanation, 'json', false))), [], `json: ${name || explanation.target.kind}`);
    t.same(explanationProblems(parse(formatExplanation(explanation, 'yaml', false))), [], `yaml: ${name || explanation.target.kind}`);
  }
});
