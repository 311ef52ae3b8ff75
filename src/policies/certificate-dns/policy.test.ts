// certificate-dns table tests: cluster state in a ManifestView, DNS in a table (a fake resolver).
// The same behaviour against a real DNS server is in test/dns/certificate-dns.test.ts.
import t from 'tap';
import type { KubeObject } from '../../kube/object.ts';
import { ManifestView } from '../../cluster/manifest-view.ts';
import type { ResourceId } from '../../cluster/resources.ts';
import type { CaaResult, LookupOptions, LookupResult, NameResolver } from '../../dns/resolver.ts';
import { withoutDeadline, type PolicyRequest, type PolicyResult } from '../types.ts';
import type { BreakGlassQuestion } from '../break-glass.ts';
import { createCertificateDnsPolicy } from './policy.ts';
import { defaultCertificateDnsSettings, type CertificateDnsSettings } from './settings.ts';

// ---------------------------------------------------------------- DNS table

const DNS: Record<string, LookupResult> = {
  'pay.example.com': { addresses: ['203.0.113.10'], cnames: [] },
  'api.example.com': { addresses: ['203.0.113.10'], cnames: [] },
  'wrong.example.com': { addresses: ['198.51.100.7'], cnames: [] },
  'two.example.com': { addresses: ['198.51.100.7', '2001:db8::7'], cnames: [] },
  'nx.example.com': { error: 'NXDOMAIN', cnames: [] },
  'nodata.example.com': { error: 'NODATA', cnames: [] },
  'www.example.com': { addresses: ['203.0.113.20'], cnames: ['edge.example.com', 'lb.example.net'] },
  'elsewhere.example.com': { addresses: ['198.51.100.8'], cnames: ['cdn.example.org'] },
  'dangling.example.com': { error: 'NXDOMAIN', cnames: ['gone.example.net'] },
  'v6.example.com': { addresses: ['2001:db8::10'], cnames: [] },
  'v6-other.example.com': { addresses: ['2001:db8::99'], cnames: [] },
  'slow.example.com': { error: 'TIMEOUT', cnames: [], detail: 'deadline' },
  'broken.example.com': { error: 'SERVFAIL', cnames: [], detail: 'ESERVFAIL' },
  'refused.example.com': { error: 'SERVFAIL', cnames: [], detail: 'EREFUSED' },
  'half.example.com': { addresses: ['198.51.100.9'], cnames: [], incomplete: { error: 'TIMEOUT', cnames: [], detail: 'ETIMEOUT' } },
  'lb.example.net': { addresses: ['203.0.113.20'], cnames: [] },
  'dns-only.example.org': { addresses: ['203.0.113.10'], cnames: [] },
  'slow-lb.example.net': { error: 'TIMEOUT', cnames: [], detail: 'deadline' },
};

// CAA records by exact name (no entry: no CAA there); the climbing is the policy's (src/dns/caa.ts).
const issue = (value: string, flags = 0) => ({ flags, tag: 'issue', value });
const CAA: Record<string, CaaResult> = {
  'example.com': { records: [issue('letsencrypt.org'), { flags: 0, tag: 'iodef', value: 'mailto:sec@example.com' }] },
  'only-gts.example.com': { records: [issue('pki.goog; cansignhttpexchanges=yes')] },
  'wild.example.org': { records: [issue('letsencrypt.org'), { flags: 0, tag: 'issuewild', value: ';' }] },
  'closed.example.org': { records: [issue(';')] },
  'critical.example.org': { records: [{ flags: 128, tag: 'tbs', value: 'x' }, issue('letsencrypt.org')] },
  'flag-one.example.org': { records: [{ flags: 1, tag: 'tbs', value: 'x' }, issue('letsencrypt.org'), issue('pki.goog')] },
  'mail.example.org': {
    records: [{ flags: 128, tag: 'issuemail', value: 'letsencrypt.org' }, { flags: 128, tag: 'issuevmc', value: ';' }, issue('letsencrypt.org')],
  },
  'malformed.example.org': { records: [issue('letsencrypt.org; a_b=1'), issue('pki.goog; a-b=1')] },
  'cased.example.org': { records: [issue('LetsEncrypt.org'), issue('PKI.goog')] },
  'account.example.org': { records: [issue('letsencrypt.org; accounturi=https://acme-v02.api.letsencrypt.org/acme/acct/42')] },
  'dns-only.example.org': { records: [issue('letsencrypt.org; validationmethods=dns-01')] },
  'caa-slow.example.org': { error: 'TIMEOUT', detail: 'deadline' },
  gonetld: { records: [], nxdomain: true },
};

class TableResolver implements NameResolver {
  readonly asked: string[] = [];
  readonly caaAsked: string[] = [];
  readonly signals = new Set<AbortSignal | undefined>();
  async lookup(name: string, options: LookupOptions = {}): Promise<LookupResult> {
    this.asked.push(name);
    this.signals.add(options.signal);
    return DNS[name] ?? { error: 'NXDOMAIN', cnames: [] };
  }
  async lookupCaa(name: string, options: LookupOptions = {}): Promise<CaaResult> {
    this.caaAsked.push(name);
    this.signals.add(options.signal);
    return CAA[name] ?? { records: [] };
  }
  describe(): string {
    return '192.0.2.53';
  }
}

// ---------------------------------------------------------------- cluster

const gatewaySolver = { http01: { gatewayHTTPRoute: { parentRefs: [{ name: 'traefik-gateway', namespace: 'traefik', kind: 'Gateway' }] } } };

const clusterIssuer = (name: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'cert-manager.io/v1',
  kind: 'ClusterIssuer',
  metadata: { name },
  spec,
});

const acme = (solvers: unknown[]) => ({ acme: { server: 'https://acme-v02.api.letsencrypt.org/directory', solvers } });

/** An HTTP listener for cert-manager's solver routes, from every namespace. */
const webForAll = { name: 'web', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } };

const gateway = (namespace: string, name: string, addresses: string[], extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { name, namespace },
  spec: { gatewayClassName: 'traefik', listeners: [webForAll], allowedListeners: { namespaces: { from: 'All' } } },
  status: { addresses: addresses.map((value) => ({ type: value.includes('.example') ? 'Hostname' : 'IPAddress', value })) },
  ...extra,
});

const namespace = (name: string, annotations: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, annotations },
});

const CLUSTER: KubeObject[] = [
  clusterIssuer('letsencrypt-prod', acme([gatewaySolver])),
  clusterIssuer('letsencrypt-ingress', acme([{ http01: { ingress: { ingressClassName: 'nginx' } } }])),
  clusterIssuer('letsencrypt-mixed', acme([{ selector: { dnsZones: ['dns.example.com'] }, dns01: { cloudflare: {} } }, gatewaySolver])),
  clusterIssuer('letsencrypt-wildcard', acme([{ selector: { dnsZones: ['example.com'] }, dns01: { cloudflare: {} } }, gatewaySolver])),
  clusterIssuer('letsencrypt-listenerset', acme([{ http01: { gatewayHTTPRoute: { parentRefs: [{ name: 'team-listeners', kind: 'ListenerSet' }] } } }])),
  clusterIssuer('letsencrypt-nowhere', acme([{ http01: { gatewayHTTPRoute: { parentRefs: [{ name: 'missing-gateway', namespace: 'traefik' }] } } }])),
  clusterIssuer('selfsigned', { selfSigned: {} }),
  clusterIssuer('letsencrypt-zoned', acme([{ selector: { dnsZones: ['example.com'] }, ...gatewaySolver }])),
  clusterIssuer('letsencrypt-dns-only', acme([{ dns01: { cloudflare: {} } }])),
  clusterIssuer('letsencrypt-named', acme([{ dns01: { cloudflare: {} } }, { selector: { dnsNames: ['wrong.example.com'] }, ...gatewaySolver }])),
  clusterIssuer('letsencrypt-upper-selector', acme([{ dns01: { cloudflare: {} } }, { selector: { dnsNames: ['WRONG.example.com'] }, ...gatewaySolver }])),
  clusterIssuer('letsencrypt-dotted-zone', acme([{ selector: { dnsZones: ['example.com.'] }, dns01: { cloudflare: {} } }, gatewaySolver])),
  {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Issuer',
    metadata: { name: 'letsencrypt', namespace: 'app-production' },
    spec: acme([{ http01: { gatewayHTTPRoute: { parentRefs: [{ name: 'app-gateway' }] } } }]),
  },
  gateway('traefik', 'traefik-gateway', ['203.0.113.10']),
  gateway('app-production', 'app-gateway', ['203.0.113.30']),
  gateway('app-production', 'shared-gateway', ['203.0.113.40']),
  {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'ListenerSet',
    metadata: { name: 'team-listeners', namespace: 'app-production' },
    spec: { parentRef: { name: 'traefik-gateway', namespace: 'traefik' }, listeners: [{ ...webForAll, name: 'team-web' }] },
  },
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'ingress-nginx-controller', namespace: 'ingress-nginx' },
    status: { loadBalancer: { ingress: [{ hostname: 'lb.example.net' }] } },
  },
  namespace('app-production'),
  namespace('relaxed', { 'certguard.io/certificate-dns-mode': 'warn' }),
  namespace('ignored', { 'certguard.io/certificate-dns-mode': 'off' }),
  namespace('typo', { 'certguard.io/certificate-dns-mode': 'enforced' }),
];

// ---------------------------------------------------------------- requests

type CertificateInput = {
  name?: string;
  namespace?: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  commonName?: string;
  issuer?: string;
  issuerKind?: string;
  issuerGroup?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
};

const certificate = (input: CertificateInput): KubeObject => ({
  apiVersion: 'cert-manager.io/v1',
  kind: 'Certificate',
  metadata: { name: input.name ?? 'app-prod-tls', namespace: input.namespace ?? 'app-production', labels: input.labels, annotations: input.annotations },
  spec: {
    secretName: input.name ?? 'app-prod-tls',
    dnsNames: input.dnsNames,
    ipAddresses: input.ipAddresses,
    commonName: input.commonName,
    issuerRef: { name: input.issuer ?? 'letsencrypt-prod', kind: input.issuerKind ?? 'ClusterIssuer', group: input.issuerGroup },
  },
});

const ingress = (annotations: Record<string, string>, tls: unknown[], name = 'app'): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name, namespace: 'app-production', annotations },
  spec: { ingressClassName: 'nginx', tls, rules: [] },
});

const httpsListener = (name: string, hostname: string | undefined, secret: string, extra: Record<string, unknown> = {}) => ({
  name,
  hostname,
  port: 443,
  protocol: 'HTTPS',
  tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', group: '', name: secret }] },
  ...extra,
});

const annotatedGateway = (
  listeners: unknown[],
  annotations: Record<string, string> = { 'cert-manager.io/cluster-issuer': 'letsencrypt-prod' },
  status?: unknown,
): KubeObject => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { name: 'app-gateway', namespace: 'app-production', annotations },
  // The shim points the solver route at this Gateway: it answers over its HTTP listener.
  spec: { gatewayClassName: 'traefik', listeners: [...listeners, { name: 'web', port: 80, protocol: 'HTTP' }] },
  ...(status ? { status } : {}),
});

const GVK = {
  Certificate: { group: 'cert-manager.io', version: 'v1', kind: 'Certificate' },
  Ingress: { group: 'networking.k8s.io', version: 'v1', kind: 'Ingress' },
  Gateway: { group: 'gateway.networking.k8s.io', version: 'v1', kind: 'Gateway' },
} as const;

const create = (object: KubeObject): PolicyRequest => ({
  operation: 'CREATE',
  kind: GVK[object.kind as keyof typeof GVK],
  namespace: object.metadata?.namespace,
  name: object.metadata?.name,
  object,
  dryRun: false,
});

const update = (oldObject: KubeObject, object: KubeObject): PolicyRequest => ({ ...create(object), operation: 'UPDATE', oldObject });

// ---------------------------------------------------------------- expected texts

const NEVER = 'the ACME server would never reach the solver and cert-manager would retry forever';
const AT_GATEWAY = 'the ingress 203.0.113.10 (gateway traefik/traefik-gateway)';
const CERT = 'Certificate app-production/app-prod-tls';

// ---------------------------------------------------------------- the table

type Case = {
  name: string;
  request: PolicyRequest;
  settings?: Partial<CertificateDnsSettings>;
  objects?: KubeObject[];
  unserved?: ResourceId[];
  violations?: string[];
  warnings?: string[];
  audit?: Record<string, string>;
  /** Names the resolver must have been asked (omit: not asserted). */
  asked?: string[];
  /** Break glass decided by RBAC: the users allowed it (omit: the annotation alone counts). */
  breakGlassUsers?: string[];
  breakGlass?: PolicyResult['breakGlass'];
};

const cases: Case[] = [
  // ------------------------------------------------ Certificate, gatewayHTTPRoute solver
  {
    name: 'allows a Certificate whose name resolves to the Gateway of the solver',
    request: create(certificate({ dnsNames: ['pay.example.com'] })),
    asked: ['pay.example.com'],
  },
  {
    name: 'denies a name that resolves to another address',
    request: create(certificate({ dnsNames: ['wrong.example.com'] })),
    violations: [
      `${CERT}: spec.dnsNames[0] "wrong.example.com" resolves to 198.51.100.7, but HTTP-01 challenges arrive at ${AT_GATEWAY}, so ${NEVER}. Point wrong.example.com at 203.0.113.10 first, or use a DNS-01 solver.`,
    ],
  },
  {
    name: 'lists every address a name resolves to',
    request: create(certificate({ dnsNames: ['two.example.com'] })),
    violations: [
      `${CERT}: spec.dnsNames[0] "two.example.com" resolves to 198.51.100.7, 2001:db8::7, but HTTP-01 challenges arrive at ${AT_GATEWAY}, so ${NEVER}. Point two.example.com at 203.0.113.10 first, or use a DNS-01 solver.`,
    ],
  },
  {
    name: 'denies a name that does not exist (NXDOMAIN)',
    request: create(certificate({ dnsNames: ['nx.example.com'] })),
    violations: [
      `${CERT}: spec.dnsNames[0] "nx.example.com" does not exist in DNS (NXDOMAIN), but HTTP-01 challenges arrive at ${AT_GATEWAY}, so ${NEVER}. Point nx.example.com at 203.0.113.10 first, or use a DNS-01 solver.`,
    ],
  },
  {
    name: 'denies a name without A or AAAA record',
    request: create(certificate({ dnsNames: ['nodata.example.com'] })),
    violations: [
      `${CERT}: spec.dnsNames[0] "nodata.example.com" has no A or AAAA record, but HTTP-01 challenges arrive at ${AT_GATEWAY}, so ${NEVER}. Point nodata.example.com at 203.0.113.10 first, or use a DNS-01 solver.`,
    ],
  },
  {
    name: 'denies a CNAME chain that ends elsewhere, naming the chain',
    request: create(certificate({ dnsNames: ['elsewhere.example.com'] })),
    violations: [
      `${CERT}: spec.dnsNames[0] "elsewhere.example.com" is a CNAME to cdn.example.org, which resolves to 198.51.100.8, but HTTP-01 challenges arrive at ${AT_GATEWAY}, so ${NEVER}. Point elsewhere.example.com at 203.0.113.10 first, or use a DNS-01 solver.`,
    ],
  },
  {
    name: 'denies a CNAME to a name that does not exist',
    request: create(certificate({ dnsNames: ['dangling.example.com'] })),
    violations: [
      `${CERT}: spec.dnsNames[0] "dangling.example.com" is a CNAME to gone.example.net, which does not exist in DNS (NXDOMAIN), but HTTP-01 challenges arrive at ${AT_GATEWAY}, so ${NEVER}. Point dangling.example.com at 203.0.113.10 first, or use a DNS-01 solver.`,
    ],
  },
  {
    name: 'reports every bad name of one Certificate in field order',
    request: create(certificate({ dnsNames: ['nx.example.com', 'pay.example.com', 'wrong.example.com'] })),
    violations: [
      `${CERT}: spec.dnsNames[0] "nx.example.com" does not exist in DNS (NXDOMAIN), but HTTP-01 challenges arrive at ${AT_GATEWAY}, so ${NEVER}. Point nx.example.com at 203.0.113.10 first, or use a DNS-01 solver.`,
      `${CERT}: spec.dnsNames[2] "wrong.example.com" resolves to 198.51.100.7, but HTTP-01 challenges arrive at ${AT_GATEWAY}, so ${NEVER}. Point wrong.example.com at 203.0.113.10 first, or use a DNS-01 solver.`,
    ],
  },
  {
    name: 'judges the commonName too when it is not among the dnsNames',
    request: create(certificate({ dnsNames: ['pay.example.com'], commonName: 'wrong.example.com' })),
    violations: [
      `${CERT}: spec.commonName "wrong.example.com" resolves to 198.51.100.7, but HTTP-01 challenges arrive at ${AT_GATEWAY}, so ${NEVER}. Point wrong.example.com at 203.0.113.10 first, or use a DNS-01 solver.`,
    ],
  },
  {
    name: 'uses the Gateway of a namespaced Issuer, its parentRef defaulting to the Certificate namespace',
    request: create(certificate({ dnsNames: ['pay.example.com'], issuer: 'letsencrypt', issuerKind: 'Issuer' })),
    violations: [
      `${CERT}: spec.dnsNames[0] "pay.example.com" resolves to 203.0.113.10, but HTTP-01 challenges arrive at the ingress 203.0.113.30 (gateway app-production/app-gateway), so ${NEVER}. Point pay.example.com at 203.0.113.30 first, or use a DNS-01 solver.`,
    ],
  },
  {
    name: 'honours the http01-parentref annotations on the Certificate, as cert-manager does',
    request: create(
      certificate({
        dnsNames: ['wrong.example.com'],
        annotations: { 'acme.cert-manager.io/http01-parentrefname': 'shared-gateway', 'acme.cert-manager.io/http01-parentrefkind': 'Gateway' },
      }),
    ),
    violations: [
      `${CERT}: spec.dnsNames[0] "wrong.example.com" resolves to 198.51.100.7, but HTTP-01 challenges arrive at the ingress 203.0.113.10 (gateway traefik/traefik-gateway), 203.0.113.40 (gateway app-production/shared-gateway), so ${NEVER}. Point wrong.example.com at 203.0.113.10 or 203.0.113.40 first, or use a DNS-01 solver.`,
    ],
  },
  {
    name: 'follows a ListenerSet parentRef to its Gateway',
    request: create(certificate({ dnsNames: ['wrong.example.com'], issuer: 'letsencrypt-listenerset' })),
    violations: [
      `${CERT}: spec.dnsNames[0] "wrong.example.com" resolves to 198.51.100.7, but HTTP-01 challenges arrive at ${AT_GATEWAY}, so ${NEVER}. Point wrong.example.com at 203.0.113.10 first, or use a DNS-01 solver.`,
    ],
  },
  {
    name: 'adds the configured ingress addresses and hostnames to the discovered ones',
    request: create(certificate({ dnsNames: ['wrong.example.com'] })),
    settings: { ingress: { addresses: ['203.0.113.11'], hostnames: ['lb.example.net'], services: [] } },
    violations: [
      `${CERT}: spec.dnsNames[0] "wrong.example.com" resolves to 198.51.100.7, but HTTP-01 challenges arrive at the ingress 203.0.113.10 (gateway traefik/traefik-gateway), 203.0.113.11 (config ingress.addresses), lb.example.net (config ingress.hostnames), so ${NEVER}. Point wrong.example.com at 203.0.113.10 or 203.0.113.11 or lb.example.net first, or use a DNS-01 solver.`,
    ],
    asked: ['wrong.example.com', 'lb.example.net'],
  },
  {
    name: 'allows a name that resolves to the address of a configured ingress hostname',
    request: create(certificate({ dnsNames: ['www.example.com'] })),
    settings: { ingress: { addresses: [], hostnames: ['lb.example.net'], services: [] } },
  },
  {
    name: 'allows an AAAA-only name that points at an IPv6 ingress address',
    request: create(certificate({ dnsNames: ['v6.example.com'] })),
    settings: { ingress: { addresses: ['2001:DB8:0::10'], hostnames: [], services: [] } },
  },
  {
    name: 'denies an AAAA-only name that points elsewhere',
    request: create(certificate({ dnsNames: ['v6-other.example.com'] })),
    violations: [
      `${CERT}: spec.dnsNames[0] "v6-other.example.com" resolves to 2001:db8::99, but HTTP-01 challenges arrive at ${AT_GATEWAY}, so ${NEVER}. Point v6-other.example.com at 203.0.113.10 first, or use a DNS-01 solver.`,
    ],
  },
  // ------------------------------------------------ ingress solver, controller Service
  {
    name: 'allows a CNAME chain that reaches the ingress hostname of the controller Service',
    request: create(certificate({ dnsNames: ['www.example.com'], issuer: 'letsencrypt-ingress' })),
    settings: { ingress: { addresses: [], hostnames: [], services: [{ namespace: 'ingress-nginx', name: 'ingress-nginx-controller' }] } },
  },
  {
    name: 'denies a name that does not reach the controller Service, naming the Service',
    request: create(certificate({ dnsNames: ['wrong.example.com'], issuer: 'letsencrypt-ingress' })),
    settings: { ingress: { addresses: [], hostnames: [], services: [{ namespace: 'ingress-nginx', name: 'ingress-nginx-controller' }] } },
    violations: [
      `${CERT}: spec.dnsNames[0] "wrong.example.com" resolves to 198.51.100.7, but HTTP-01 challenges arrive at the ingress lb.example.net (service ingress-nginx/ingress-nginx-controller), so ${NEVER}. Point wrong.example.com at lb.example.net first, or use a DNS-01 solver.`,
    ],
  },
  {
    name: 'warns once per solver when it does not know where challenges arrive',
    request: create(certificate({ dnsNames: ['pay.example.com', 'api.example.com'], issuer: 'letsencrypt-ingress' })),
    warnings: [
      `${CERT}: DNS not checked: certguard does not know where HTTP-01 challenges of ClusterIssuer letsencrypt-ingress (spec.acme.solvers[0]) arrive: no ingress.services are configured, no ingress.addresses or ingress.hostnames are configured. Set policies.certificate-dns.ingress in certguard's config.`,
    ],
    asked: [],
  },
  {
    name: 'warns when the Gateway of the solver does not exist',
    request: create(certificate({ dnsNames: ['pay.example.com'], issuer: 'letsencrypt-nowhere' })),
    warnings: [
      `${CERT}: DNS not checked: certguard does not know where HTTP-01 challenges of ClusterIssuer letsencrypt-nowhere (spec.acme.solvers[0]) arrive: Gateway traefik/missing-gateway does not exist, no ingress.addresses or ingress.hostnames are configured. Set policies.certificate-dns.ingress in certguard's config.`,
    ],
  },
  // ------------------------------------------------ IP addresses
  {
    name: 'allows an IP address of the ingress',
    request: create(certificate({ ipAddresses: ['203.0.113.10'] })),
    asked: [],
  },
  {
    name: 'denies an IP address that is not the ingress',
    request: create(certificate({ ipAddresses: ['198.51.100.9'] })),
    violations: [
      `${CERT}: spec.ipAddresses[0] "198.51.100.9" is not an address of ${AT_GATEWAY}, where HTTP-01 challenges are answered, so ${NEVER}. Remove 198.51.100.9, or list an address of the ingress instead.`,
    ],
  },
  // ------------------------------------------------ solver selection and wildcards
  {
    name: 'does not look up a name whose solver is DNS-01',
    request: create(certificate({ dnsNames: ['a.dns.example.com'], issuer: 'letsencrypt-mixed' })),
    asked: [],
  },
  {
    name: 'denies a wildcard when the issuer has only HTTP-01 for it',
    request: create(certificate({ dnsNames: ['*.example.com'] })),
    violations: [
      `${CERT}: spec.dnsNames[0] "*.example.com" is a wildcard, which only DNS-01 can validate, but ClusterIssuer letsencrypt-prod has no DNS-01 solver for it (its solver for this name, spec.acme.solvers[0], is HTTP-01), so cert-manager creates no challenge for any name of the Certificate and it is not issued. Add a DNS-01 solver that matches *.example.com to the issuer, or list the names without the wildcard.`,
    ],
    asked: [],
  },
  {
    name: 'denies a wildcard outside the zone of the only DNS-01 solver',
    request: create(certificate({ dnsNames: ['*.other.example.org'], issuer: 'letsencrypt-mixed' })),
    violations: [
      `${CERT}: spec.dnsNames[0] "*.other.example.org" is a wildcard, which only DNS-01 can validate, but ClusterIssuer letsencrypt-mixed has no DNS-01 solver for it (its solver for this name, spec.acme.solvers[1], is HTTP-01), so cert-manager creates no challenge for any name of the Certificate and it is not issued. Add a DNS-01 solver that matches *.other.example.org to the issuer, or list the names without the wildcard.`,
    ],
  },
  {
    name: 'allows a wildcard that a DNS-01 solver takes while the apex goes to HTTP-01',
    request: create(certificate({ dnsNames: ['*.example.com', 'pay.example.com'], issuer: 'letsencrypt-wildcard' })),
    asked: [],
  },
  {
    name: 'denies a name no solver selects: cert-manager starts no challenge for the whole Certificate',
    request: create(certificate({ dnsNames: ['pay.example.com', 'shop.example.org'], issuer: 'letsencrypt-zoned' })),
    violations: [
      `${CERT}: spec.dnsNames[1] "shop.example.org" matches no solver of ClusterIssuer letsencrypt-zoned: no entry of spec.acme.solvers selects shop.example.org for HTTP-01 or DNS-01, so cert-manager creates no challenge for any name of the Certificate and it is not issued (Event "Solver" on its Order). Add a solver whose selector matches shop.example.org to the issuer, or remove shop.example.org.`,
    ],
    asked: ['pay.example.com'],
  },
  {
    name: 'denies an IP address when the issuer has only DNS-01, which is not offered for addresses',
    request: create(certificate({ ipAddresses: ['2001:DB8::10'], issuer: 'letsencrypt-dns-only' })),
    violations: [
      `${CERT}: spec.ipAddresses[0] "2001:DB8::10" matches no solver of ClusterIssuer letsencrypt-dns-only: no entry of spec.acme.solvers selects 2001:db8::10 for HTTP-01, so cert-manager creates no challenge for any name of the Certificate and it is not issued (Event "Solver" on its Order). Add a solver whose selector matches 2001:db8::10 to the issuer, or remove 2001:DB8::10.`,
    ],
  },
  {
    name: 'denies a wildcard no solver takes at all',
    request: create(certificate({ dnsNames: ['*.pay.example.org'], issuer: 'letsencrypt-zoned' })),
    violations: [
      `${CERT}: spec.dnsNames[0] "*.pay.example.org" matches no solver of ClusterIssuer letsencrypt-zoned: no entry of spec.acme.solvers selects *.pay.example.org for DNS-01, so cert-manager creates no challenge for any name of the Certificate and it is not issued (Event "Solver" on its Order). Add a solver whose selector matches *.pay.example.org to the issuer, or remove *.pay.example.org.`,
    ],
  },
  {
    name: 'names the lower-cased wildcard cert-manager matches solvers against',
    request: create(certificate({ dnsNames: ['*.Pay.example.com'] })),
    violations: [
      `${CERT}: spec.dnsNames[0] "*.Pay.example.com" is a wildcard, which only DNS-01 can validate, but ClusterIssuer letsencrypt-prod has no DNS-01 solver for it (its solver for this name, spec.acme.solvers[0], is HTTP-01), so cert-manager creates no challenge for any name of the Certificate and it is not issued. Add a DNS-01 solver that matches *.pay.example.com to the issuer, or list the names without the wildcard.`,
    ],
  },
  {
    name: 'picks on the lower-cased identifier: an upper-case name meets a lower-case dnsNames selector',
    request: create(certificate({ dnsNames: ['WRONG.example.com'], issuer: 'letsencrypt-named' })),
    violations: [
      `${CERT}: spec.dnsNames[0] "WRONG.example.com" resolves to 198.51.100.7, but HTTP-01 challenges arrive at ${AT_GATEWAY}, so ${NEVER}. Point WRONG.example.com at 203.0.113.10 first, or use a DNS-01 solver.`,
    ],
    asked: ['wrong.example.com'],
  },
  {
    name: 'an upper-case dnsNames selector never matches: the name goes to the DNS-01 solver',
    request: create(certificate({ dnsNames: ['wrong.example.com', 'WRONG.example.com'], issuer: 'letsencrypt-upper-selector' })),
    asked: [],
  },
  {
    name: 'a zone written with a trailing dot never matches (miekg/dns): the name goes to HTTP-01 and is checked',
    request: create(certificate({ dnsNames: ['wrong.example.com'], issuer: 'letsencrypt-dotted-zone' })),
    violations: [
      `${CERT}: spec.dnsNames[0] "wrong.example.com" resolves to 198.51.100.7, but HTTP-01 challenges arrive at ${AT_GATEWAY}, so ${NEVER}. Point wrong.example.com at 203.0.113.10 first, or use a DNS-01 solver.`,
    ],
    asked: ['wrong.example.com'],
  },
  // ------------------------------------------------ issuers that are not judged
  {
    name: 'warns when the issuer does not exist',
    request: create(certificate({ dnsNames: ['wrong.example.com'], issuer: 'letsencrypt-typo' })),
    warnings: [
      `${CERT}: ClusterIssuer letsencrypt-typo (spec.issuerRef) does not exist, so certguard could not check its HTTP-01 names, and cert-manager will not issue until it exists.`,
    ],
    asked: [],
  },
  { name: 'ignores a non-ACME issuer', request: create(certificate({ dnsNames: ['wrong.example.com'], issuer: 'selfsigned' })), asked: [] },
  {
    name: 'ignores an external issuer group',
    request: create(certificate({ dnsNames: ['wrong.example.com'], issuer: 'letsencrypt-prod', issuerGroup: 'awspca.cert-manager.io' })),
    asked: [],
  },
  {
    name: 'idles without lookups while cert-manager CRDs are not served',
    request: create(certificate({ dnsNames: ['wrong.example.com'] })),
    unserved: ['issuers', 'clusterissuers'],
    asked: [],
  },
  // ------------------------------------------------ lookup errors
  {
    name: 'allows with a warning when the lookup times out (onLookupError: allow)',
    request: create(certificate({ dnsNames: ['slow.example.com'] })),
    warnings: [
      `${CERT}: spec.dnsNames[0] "slow.example.com" was not checked: no DNS answer for slow.example.com within 2000 ms (resolvers: 192.0.2.53). Make sure slow.example.com points at 203.0.113.10 before cert-manager starts HTTP-01, or it will retry forever.`,
    ],
  },
  {
    name: 'denies when the lookup times out and onLookupError is deny',
    request: create(certificate({ dnsNames: ['slow.example.com'] })),
    settings: { onLookupError: 'deny' },
    violations: [
      `${CERT}: spec.dnsNames[0] "slow.example.com" could not be checked: no DNS answer for slow.example.com within 2000 ms (resolvers: 192.0.2.53), and certguard denies what it cannot check (onLookupError: deny). Try again, or make sure slow.example.com points at 203.0.113.10 and ask an admin about certguard's resolvers.`,
    ],
  },
  {
    name: 'allows with a warning on SERVFAIL',
    request: create(certificate({ dnsNames: ['broken.example.com'] })),
    warnings: [
      `${CERT}: spec.dnsNames[0] "broken.example.com" was not checked: the DNS server failed to resolve broken.example.com (SERVFAIL) (resolvers: 192.0.2.53). Make sure broken.example.com points at 203.0.113.10 before cert-manager starts HTTP-01, or it will retry forever.`,
    ],
  },
  {
    name: 'names the failure code of a refused lookup',
    request: create(certificate({ dnsNames: ['refused.example.com'] })),
    warnings: [
      `${CERT}: spec.dnsNames[0] "refused.example.com" was not checked: resolving refused.example.com failed (EREFUSED) (resolvers: 192.0.2.53). Make sure refused.example.com points at 203.0.113.10 before cert-manager starts HTTP-01, or it will retry forever.`,
    ],
  },
  {
    name: 'treats a half-answered lookup that misses the ingress as a lookup error',
    request: create(certificate({ dnsNames: ['half.example.com'] })),
    warnings: [
      `${CERT}: spec.dnsNames[0] "half.example.com" was not checked: no DNS answer for half.example.com within 2000 ms (resolvers: 192.0.2.53). Make sure half.example.com points at 203.0.113.10 before cert-manager starts HTTP-01, or it will retry forever.`,
    ],
  },
  {
    name: 'treats an ingress hostname that could not be resolved as a lookup error',
    request: create(certificate({ dnsNames: ['wrong.example.com'], issuer: 'letsencrypt-ingress' })),
    settings: { ingress: { addresses: [], hostnames: ['slow-lb.example.net'], services: [] } },
    warnings: [
      `${CERT}: spec.dnsNames[0] "wrong.example.com" was not checked: no DNS answer for slow-lb.example.net within 2000 ms (resolvers: 192.0.2.53). Make sure wrong.example.com points at slow-lb.example.net before cert-manager starts HTTP-01, or it will retry forever.`,
    ],
  },
  // ------------------------------------------------ UPDATE
  {
    name: 'does not judge an UPDATE that keeps names and issuer',
    request: update(certificate({ dnsNames: ['wrong.example.com'] }), certificate({ dnsNames: ['wrong.example.com'], labels: { team: 'pay' } })),
    asked: [],
  },
  {
    name: 'judges an UPDATE that adds a name',
    request: update(certificate({ dnsNames: ['pay.example.com'] }), certificate({ dnsNames: ['pay.example.com', 'wrong.example.com'] })),
    violations: [
      `${CERT}: spec.dnsNames[1] "wrong.example.com" resolves to 198.51.100.7, but HTTP-01 challenges arrive at ${AT_GATEWAY}, so ${NEVER}. Point wrong.example.com at 203.0.113.10 first, or use a DNS-01 solver.`,
    ],
  },
  {
    name: 'judges an UPDATE that changes the issuer',
    request: update(certificate({ dnsNames: ['wrong.example.com'], issuer: 'selfsigned' }), certificate({ dnsNames: ['wrong.example.com'] })),
    violations: [
      `${CERT}: spec.dnsNames[0] "wrong.example.com" resolves to 198.51.100.7, but HTTP-01 challenges arrive at ${AT_GATEWAY}, so ${NEVER}. Point wrong.example.com at 203.0.113.10 first, or use a DNS-01 solver.`,
    ],
  },
  // ------------------------------------------------ break glass and namespace mode
  {
    name: 'skips the check for a Certificate with a break-glass reason, with a warning and an audit annotation',
    request: create(certificate({ dnsNames: ['wrong.example.com'], annotations: { 'certguard.io/skip-dns-check': 'DNS moves at 18:00, INC-4711' } })),
    warnings: [`${CERT}: DNS check skipped (certguard.io/skip-dns-check: "DNS moves at 18:00, INC-4711").`],
    audit: { 'certificate-dns-skipped': 'DNS moves at 18:00, INC-4711' },
    breakGlass: {
      annotation: 'certguard.io/skip-dns-check',
      reason: 'DNS moves at 18:00, INC-4711',
      message: `${CERT}: DNS check skipped (certguard.io/skip-dns-check: "DNS moves at 18:00, INC-4711").`,
    },
    asked: [],
  },
  {
    name: 'skips the check for a user allowed the break glass (RBAC), naming the user in what the admission layer records',
    request: {
      ...create(certificate({ dnsNames: ['wrong.example.com'], annotations: { 'certguard.io/skip-dns-check': 'DNS moves at 18:00' } })),
      userInfo: { username: 'alice' },
    },
    breakGlassUsers: ['alice'],
    warnings: [`${CERT}: DNS check skipped (certguard.io/skip-dns-check: "DNS moves at 18:00").`],
    audit: { 'certificate-dns-skipped': 'DNS moves at 18:00' },
    breakGlass: {
      annotation: 'certguard.io/skip-dns-check',
      reason: 'DNS moves at 18:00',
      user: 'alice',
      message: `${CERT}: DNS check skipped (certguard.io/skip-dns-check: "DNS moves at 18:00").`,
    },
    asked: [],
  },
  {
    name: 'ignores the break glass of a user not allowed it (RBAC): the check runs and the warning says who may grant it',
    request: {
      ...create(certificate({ dnsNames: ['wrong.example.com'], annotations: { 'certguard.io/skip-dns-check': 'DNS moves at 18:00' } })),
      userInfo: { username: 'bob' },
    },
    breakGlassUsers: ['alice'],
    violations: [
      `${CERT}: spec.dnsNames[0] "wrong.example.com" resolves to 198.51.100.7, but HTTP-01 challenges arrive at ${AT_GATEWAY}, so ${NEVER}. Point wrong.example.com at 203.0.113.10 first, or use a DNS-01 solver.`,
    ],
    warnings: [
      `${CERT}: annotation certguard.io/skip-dns-check is ignored, so the DNS check ran: user "bob" may not use certguard's break glass for certificate-dns in namespace "app-production" ` +
        '(verb use on breakglass.certguard.io "certificate-dns"). A cluster admin, or anyone who may bind ClusterRole certguard-break-glass there, grants it with ' +
        '"kubectl create rolebinding <name> -n app-production --clusterrole=certguard-break-glass --user=bob"',
    ],
  },
  {
    name: 'runs the check when the break-glass annotation has no reason',
    request: create(certificate({ dnsNames: ['wrong.example.com'], annotations: { 'certguard.io/skip-dns-check': ' ' } })),
    violations: [
      `${CERT}: spec.dnsNames[0] "wrong.example.com" resolves to 198.51.100.7, but HTTP-01 challenges arrive at ${AT_GATEWAY}, so ${NEVER}. Point wrong.example.com at 203.0.113.10 first, or use a DNS-01 solver.`,
    ],
    warnings: [`${CERT}: annotation certguard.io/skip-dns-check is empty, so the DNS check ran. Give the reason for skipping it as the value.`],
  },
  {
    name: 'turns problems into warnings in a namespace annotated warn',
    request: create(certificate({ namespace: 'relaxed', dnsNames: ['wrong.example.com'] })),
    warnings: [
      `Certificate relaxed/app-prod-tls: spec.dnsNames[0] "wrong.example.com" resolves to 198.51.100.7, but HTTP-01 challenges arrive at ${AT_GATEWAY}, so ${NEVER}. Point wrong.example.com at 203.0.113.10 first, or use a DNS-01 solver.`,
    ],
  },
  {
    name: 'does nothing in a namespace annotated off',
    request: create(certificate({ namespace: 'ignored', dnsNames: ['wrong.example.com'] })),
    asked: [],
  },
  {
    name: 'warns about an unknown namespace mode and enforces',
    request: create(certificate({ namespace: 'typo', dnsNames: ['wrong.example.com'] })),
    violations: [
      `Certificate typo/app-prod-tls: spec.dnsNames[0] "wrong.example.com" resolves to 198.51.100.7, but HTTP-01 challenges arrive at ${AT_GATEWAY}, so ${NEVER}. Point wrong.example.com at 203.0.113.10 first, or use a DNS-01 solver.`,
    ],
    warnings: [
      'namespace "typo": annotation certguard.io/certificate-dns-mode "enforced" is not one of enforce, warn, off, so certificate-dns used its configured mode enforce.',
    ],
  },
  // ------------------------------------------------ ingress-shim
  {
    name: 'judges the Certificate the ingress-shim would create, naming the Ingress field',
    request: create(
      ingress({ 'cert-manager.io/cluster-issuer': 'letsencrypt-prod' }, [{ hosts: ['pay.example.com', 'wrong.example.com'], secretName: 'app-tls' }]),
    ),
    violations: [
      `Ingress app-production/app (ingress-shim Certificate app-tls): spec.tls[0].hosts[1] "wrong.example.com" resolves to 198.51.100.7, but HTTP-01 challenges arrive at ${AT_GATEWAY}, so ${NEVER}. Point wrong.example.com at 203.0.113.10 first, or use a DNS-01 solver.`,
    ],
  },
  {
    name: 'judges one shim Certificate per TLS secretName and skips incomplete TLS entries',
    request: create(
      ingress({ 'cert-manager.io/cluster-issuer': 'letsencrypt-prod' }, [
        { hosts: ['nx.example.com'], secretName: 'a-tls' },
        { hosts: ['wrong.example.com'] },
        { hosts: ['198.51.100.9'], secretName: 'b-tls' },
      ]),
    ),
    violations: [
      `Ingress app-production/app (ingress-shim Certificate a-tls): spec.tls[0].hosts[0] "nx.example.com" does not exist in DNS (NXDOMAIN), but HTTP-01 challenges arrive at ${AT_GATEWAY}, so ${NEVER}. Point nx.example.com at 203.0.113.10 first, or use a DNS-01 solver.`,
      `Ingress app-production/app (ingress-shim Certificate b-tls): spec.tls[2].hosts[0] "198.51.100.9" is not an address of ${AT_GATEWAY}, where HTTP-01 challenges are answered, so ${NEVER}. Remove 198.51.100.9, or list an address of the ingress instead.`,
    ],
  },
  {
    name: 'uses a namespaced Issuer named by cert-manager.io/issuer',
    request: create(ingress({ 'cert-manager.io/issuer': 'letsencrypt' }, [{ hosts: ['pay.example.com'], secretName: 'app-tls' }])),
    violations: [
      `Ingress app-production/app (ingress-shim Certificate app-tls): spec.tls[0].hosts[0] "pay.example.com" resolves to 203.0.113.10, but HTTP-01 challenges arrive at the ingress 203.0.113.30 (gateway app-production/app-gateway), so ${NEVER}. Point pay.example.com at 203.0.113.30 first, or use a DNS-01 solver.`,
    ],
  },
  {
    name: 'honours cert-manager.io/issuer-kind on an Ingress',
    request: create(
      ingress({ 'cert-manager.io/issuer': 'letsencrypt-prod', 'cert-manager.io/issuer-kind': 'ClusterIssuer' }, [
        { hosts: ['wrong.example.com'], secretName: 'app-tls' },
      ]),
    ),
    violations: [
      `Ingress app-production/app (ingress-shim Certificate app-tls): spec.tls[0].hosts[0] "wrong.example.com" resolves to 198.51.100.7, but HTTP-01 challenges arrive at ${AT_GATEWAY}, so ${NEVER}. Point wrong.example.com at 203.0.113.10 first, or use a DNS-01 solver.`,
    ],
  },
  {
    name: 'does not judge an Ingress whose cert-manager.io/issuer-group names an external issuer',
    request: create(
      ingress({ 'cert-manager.io/issuer': 'pca', 'cert-manager.io/issuer-kind': 'AWSPCAIssuer', 'cert-manager.io/issuer-group': 'awspca.cert-manager.io' }, [
        { hosts: ['wrong.example.com'], secretName: 'app-tls' },
      ]),
    ),
    asked: [],
  },
  {
    name: 'warns about shim annotations cert-manager rejects, without lookups',
    request: create(
      ingress({ 'cert-manager.io/issuer': 'letsencrypt', 'cert-manager.io/cluster-issuer': 'letsencrypt-prod' }, [
        { hosts: ['wrong.example.com'], secretName: 'app-tls' },
      ]),
    ),
    warnings: [
      'Ingress app-production/app: cert-manager will not create a Certificate for it: both "cert-manager.io/issuer" and "cert-manager.io/cluster-issuer" may not be set.',
    ],
    asked: [],
  },
  {
    name: 'warns about an Ingress whose TLS entries share a secretName',
    request: create(
      ingress({ 'cert-manager.io/cluster-issuer': 'letsencrypt-prod' }, [
        { hosts: ['wrong.example.com'], secretName: 'app-tls' },
        { hosts: ['nx.example.com'], secretName: 'app-tls' },
      ]),
    ),
    warnings: [
      'Ingress app-production/app: cert-manager will not create a Certificate for it: spec.tls secretName "app-tls" appears in more than one TLS entry.',
    ],
    asked: [],
  },
  {
    name: 'skips an Ingress with a break-glass reason',
    request: create(
      ingress({ 'cert-manager.io/cluster-issuer': 'letsencrypt-prod', 'certguard.io/skip-dns-check': 'internal name' }, [
        { hosts: ['wrong.example.com'], secretName: 'app-tls' },
      ]),
    ),
    warnings: ['Ingress app-production/app: DNS check skipped (certguard.io/skip-dns-check: "internal name").'],
    audit: { 'certificate-dns-skipped': 'internal name' },
    breakGlass: {
      annotation: 'certguard.io/skip-dns-check',
      reason: 'internal name',
      message: 'Ingress app-production/app: DNS check skipped (certguard.io/skip-dns-check: "internal name").',
    },
    asked: [],
  },
  {
    name: 'judges only the shim Certificates an Ingress UPDATE changes',
    request: update(
      ingress({ 'cert-manager.io/cluster-issuer': 'letsencrypt-prod' }, [{ hosts: ['nx.example.com'], secretName: 'old-tls' }]),
      ingress({ 'cert-manager.io/cluster-issuer': 'letsencrypt-prod' }, [
        { hosts: ['nx.example.com'], secretName: 'old-tls' },
        { hosts: ['wrong.example.com'], secretName: 'new-tls' },
      ]),
    ),
    violations: [
      `Ingress app-production/app (ingress-shim Certificate new-tls): spec.tls[1].hosts[0] "wrong.example.com" resolves to 198.51.100.7, but HTTP-01 challenges arrive at ${AT_GATEWAY}, so ${NEVER}. Point wrong.example.com at 203.0.113.10 first, or use a DNS-01 solver.`,
    ],
    asked: ['wrong.example.com'],
  },
  // ------------------------------------------------ gateway-shim
  {
    name: 'judges the gateway-shim Certificate against the annotated Gateway itself',
    request: create(
      annotatedGateway(
        [httpsListener('websecure-pay', 'pay.example.com', 'pay-tls'), httpsListener('websecure-wrong', 'wrong.example.com', 'wrong-tls')],
        { 'cert-manager.io/cluster-issuer': 'letsencrypt-prod' },
        { addresses: [{ type: 'IPAddress', value: '203.0.113.50' }] },
      ),
    ),
    violations: [
      `Gateway app-production/app-gateway (gateway-shim Certificate wrong-tls): spec.listeners[1].hostname "wrong.example.com" resolves to 198.51.100.7, but HTTP-01 challenges arrive at the ingress 203.0.113.10 (gateway traefik/traefik-gateway), 203.0.113.50 (gateway app-production/app-gateway), so ${NEVER}. Point wrong.example.com at 203.0.113.10 or 203.0.113.50 first, or use a DNS-01 solver.`,
    ],
  },
  {
    name: 'denies a wildcard Gateway listener when the issuer has only HTTP-01',
    request: create(annotatedGateway([httpsListener('websecure', '*.example.com', 'wildcard-tls')])),
    violations: [
      `Gateway app-production/app-gateway (gateway-shim Certificate wildcard-tls): spec.listeners[0].hostname "*.example.com" is a wildcard, which only DNS-01 can validate, but ClusterIssuer letsencrypt-prod has no DNS-01 solver for it (its solver for this name, spec.acme.solvers[0], is HTTP-01), so cert-manager creates no challenge for any name of the Certificate and it is not issued. Add a DNS-01 solver that matches *.example.com to the issuer, or list the names without the wildcard.`,
    ],
  },
  {
    name: 'skips Gateway listeners the gateway-shim skips (HTTP, passthrough, no hostname, cross-namespace ref)',
    request: create(
      annotatedGateway([
        { name: 'web', hostname: 'nx.example.com', port: 80, protocol: 'HTTP' },
        httpsListener('passthrough', 'nx.example.com', 'a-tls', { protocol: 'TLS', tls: { mode: 'Passthrough' } }),
        httpsListener('nohost', undefined, 'b-tls'),
        httpsListener('other-ns', 'nx.example.com', 'c-tls', { tls: { mode: 'Terminate', certificateRefs: [{ name: 'c-tls', namespace: 'elsewhere' }] } }),
      ]),
    ),
    asked: [],
  },
  {
    name: 'warns on a new Gateway that has no address yet and no configured ingress',
    request: create(annotatedGateway([httpsListener('websecure', 'pay.example.com', 'pay-tls')], { 'cert-manager.io/issuer': 'letsencrypt' })),
    warnings: [
      `Gateway app-production/app-gateway (gateway-shim Certificate pay-tls): DNS not checked: certguard does not know where HTTP-01 challenges of Issuer app-production/letsencrypt (spec.acme.solvers[0]) arrive: Gateway app-production/app-gateway has no status.addresses yet, no ingress.addresses or ingress.hostnames are configured. Set policies.certificate-dns.ingress in certguard's config.`,
    ],
    asked: [],
  },
];

// ------------------------------------------------ the solver route's attachment (route-attachment.ts)

const SOLVER_ROUTE = 'the HTTP-01 solver HTTPRoute cert-manager creates in namespace "app-production" (spec.acme.solvers[0] of ClusterIssuer letsencrypt-prod)';
const NOT_ACCEPTED = 'so the Gateway controller leaves it not Accepted, the challenge never reaches the solver and cert-manager retries forever';
const PAY = `${CERT}: spec.dnsNames[0] "pay.example.com"`;
const traefikGateway = (listeners: unknown[]): KubeObject => ({
  ...gateway('traefik', 'traefik-gateway', ['203.0.113.10']),
  spec: { gatewayClassName: 'traefik', listeners },
});
const web = (extra: Record<string, unknown> = {}) => ({ name: 'web', port: 80, protocol: 'HTTP', ...extra });
const websecure = {
  name: 'websecure',
  port: 443,
  protocol: 'HTTPS',
  allowedRoutes: { namespaces: { from: 'All' } },
  tls: { certificateRefs: [{ name: 'default-tls' }] },
};
const solverIssuer = (parentRef: Record<string, unknown>) =>
  clusterIssuer(
    'letsencrypt-prod',
    acme([{ http01: { gatewayHTTPRoute: { parentRefs: [{ name: 'traefik-gateway', namespace: 'traefik', ...parentRef }] } } }]),
  );
const unattached = (listeners: string, fix: string) =>
  `${PAY}: ${SOLVER_ROUTE} attaches to no listener (parentRef Gateway traefik/traefik-gateway: ${listeners}), ${NOT_ACCEPTED}. Fix: ${fix}.`;

const attachmentCases: Case[] = [
  {
    name: "denies a name whose solver route lives in the Certificate's namespace while the HTTP listener admits Same (its own)",
    request: create(certificate({ dnsNames: ['pay.example.com'] })),
    objects: [traefikGateway([web(), websecure])],
    violations: [
      `${PAY}: ${SOLVER_ROUTE} attaches only to listener "websecure" (HTTPS 443) of Gateway traefik/traefik-gateway, which terminate TLS, but the ACME server asks for HTTP-01 challenges over plain HTTP on port 80 (RFC 8555 section 8.3), so it never reaches the solver and cert-manager retries forever. Fix: let listener "web" of Gateway traefik/traefik-gateway admit routes from namespace "app-production" (allowedRoutes.namespaces.from: All, or Selector matching it).`,
    ],
  },
  {
    name: 'denies a name no listener takes, naming every listener and the rule that excluded it',
    request: create(certificate({ dnsNames: ['pay.example.com'] })),
    objects: [traefikGateway([web(), web({ name: 'web-api', hostname: 'api.example.com', allowedRoutes: { namespaces: { from: 'All' } } })])],
    violations: [
      unattached(
        'listener "web" (HTTP 80): allowedRoutes.namespaces.from "Same", which admits namespace "traefik" only, listener "web-api" (HTTP 80): hostname "api.example.com" does not intersect "pay.example.com"',
        'let listener "web" of Gateway traefik/traefik-gateway admit routes from namespace "app-production" (allowedRoutes.namespaces.from: All, or Selector matching it)',
      ),
    ],
  },
  {
    name: 'denies a solver whose parentRef sectionName names an HTTPS listener (HTTP-01 arrives over plain HTTP)',
    request: create(certificate({ dnsNames: ['pay.example.com'] })),
    objects: [traefikGateway([web({ allowedRoutes: { namespaces: { from: 'All' } } }), websecure]), solverIssuer({ sectionName: 'websecure' })],
    violations: [
      `${PAY}: ${SOLVER_ROUTE} attaches only to listener "websecure" (HTTPS 443) of Gateway traefik/traefik-gateway, which terminate TLS, but the ACME server asks for HTTP-01 challenges over plain HTTP on port 80 (RFC 8555 section 8.3), so it never reaches the solver and cert-manager retries forever. Fix: set the solver parentRef's sectionName to "web" (and its port to 80, or remove both).`,
    ],
  },
  {
    name: 'denies a solver whose parentRef port no listener has',
    request: create(certificate({ dnsNames: ['pay.example.com'] })),
    objects: [traefikGateway([web({ allowedRoutes: { namespaces: { from: 'All' } } })]), solverIssuer({ port: 8080 })],
    violations: [
      unattached(
        'listener "web" (HTTP 80): port 80 is not the parentRef\'s port 8080',
        'set the solver parentRef\'s sectionName to "web" (and its port to 80, or remove both)',
      ),
    ],
  },
  {
    name: 'denies a solver route whose kind the listener does not list in allowedRoutes.kinds',
    request: create(certificate({ dnsNames: ['pay.example.com'] })),
    objects: [traefikGateway([web({ allowedRoutes: { namespaces: { from: 'All' }, kinds: [{ kind: 'GRPCRoute' }] } })])],
    violations: [
      unattached(
        'listener "web" (HTTP 80): allowedRoutes.kinds (GRPCRoute) does not list HTTPRoute',
        'add {kind: HTTPRoute} to allowedRoutes.kinds of listener "web" of Gateway traefik/traefik-gateway',
      ),
    ],
  },
  {
    name: "allows a route whose namespace's labels the listener's selector matches, and a wildcard hostname over two labels (a suffix match)",
    request: create(certificate({ dnsNames: ['pay.example.com'] })),
    objects: [
      traefikGateway([
        web({
          hostname: '*.com',
          allowedRoutes: { namespaces: { from: 'Selector', selector: { matchExpressions: [{ key: 'team', operator: 'In', values: ['pay'] }] } } },
        }),
      ]),
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'app-production', labels: { team: 'pay' } } },
    ],
    asked: ['pay.example.com'],
  },
  {
    name: "denies a route whose namespace the listener's selector does not select",
    request: create(certificate({ dnsNames: ['pay.example.com'] })),
    objects: [traefikGateway([web({ allowedRoutes: { namespaces: { from: 'Selector', selector: { matchLabels: { team: 'pay' } } } } })])],
    violations: [
      unattached(
        'listener "web" (HTTP 80): allowedRoutes.namespaces.from "Selector", whose selector {matchLabels: {team: pay}} does not select namespace "app-production" (no labels)',
        'let listener "web" of Gateway traefik/traefik-gateway admit routes from namespace "app-production" (allowedRoutes.namespaces.from: All, or Selector matching it)',
      ),
    ],
  },
  {
    name: 'denies a route through a ListenerSet its Gateway does not attach',
    request: create(certificate({ dnsNames: ['pay.example.com'], issuer: 'letsencrypt-listenerset' })),
    objects: [traefikGateway([web({ allowedRoutes: { namespaces: { from: 'All' } } })])],
    violations: [
      `${PAY}: the HTTP-01 solver HTTPRoute cert-manager creates in namespace "app-production" (spec.acme.solvers[0] of ClusterIssuer letsencrypt-listenerset) attaches to no listener (parentRef ListenerSet app-production/team-listeners: its parent Gateway traefik/traefik-gateway does not attach it (spec.allowedListeners.namespaces.from "None" (the default when unset), which admits no namespace)), ${NOT_ACCEPTED}. Fix: let the parent Gateway attach ListenerSet app-production/team-listeners (spec.allowedListeners), or point the solver's parentRef at a Gateway.`,
    ],
  },
  {
    name: 'only warns about an unattached solver route when routeAttachment is warn',
    request: create(certificate({ dnsNames: ['pay.example.com'] })),
    settings: { routeAttachment: 'warn' },
    objects: [traefikGateway([web({ allowedRoutes: { namespaces: { from: 'All' }, kinds: [{ kind: 'GRPCRoute' }] } })])],
    warnings: [
      unattached(
        'listener "web" (HTTP 80): allowedRoutes.kinds (GRPCRoute) does not list HTTPRoute',
        'add {kind: HTTPRoute} to allowedRoutes.kinds of listener "web" of Gateway traefik/traefik-gateway',
      ),
    ],
    asked: ['pay.example.com'],
  },
];
cases.push(...attachmentCases);

const runCase = async (c: Case): Promise<{ result: PolicyResult; resolver: TableResolver; matched: boolean }> => {
  const settings = { ...defaultCertificateDnsSettings(), ...c.settings };
  const resolver = new TableResolver();
  const allowed = c.breakGlassUsers;
  const breakGlass = allowed
    ? {
        mode: 'rbac' as const,
        clusterRole: 'certguard-break-glass',
        isAllowed: async (question: BreakGlassQuestion) => allowed.includes(question.user.username ?? ''),
      }
    : undefined;
  const policy = createCertificateDnsPolicy(settings, { resolver, ...(breakGlass ? { breakGlass } : {}) });
  const view = new ManifestView([...CLUSTER, ...(c.objects ?? [])], { unserved: c.unserved });
  const matched = policy.matches(c.request);
  const result = matched ? await policy.check(c.request, view, withoutDeadline()) : { violations: [], warnings: [] };
  return { result, resolver, matched };
};

t.test('certificate-dns', async (t) => {
  for (const c of cases) {
    await t.test(c.name, async (t) => {
      const { result, resolver } = await runCase(c);
      t.same(result.violations, c.violations ?? [], 'violations');
      t.same(result.warnings, c.warnings ?? [], 'warnings');
      t.same(result.auditAnnotations, c.audit, 'audit annotations');
      t.same(result.breakGlass, c.breakGlass, 'break glass use');
      if (c.asked) t.same(resolver.asked, c.asked, 'names looked up');
    });
  }
});

t.test('selects only what cert-manager acts on', async (t) => {
  const policy = createCertificateDnsPolicy(defaultCertificateDnsSettings(), { resolver: new TableResolver() });
  const cert = certificate({ dnsNames: ['pay.example.com'] });
  const plainIngress = ingress({}, [{ hosts: ['pay.example.com'], secretName: 'app-tls' }]);
  const shimIngress = ingress({ 'cert-manager.io/cluster-issuer': 'letsencrypt-prod' }, [{ hosts: ['pay.example.com'], secretName: 'app-tls' }]);
  const rows: [string, PolicyRequest, boolean][] = [
    ['a Certificate CREATE', create(cert), true],
    ['a Certificate DELETE', { ...create(cert), operation: 'DELETE' }, false],
    ['a Certificate UPDATE that changes only labels', update(cert, certificate({ dnsNames: ['pay.example.com'], labels: { a: 'b' } })), false],
    ['a Certificate UPDATE that changes the ipAddresses', update(cert, certificate({ dnsNames: ['pay.example.com'], ipAddresses: ['203.0.113.10'] })), true],
    ['an Ingress without shim annotation', create(plainIngress), false],
    ['an annotated Ingress', create(shimIngress), true],
    [
      'an annotated Ingress UPDATE that keeps its TLS hosts',
      update(shimIngress, { ...shimIngress, metadata: { ...shimIngress.metadata, labels: { a: 'b' } } }),
      false,
    ],
    ['a Gateway without shim annotation', create(annotatedGateway([httpsListener('websecure', 'pay.example.com', 'pay-tls')], {})), false],
    ['an annotated Gateway', create(annotatedGateway([httpsListener('websecure', 'pay.example.com', 'pay-tls')])), true],
    ['a Certificate of another group', { ...create(cert), kind: { group: 'example.io', version: 'v1', kind: 'Certificate' } }, false],
  ];
  for (const [name, request, want] of rows) t.equal(policy.matches(request), want, name);
});

t.test('looks up all names of one review in parallel under one deadline', async (t) => {
  const released: (() => void)[] = [];
  const signals = new Set<AbortSignal | undefined>();
  const resolver: NameResolver = {
    lookup: (name, options = {}) => {
      signals.add(options.signal);
      return new Promise((resolve) => released.push(() => resolve(DNS[name] ?? { error: 'NXDOMAIN', cnames: [] })));
    },
    lookupCaa: async (_name, options = {}) => {
      signals.add(options.signal);
      return { records: [] };
    },
    describe: () => '192.0.2.53',
  };
  const settings = { ...defaultCertificateDnsSettings(), ingress: { addresses: [], hostnames: ['lb.example.net'], services: [] } };
  const policy = createCertificateDnsPolicy(settings, { resolver });
  const pending = policy.check(create(certificate({ dnsNames: ['pay.example.com', 'wrong.example.com'] })), new ManifestView(CLUSTER), withoutDeadline());
  for (let i = 0; i < 100 && released.length < 3; i++) await new Promise((resolve) => setImmediate(resolve));
  t.equal(released.length, 3, 'three lookups are in flight at once (two names, one ingress hostname)');
  t.equal(signals.size, 1, 'they share one signal');
  t.ok([...signals][0] instanceof AbortSignal, 'the signal is a deadline');
  for (const release of released) release();
  t.equal((await pending).violations.length, 1);
});

// ---------------------------------------------------------------- CAA (RFC 8659)

const dnsOnlyIssuer = (name: string, server: string): KubeObject => clusterIssuer(name, { acme: { server, solvers: [{ dns01: { cloudflare: {} } }] } });

const CAA_ISSUERS: KubeObject[] = [
  dnsOnlyIssuer('le-dns', 'https://acme-v02.api.letsencrypt.org/directory'),
  dnsOnlyIssuer('gts-dns', 'https://dv.acme-v02.api.pki.goog/directory'),
  dnsOnlyIssuer('internal-dns', 'https://acme.internal.example/directory'),
  {
    ...dnsOnlyIssuer('le-42', 'https://acme-v02.api.letsencrypt.org/directory'),
    status: { acme: { uri: 'https://acme-v02.api.letsencrypt.org/acme/acct/42' } },
  },
  {
    ...dnsOnlyIssuer('le-43', 'https://acme-v02.api.letsencrypt.org/directory'),
    status: { acme: { uri: 'https://acme-v02.api.letsencrypt.org/acme/acct/43' } },
  },
  clusterIssuer('le-http', { acme: { server: 'https://acme-v02.api.letsencrypt.org/directory', solvers: [gatewaySolver] } }),
  clusterIssuer('le-zone', {
    acme: { server: 'https://acme-v02.api.letsencrypt.org/directory', solvers: [{ dns01: { cloudflare: {} }, selector: { dnsZones: ['example.com'] } }] },
  }),
];

const LE_CA = 'the CA of ClusterIssuer le-dns (CAA identity "letsencrypt.org")';
const GTS_CA = 'the CA of ClusterIssuer gts-dns (CAA identity "pki.goog")';
const RETRY = 'The ACME order would fail its CAA check and cert-manager would retry it.';

t.test('CAA', async (t) => {
  const rows: {
    name: string;
    issuer: string;
    dnsNames: string[];
    settings?: Partial<CertificateDnsSettings>;
    violations?: string[];
    warnings?: string[];
    caaAsked?: string[];
  }[] = [
    {
      name: 'allows a name whose inherited parent RRset lists the CA',
      issuer: 'le-dns',
      dnsNames: ['pay.example.com'],
      caaAsked: ['pay.example.com', 'example.com', 'com'],
    },
    {
      name: 'denies a name whose inherited parent RRset lists another CA',
      issuer: 'gts-dns',
      dnsNames: ['pay.example.com'],
      violations: [
        `${CERT}: spec.dnsNames[0] "pay.example.com" may not be issued by ${GTS_CA}: the CAA records at example.com let a CA issue certificates for it only through their issue records, and none lets this one: example.com. CAA 0 issue "letsencrypt.org" names another CA (letsencrypt.org). ${RETRY} Publish the CAA record example.com. CAA 0 issue "pki.goog", or use an issuer whose CA they list.`,
      ],
    },
    { name: 'reads the issuer domain before the parameters', issuer: 'gts-dns', dnsNames: ['only-gts.example.com'] },
    {
      name: 'the closest RRset decides, not the parent that would allow',
      issuer: 'le-dns',
      dnsNames: ['only-gts.example.com'],
      violations: [
        `${CERT}: spec.dnsNames[0] "only-gts.example.com" may not be issued by ${LE_CA}: the CAA records at only-gts.example.com let a CA issue certificates for it only through their issue records, and none lets this one: only-gts.example.com. CAA 0 issue "pki.goog;cansignhttpexchanges=yes" names another CA (pki.goog). ${RETRY} Publish the CAA record only-gts.example.com. CAA 0 issue "letsencrypt.org", or use an issuer whose CA they list.`,
      ],
    },
    {
      name: 'denies a wildcard that issuewild ";" forbids, while the base name passes on issue',
      issuer: 'le-dns',
      dnsNames: ['wild.example.org', '*.wild.example.org'],
      violations: [
        `${CERT}: spec.dnsNames[1] "*.wild.example.org" may not be issued by ${LE_CA}: the CAA records at wild.example.org let a CA issue wildcard certificates for it only through their issuewild records, and none lets this one: wild.example.org. CAA 0 issuewild ";" forbids every CA. ${RETRY} Publish the CAA record wild.example.org. CAA 0 issuewild "letsencrypt.org", or use an issuer whose CA they list.`,
      ],
      caaAsked: ['wild.example.org', 'example.org', 'org'],
    },
    { name: 'a wildcard falls back to issue without issuewild', issuer: 'le-dns', dnsNames: ['*.example.com'] },
    {
      name: 'denies a name under an empty issue ";"',
      issuer: 'le-dns',
      dnsNames: ['a.closed.example.org'],
      violations: [
        `${CERT}: spec.dnsNames[0] "a.closed.example.org" may not be issued by ${LE_CA}: the CAA records at closed.example.org let a CA issue certificates for it only through their issue records, and none lets this one: closed.example.org. CAA 0 issue ";" forbids every CA. ${RETRY} Publish the CAA record closed.example.org. CAA 0 issue "letsencrypt.org", or use an issuer whose CA they list.`,
      ],
    },
    {
      name: 'denies a critical property of an unknown tag',
      issuer: 'le-dns',
      dnsNames: ['critical.example.org'],
      violations: [
        `${CERT}: spec.dnsNames[0] "critical.example.org" may not be issued by the CA of ClusterIssuer le-dns: the CAA record critical.example.org. CAA 128 tbs "x" sets the critical flag on the tag "tbs", which Let's Encrypt does not know, and a CA must refuse a critical property it does not know (RFC 8659 §4.1), so the ACME order would fail its CAA check and cert-manager would retry it. Set its flags to 0, or remove it.`,
      ],
    },
    {
      name: 'a CAA lookup that times out warns (onLookupError: allow)',
      issuer: 'le-dns',
      dnsNames: ['caa-slow.example.org'],
      warnings: [
        `${CERT}: spec.dnsNames[0] "caa-slow.example.org" was not checked for CAA: no CAA answer for caa-slow.example.org within 2000 ms (resolvers: 192.0.2.53). Make sure no CAA record of caa-slow.example.org or its parent domains forbids "letsencrypt.org", or the ACME order will fail.`,
      ],
    },
    {
      name: 'a CAA lookup that times out denies (onLookupError: deny)',
      issuer: 'le-dns',
      dnsNames: ['x.caa-slow.example.org'],
      settings: { onLookupError: 'deny' },
      violations: [
        `${CERT}: spec.dnsNames[0] "x.caa-slow.example.org" could not be checked for CAA: no CAA answer for caa-slow.example.org within 2000 ms (resolvers: 192.0.2.53), and certguard denies what it cannot check (onLookupError: deny). Try again, or ask an admin about certguard's resolvers.`,
      ],
    },
    { name: 'an ACME CA certguard does not know is not judged', issuer: 'internal-dns', dnsNames: ['a.closed.example.org'], caaAsked: [] },
    {
      name: 'caaIdentities teaches certguard an internal CA',
      issuer: 'internal-dns',
      dnsNames: ['a.closed.example.org'],
      settings: { caaIdentities: [{ serverPrefix: 'https://acme.internal.example/', identity: 'ca.internal.example' }] },
      violations: [
        `${CERT}: spec.dnsNames[0] "a.closed.example.org" may not be issued by the CA of ClusterIssuer internal-dns (CAA identity "ca.internal.example"): the CAA records at closed.example.org let a CA issue certificates for it only through their issue records, and none lets this one: closed.example.org. CAA 0 issue ";" forbids every CA. ${RETRY} Publish the CAA record closed.example.org. CAA 0 issue "ca.internal.example", or use an issuer whose CA they list.`,
      ],
    },
    {
      name: 'caaIdentities overrides a built-in CA',
      issuer: 'le-dns',
      dnsNames: ['only-gts.example.com'],
      settings: { caaIdentities: [{ serverPrefix: 'https://acme-v02.api.letsencrypt.org/', identity: 'pki.goog' }] },
    },
    { name: 'caa: false judges no CAA', issuer: 'le-dns', dnsNames: ['a.closed.example.org'], settings: { caa: false }, caaAsked: [] },
    {
      name: "denies an unknown tag with flags 1 for Let's Encrypt (Boulder reads bit 1 as critical)",
      issuer: 'le-dns',
      dnsNames: ['flag-one.example.org'],
      violations: [
        `${CERT}: spec.dnsNames[0] "flag-one.example.org" may not be issued by the CA of ClusterIssuer le-dns: the CAA record flag-one.example.org. CAA 1 tbs "x" sets the critical flag on the tag "tbs", which Let's Encrypt does not know (flags 1: Let's Encrypt reads bit 1 as the critical flag too), and a CA must refuse a critical property it does not know (RFC 8659 §4.1), so the ACME order would fail its CAA check and cert-manager would retry it. Set its flags to 0, or remove it.`,
      ],
    },
    { name: 'allows an unknown tag with flags 1 for an RFC 8659 CA', issuer: 'gts-dns', dnsNames: ['flag-one.example.org'] },
    { name: 'allows critical issuemail and issuevmc next to an issue record that lists the CA', issuer: 'le-dns', dnsNames: ['mail.example.org'] },
    {
      name: 'denies when the only record naming the CA does not parse',
      issuer: 'le-dns',
      dnsNames: ['malformed.example.org'],
      violations: [
        `${CERT}: spec.dnsNames[0] "malformed.example.org" may not be issued by ${LE_CA}: the CAA records at malformed.example.org let a CA issue certificates for it only through their issue records, and none lets this one: malformed.example.org. CAA 0 issue "letsencrypt.org;a_b=1" does not parse (parameter tag "a_b" has a character not allowed there), so Let's Encrypt ignores it, and malformed.example.org. CAA 0 issue "pki.goog;a-b=1" does not parse (parameter tag "a-b" has a character not allowed there), so Let's Encrypt ignores it. ${RETRY} Publish the CAA record malformed.example.org. CAA 0 issue "letsencrypt.org" in place of the one above, or use an issuer whose CA they list.`,
      ],
    },
    { name: 'an RFC 8659 CA allows hyphens in parameter tags', issuer: 'gts-dns', dnsNames: ['malformed.example.org'] },
    {
      name: "denies an issuer domain in another case for Let's Encrypt",
      issuer: 'le-dns',
      dnsNames: ['cased.example.org'],
      violations: [
        `${CERT}: spec.dnsNames[0] "cased.example.org" may not be issued by ${LE_CA}: the CAA records at cased.example.org let a CA issue certificates for it only through their issue records, and none lets this one: cased.example.org. CAA 0 issue "LetsEncrypt.org" names "LetsEncrypt.org", which Let's Encrypt compares with "letsencrypt.org" case-sensitively, and cased.example.org. CAA 0 issue "PKI.goog" names another CA (PKI.goog). ${RETRY} Publish the CAA record cased.example.org. CAA 0 issue "letsencrypt.org", or use an issuer whose CA they list.`,
      ],
    },
    { name: 'an RFC 8659 CA compares the issuer domain ignoring case', issuer: 'gts-dns', dnsNames: ['cased.example.org'] },
    { name: 'allows the account accounturi names', issuer: 'le-42', dnsNames: ['account.example.org'] },
    {
      name: 'denies another account than accounturi names',
      issuer: 'le-43',
      dnsNames: ['account.example.org'],
      violations: [
        `${CERT}: spec.dnsNames[0] "account.example.org" may not be issued by the CA of ClusterIssuer le-43 (CAA identity "letsencrypt.org"): the CAA records at account.example.org let a CA issue certificates for it only through their issue records, and none lets this one: account.example.org. CAA 0 issue "letsencrypt.org;accounturi=https://acme-v02.api.letsencrypt.org/acme/acct/42" names the account https://acme-v02.api.letsencrypt.org/acme/acct/42, but ClusterIssuer le-43 is registered as https://acme-v02.api.letsencrypt.org/acme/acct/43. ${RETRY} Publish the CAA record account.example.org. CAA 0 issue "letsencrypt.org;accounturi=https://acme-v02.api.letsencrypt.org/acme/acct/43" in place of the one above, or use an issuer whose CA they list.`,
      ],
    },
    {
      name: 'an issuer not registered yet cannot be checked against accounturi (onLookupError: allow)',
      issuer: 'le-dns',
      dnsNames: ['account.example.org'],
      warnings: [
        `${CERT}: spec.dnsNames[0] "account.example.org" was not checked for CAA: the CAA record account.example.org. CAA 0 issue "letsencrypt.org;accounturi=https://acme-v02.api.letsencrypt.org/acme/acct/42" lets "letsencrypt.org" issue only for the account https://acme-v02.api.letsencrypt.org/acme/acct/42, and ClusterIssuer le-dns has no registered account yet (status.acme.uri). Unless it registers as https://acme-v02.api.letsencrypt.org/acme/acct/42, the ACME order will fail.`,
      ],
    },
    {
      name: 'an issuer not registered yet cannot be checked against accounturi (onLookupError: deny)',
      issuer: 'le-dns',
      dnsNames: ['account.example.org'],
      settings: { onLookupError: 'deny' },
      violations: [
        `${CERT}: spec.dnsNames[0] "account.example.org" could not be checked for CAA: the CAA record account.example.org. CAA 0 issue "letsencrypt.org;accounturi=https://acme-v02.api.letsencrypt.org/acme/acct/42" lets "letsencrypt.org" issue only for the account https://acme-v02.api.letsencrypt.org/acme/acct/42, and ClusterIssuer le-dns has no registered account yet (status.acme.uri), and certguard denies what it cannot check (onLookupError: deny). Apply it again once ClusterIssuer le-dns is registered, as https://acme-v02.api.letsencrypt.org/acme/acct/42 or with that record changed.`,
      ],
    },
    {
      name: 'a name no solver serves is denied for that, and its CAA not looked up (no order would reach the CA)',
      issuer: 'le-zone',
      dnsNames: ['a.closed.example.org'],
      violations: [
        `${CERT}: spec.dnsNames[0] "a.closed.example.org" matches no solver of ClusterIssuer le-zone: no entry of spec.acme.solvers selects a.closed.example.org for HTTP-01 or DNS-01, so cert-manager creates no challenge for any name of the Certificate and it is not issued (Event "Solver" on its Order). Add a solver whose selector matches a.closed.example.org to the issuer, or remove a.closed.example.org.`,
      ],
      caaAsked: [],
    },
    { name: 'allows validationmethods that include the solver picked (dns-01)', issuer: 'le-dns', dnsNames: ['dns-only.example.org'] },
    {
      name: 'denies validationmethods that exclude the solver picked (http-01)',
      issuer: 'le-http',
      dnsNames: ['dns-only.example.org'],
      violations: [
        `${CERT}: spec.dnsNames[0] "dns-only.example.org" may not be issued by the CA of ClusterIssuer le-http (CAA identity "letsencrypt.org"): the CAA records at dns-only.example.org let a CA issue certificates for it only through their issue records, and none lets this one: dns-only.example.org. CAA 0 issue "letsencrypt.org;validationmethods=dns-01" allows only dns-01 (validationmethods), but the solver for this name is http-01. ${RETRY} Publish the CAA record dns-only.example.org. CAA 0 issue "letsencrypt.org;validationmethods=http-01" in place of the one above, or use an issuer whose CA they list.`,
      ],
    },
    {
      name: 'a top-level domain that does not exist cannot be checked (Boulder: a DNS error)',
      issuer: 'le-dns',
      dnsNames: ['app.gonetld'],
      warnings: [
        `${CERT}: spec.dnsNames[0] "app.gonetld" was not checked for CAA: the top-level domain gonetld does not exist in DNS (NXDOMAIN) (resolvers: 192.0.2.53). Make sure no CAA record of app.gonetld or its parent domains forbids "letsencrypt.org", or the ACME order will fail.`,
      ],
    },
  ];
  for (const row of rows) {
    const { result, resolver } = await runCase({
      name: row.name,
      request: create(certificate({ dnsNames: row.dnsNames, issuer: row.issuer })),
      settings: row.settings,
      objects: CAA_ISSUERS,
    });
    t.same(result.violations, row.violations ?? [], `${row.name}: violations`);
    t.same(result.warnings, row.warnings ?? [], `${row.name}: warnings`);
    if (row.caaAsked) t.same(resolver.caaAsked, row.caaAsked, `${row.name}: CAA names asked`);
  }
});
