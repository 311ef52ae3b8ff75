// certificate-dns against a real DNS server: dnsmasq on a loopback port serves the zone, the
// policy asks it through the real resolver. The table tests beside the policy use a fake one.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parse } from 'yaml';
import type { KubeObject } from '../../src/kube/object.ts';
import { ManifestView } from '../../src/cluster/manifest-view.ts';
import { createNameResolver } from '../../src/dns/resolver.ts';
import { createCertificateDnsPolicy } from '../../src/policies/certificate-dns/policy.ts';
import { defaultCertificateDnsSettings, resolverOptionsFrom, type CertificateDnsSettings } from '../../src/policies/certificate-dns/settings.ts';
import { withoutDeadline, type PolicyRequest } from '../../src/policies/types.ts';
import { startDnsmasq, startSilentServer, type DnsRecord } from './dnsmasq.ts';

const FIXTURES = join(import.meta.dirname, '../../src/policies/certificate-dns/fixtures');

const dns = await startDnsmasq([
  ...(parse(readFileSync(join(FIXTURES, 'dns.yaml'), 'utf8')) as DnsRecord[]),
  { name: 'ok.example.net', a: ['203.0.113.10'] },
  { name: 'wrong.example.net', a: ['198.51.100.7'] },
  { name: 'alias.example.net', cname: 'edge.example.net' },
  { name: 'edge.example.net', cname: 'lb.example.net' },
  { name: 'v6.example.org', aaaa: ['2001:db8::99'] },
  // CAA (RFC 8659), for an ACME issuer of Let's Encrypt with a DNS-01 solver (no HTTP-01 lookups).
  { name: 'caa-le.example.net', caa: [{ tag: 'issue', value: 'letsencrypt.org' }] },
  { name: 'caa-gts.example.net', caa: [{ tag: 'issue', value: 'pki.goog' }] },
  {
    name: 'wild.example.net',
    caa: [
      { tag: 'issue', value: 'letsencrypt.org' },
      { tag: 'issuewild', value: ';' },
    ],
  },
  {
    name: 'closed.example.net',
    caa: [
      { tag: 'issue', value: ';' },
      { tag: 'iodef', value: 'mailto:security@example.net' },
    ],
  },
  { name: 'alias-caa.example.org', cname: 'caa-gts.example.net' },
  // Legal, but node's own CAA resolver rejects the whole answer (test/dns/resolver.test.ts).
  {
    name: 'empty-issue.example.net',
    caa: [
      { tag: 'issue', value: '' },
      { tag: 'issue', value: 'letsencrypt.org' },
    ],
  },
  { name: 'empty-only.example.net', caa: [{ tag: 'issue', value: '' }] },
]);
t.teardown(() => dns.stop());

const settingsWith = (overrides: Partial<CertificateDnsSettings> = {}): CertificateDnsSettings => ({
  ...defaultCertificateDnsSettings(),
  resolvers: [dns.address],
  ...overrides,
});

const policyWith = (settings: CertificateDnsSettings) => createCertificateDnsPolicy(settings, { resolver: createNameResolver(resolverOptionsFrom(settings)) });

const CLUSTER: KubeObject[] = [
  {
    apiVersion: 'cert-manager.io/v1',
    kind: 'ClusterIssuer',
    metadata: { name: 'letsencrypt-prod' },
    spec: { acme: { solvers: [{ http01: { gatewayHTTPRoute: { parentRefs: [{ name: 'traefik-gateway', namespace: 'traefik' }] } } }] } },
  },
  {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'traefik-gateway', namespace: 'traefik' },
    spec: { gatewayClassName: 'traefik', listeners: [{ name: 'web', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } }] },
    status: {
      addresses: [
        { type: 'IPAddress', value: '203.0.113.10' },
        { type: 'Hostname', value: 'lb.example.net' },
      ],
    },
  },
];

const create = (dnsNames: string[], name = 'app-prod-tls'): PolicyRequest => ({
  operation: 'CREATE',
  kind: { group: 'cert-manager.io', version: 'v1', kind: 'Certificate' },
  namespace: 'app-production',
  name,
  object: {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: { name, namespace: 'app-production' },
    spec: { secretName: name, dnsNames, issuerRef: { name: 'letsencrypt-prod', kind: 'ClusterIssuer' } },
  },
  dryRun: false,
});

const NEVER = 'the ACME server would never reach the solver and cert-manager would retry forever';
const INGRESS = 'the ingress 203.0.113.10, lb.example.net (gateway traefik/traefik-gateway)';
const FIX = 'first, or use a DNS-01 solver.';

t.test('judges names served by a real DNS server', async (t) => {
  const policy = policyWith(settingsWith());
  const view = new ManifestView(CLUSTER);
  const cases = [
    { name: 'allows a name with an A record at the ingress', dnsNames: ['ok.example.net'], violations: [] },
    { name: 'allows a CNAME chain that reaches the ingress hostname', dnsNames: ['alias.example.net'], violations: [] },
    {
      name: 'denies a name at another address',
      dnsNames: ['wrong.example.net'],
      violations: [
        `Certificate app-production/app-prod-tls: spec.dnsNames[0] "wrong.example.net" resolves to 198.51.100.7, but HTTP-01 challenges arrive at ${INGRESS}, so ${NEVER}. Point wrong.example.net at 203.0.113.10 or lb.example.net ${FIX}`,
      ],
    },
    {
      name: 'denies a name that does not exist',
      dnsNames: ['pay.example.org'],
      violations: [
        `Certificate app-production/app-prod-tls: spec.dnsNames[0] "pay.example.org" does not exist in DNS (NXDOMAIN), but HTTP-01 challenges arrive at ${INGRESS}, so ${NEVER}. Point pay.example.org at 203.0.113.10 or lb.example.net ${FIX}`,
      ],
    },
    {
      name: 'denies a CNAME chain that ends elsewhere',
      dnsNames: ['shop.example.com'],
      violations: [
        `Certificate app-production/app-prod-tls: spec.dnsNames[0] "shop.example.com" is a CNAME to cdn.example.org, which resolves to 198.51.100.8, but HTTP-01 challenges arrive at ${INGRESS}, so ${NEVER}. Point shop.example.com at 203.0.113.10 or lb.example.net ${FIX}`,
      ],
    },
    {
      name: 'denies an AAAA-only name elsewhere',
      dnsNames: ['v6.example.org'],
      violations: [
        `Certificate app-production/app-prod-tls: spec.dnsNames[0] "v6.example.org" resolves to 2001:db8::99, but HTTP-01 challenges arrive at ${INGRESS}, so ${NEVER}. Point v6.example.org at 203.0.113.10 or lb.example.net ${FIX}`,
      ],
    },
  ];
  for (const c of cases) {
    const result = await policy.check(create(c.dnsNames), view, withoutDeadline());
    t.same(result.violations, c.violations, c.name);
    t.same(result.warnings, [], `${c.name}: no warnings`);
  }
});

t.test('allows an AAAA-only name at an IPv6 ingress address', async (t) => {
  const policy = policyWith(settingsWith({ ingress: { addresses: ['2001:db8::10'], hostnames: [], services: [] } }));
  const result = await policy.check(create(['v6.example.com']), new ManifestView(CLUSTER), withoutDeadline());
  t.same(result, { violations: [], warnings: [] });
});

t.test('a second review of the same names makes no new query', async (t) => {
  const policy = policyWith(settingsWith());
  const view = new ManifestView(CLUSTER);
  const names = ['ok.example.net', 'wrong.example.net', 'alias.example.net', 'missing.example.com'];
  const before = await dns.queryCount();
  const first = await policy.check(create(names), view, withoutDeadline());
  const queries = await dns.queryCount();
  t.ok(queries > before, 'the first review asked the server');
  const second = await policy.check(create(names, 'other-tls'), view, withoutDeadline());
  t.equal(await dns.queryCount(), queries, 'the server saw no new query');
  t.equal(second.violations.length, first.violations.length, 'the same verdict from the cache');
  t.equal(second.violations.length, 2);
});

t.test('a server that never answers: the review ends at its deadline with the lookup-error outcome', async (t) => {
  const silent = await startSilentServer();
  t.teardown(() => silent.close());
  const view = new ManifestView(CLUSTER);
  // The per-query timeout is far longer than the review deadline: only the deadline can end it.
  const resolverFor = (settings: CertificateDnsSettings) => createNameResolver({ ...resolverOptionsFrom(settings), timeoutMs: 10_000 });
  const GUARD_MS = 5000;
  const withinGuard = <T>(pending: Promise<T>) =>
    Promise.race([pending, new Promise<'guard'>((resolve) => setTimeout(() => resolve('guard'), GUARD_MS).unref())]);

  await t.test('allow (default): a warning', async (t) => {
    const settings = settingsWith({ resolvers: [silent.address], lookupTimeoutMs: 300 });
    const policy = createCertificateDnsPolicy(settings, { resolver: resolverFor(settings) });
    const result = await withinGuard(policy.check(create(['ok.example.net']), view, withoutDeadline()));
    t.not(result, 'guard', `answered before the ${GUARD_MS} ms guard`);
    t.same(result, {
      violations: [],
      warnings: [
        `Certificate app-production/app-prod-tls: spec.dnsNames[0] "ok.example.net" was not checked: no DNS answer for ok.example.net within 300 ms (resolvers: ${silent.address}). Make sure ok.example.net points at 203.0.113.10 or lb.example.net before cert-manager starts HTTP-01, or it will retry forever.`,
      ],
    });
    t.ok(silent.received() > 0, 'the queries reached the silent server');
  });

  await t.test('deny: a violation', async (t) => {
    const settings = settingsWith({ resolvers: [silent.address], lookupTimeoutMs: 300, onLookupError: 'deny' });
    const policy = createCertificateDnsPolicy(settings, { resolver: resolverFor(settings) });
    const result = await withinGuard(policy.check(create(['ok.example.net']), view, withoutDeadline()));
    t.not(result, 'guard');
    t.same(result, {
      violations: [
        `Certificate app-production/app-prod-tls: spec.dnsNames[0] "ok.example.net" could not be checked: no DNS answer for ok.example.net within 300 ms (resolvers: ${silent.address}), and certguard denies what it cannot check (onLookupError: deny). Try again, or make sure ok.example.net points at 203.0.113.10 or lb.example.net and ask an admin about certguard's resolvers.`,
      ],
      warnings: [],
    });
  });
});

t.test('CAA served by a real DNS server', async (t) => {
  const issuer: KubeObject = {
    apiVersion: 'cert-manager.io/v1',
    kind: 'ClusterIssuer',
    metadata: { name: 'letsencrypt-dns' },
    spec: { acme: { server: 'https://acme-v02.api.letsencrypt.org/directory', solvers: [{ dns01: { cloudflare: {} } }] } },
  };
  const view = new ManifestView([...CLUSTER, issuer]);
  const policy = policyWith(settingsWith());
  const request = (dnsNames: string[]): PolicyRequest => {
    const base = create(dnsNames);
    const object = base.object as KubeObject;
    return { ...base, object: { ...object, spec: { ...(object.spec as object), issuerRef: { name: 'letsencrypt-dns', kind: 'ClusterIssuer' } } } };
  };
  const SUBJECT = 'Certificate app-production/app-prod-tls';
  const CA = 'the CA of ClusterIssuer letsencrypt-dns (CAA identity "letsencrypt.org")';
  const RETRY = 'The ACME order would fail its CAA check and cert-manager would retry it.';
  const ONLY = 'let a CA issue certificates for it only through their issue records, and none lets this one';
  const cases = [
    { name: 'allows a name whose issue lists the CA', dnsNames: ['caa-le.example.net'], violations: [] },
    { name: 'allows a name without any CAA up the tree', dnsNames: ['ok.example.net'], violations: [] },
    {
      name: 'denies a name whose issue lists another CA',
      dnsNames: ['caa-gts.example.net'],
      violations: [
        `${SUBJECT}: spec.dnsNames[0] "caa-gts.example.net" may not be issued by ${CA}: the CAA records at caa-gts.example.net ${ONLY}: caa-gts.example.net. CAA 0 issue "pki.goog" names another CA (pki.goog). ${RETRY} Publish the CAA record caa-gts.example.net. CAA 0 issue "letsencrypt.org", or use an issuer whose CA they list.`,
      ],
    },
    {
      name: 'issuewild ";" denies the wildcard, issue allows the base name',
      dnsNames: ['wild.example.net', '*.wild.example.net'],
      violations: [
        `${SUBJECT}: spec.dnsNames[1] "*.wild.example.net" may not be issued by ${CA}: the CAA records at wild.example.net let a CA issue wildcard certificates for it only through their issuewild records, and none lets this one: wild.example.net. CAA 0 issuewild ";" forbids every CA. ${RETRY} Publish the CAA record wild.example.net. CAA 0 issuewild "letsencrypt.org", or use an issuer whose CA they list.`,
      ],
    },
    {
      name: 'an empty issue ";" inherited from the parent denies',
      dnsNames: ['app.closed.example.net'],
      violations: [
        `${SUBJECT}: spec.dnsNames[0] "app.closed.example.net" may not be issued by ${CA}: the CAA records at closed.example.net ${ONLY}: closed.example.net. CAA 0 issue ";" forbids every CA. ${RETRY} Publish the CAA record closed.example.net. CAA 0 issue "letsencrypt.org", or use an issuer whose CA they list.`,
      ],
    },
    {
      name: "a CNAME carries its target's CAA set",
      dnsNames: ['alias-caa.example.org'],
      violations: [
        `${SUBJECT}: spec.dnsNames[0] "alias-caa.example.org" may not be issued by ${CA}: the CAA records at alias-caa.example.org ${ONLY}: alias-caa.example.org. CAA 0 issue "pki.goog" names another CA (pki.goog). ${RETRY} Publish the CAA record alias-caa.example.org. CAA 0 issue "letsencrypt.org", or use an issuer whose CA they list.`,
      ],
    },
    { name: 'an empty issue value next to one that lists the CA allows (the set parses)', dnsNames: ['empty-issue.example.net'], violations: [] },
    {
      name: 'an empty issue value alone forbids every CA',
      dnsNames: ['empty-only.example.net'],
      violations: [
        `${SUBJECT}: spec.dnsNames[0] "empty-only.example.net" may not be issued by ${CA}: the CAA records at empty-only.example.net ${ONLY}: empty-only.example.net. CAA 0 issue "" forbids every CA. ${RETRY} Publish the CAA record empty-only.example.net. CAA 0 issue "letsencrypt.org", or use an issuer whose CA they list.`,
      ],
    },
  ];
  for (const c of cases) {
    const result = await policy.check(request(c.dnsNames), view, withoutDeadline());
    t.same(result.violations, c.violations, c.name);
    t.same(result.warnings, [], `${c.name}: no warnings`);
  }
  const before = await dns.queryCount();
  await policy.check(request(['app.closed.example.net']), view, withoutDeadline());
  t.equal(await dns.queryCount(), before, 'a second review is answered from the cache');
});
