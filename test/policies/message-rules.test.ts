// Every message template of every policy, rendered with sample facts, follows the message rules
// (test/helpers/message-rules.ts); so does every message stated in a policy's fixtures/expected.yaml.
// A new export in a messages.ts fails this test until it is rendered here (or named a fragment).
import t from 'tap';
import type { CertRef, Listener, ListenerOwner } from '../../src/kube/gateway.ts';
import * as acme from '../../src/policies/acme-solver-cap/messages.ts';
import type { Target } from '../../src/policies/certificate-dns/addresses.ts';
import * as dns from '../../src/policies/certificate-dns/messages.ts';
import type { JudgedCertificate, JudgedName } from '../../src/policies/certificate-dns/shim.ts';
import * as gateway from '../../src/policies/gateway-listener-tls/messages.ts';
import type { ContentProblem } from '../../src/policies/gateway-listener-tls/secret-content.ts';
import { messageProblems } from '../helpers/message-rules.ts';
import { fixturesOf, policiesWithFixtures } from '../helpers/policy-fixtures.ts';

// ---------------------------------------------------------------- gateway-listener-tls

const ref: CertRef = { group: '', kind: 'Secret', namespace: 'app-prod', name: 'app-tls', written: {} };
const listener: Listener = { index: 2, name: 'websecure-app', protocol: 'HTTPS', hostname: 'app.example.com', terminatesTls: true };
const owners: ListenerOwner[] = [
  { kind: 'Gateway', namespace: 'traefik', name: 'traefik-gateway' },
  { kind: 'ListenerSet', namespace: 'apps', name: 'shop', parent: { namespace: 'traefik', name: 'traefik-gateway' } },
  { kind: 'ListenerSet', namespace: 'apps', name: 'shop' },
];
const sites: gateway.Site[] = owners.flatMap((owner) => [
  { owner, listener, refIndex: 0, ref },
  { owner, listener: { ...listener, hostname: undefined }, refIndex: 1, ref: { ...ref, group: 'cert-manager.io', kind: 'Certificate' } },
]);
const problems: ContentProblem[] = [
  { code: 'wrong-type', type: 'Opaque' },
  { code: 'missing-keys', keys: ['tls.crt', 'tls.key'] },
  { code: 'bad-certificate' },
  { code: 'bad-key' },
  { code: 'key-mismatch' },
  { code: 'expired', notAfter: new Date('2021-01-01T00:00:00Z') },
];

const gatewayMessages = (): string[] =>
  sites.flatMap((site) => [
    gateway.missingSecret(site),
    gateway.notPermitted(site),
    gateway.unsupportedKind(site),
    ...problems.map((problem) => gateway.unusableSecret(site, problem)),
    gateway.alreadyBroken(gateway.missingSecret(site)),
    gateway.placeholderCreated(site, ['app.example.com', 'www.example.com'], new Date('2027-01-08T00:00:00Z')),
    gateway.placeholderCreated(site, [], new Date('2027-01-08T00:00:00Z')),
    gateway.wouldCreatePlaceholder(site),
    gateway.placeholderFailed(site, 'secrets is forbidden: exceeded quota'),
    gateway.placeholderFailed(site, gateway.REASON_SLOT),
  ]);

// ---------------------------------------------------------------- certificate-dns

const certificates: JudgedCertificate[] = ['Certificate app/web-tls', 'Ingress app/web (ingress-shim Certificate web-tls)', 'Gateway app/gw (gateway-shim Certificate web-tls)'].map((subject) => ({
  subject,
  namespace: 'app',
  labels: {},
  annotations: {},
  issuerRef: { name: 'letsencrypt-prod', kind: 'ClusterIssuer', group: 'cert-manager.io' },
  issuerField: 'spec.issuerRef',
  names: [],
}));
const name: JudgedName = { value: 'pay.example.com', field: 'spec.dnsNames[0]', isIp: false };
const ip: JudgedName = { value: '198.51.100.9', field: 'spec.ipAddresses[0]', isIp: true };
const wildcard: JudgedName = { value: '*.example.com', field: 'spec.dnsNames[1]', isIp: false };
const targets: Target[] = [
  { value: '203.0.113.10', isIp: true, source: 'gateway traefik/traefik-gateway' },
  { value: 'lb.example.net', isIp: false, source: 'config ingress.hostnames' },
];
const results = [
  { addresses: ['198.51.100.7'], cnames: [] },
  { addresses: ['198.51.100.8'], cnames: ['cdn.example.org', 'edge.example.org'] },
  { error: 'NXDOMAIN' as const, cnames: [] },
  { error: 'NODATA' as const, cnames: ['gone.example.net'] },
];
const lookupProblems = [
  dns.describeLookupProblem('pay.example.com', { error: 'TIMEOUT', cnames: [] }, 2000),
  dns.describeLookupProblem('pay.example.com', { error: 'SERVFAIL', cnames: [] }, 2000),
  dns.describeLookupProblem('pay.example.com', { error: 'SERVFAIL', cnames: [], detail: 'EREFUSED' }, 2000),
];

const dnsMessages = (): string[] =>
  certificates.flatMap((certificate) => [
    ...results.map((result) => dns.notPointingAtIngress(certificate, name, result, targets)),
    dns.ipNotIngress(certificate, ip, targets),
    dns.wildcardOverHttp01(certificate, wildcard, dns.issuerName('ClusterIssuer', 'app', 'letsencrypt-prod'), 0),
    ...lookupProblems.map((problem) => dns.lookupFailedDenied(certificate, name, problem, '192.0.2.53', targets)),
    ...lookupProblems.map((problem) => dns.lookupFailedAllowed(certificate, name, problem, 'the system resolvers', targets)),
    dns.ingressUnknown(certificate, dns.issuerName('Issuer', 'app', 'acme'), 1, ['Gateway traefik/gw has no status.addresses yet']),
    dns.issuerMissing(certificate, dns.issuerName('Issuer', 'app', 'acme')),
    dns.skipped(certificate.subject.split(' (')[0] ?? '', 'DNS moves tonight, ticket 42'),
    dns.skipWithoutReason(certificate.subject.split(' (')[0] ?? ''),
    dns.badNamespaceMode('app', 'certguard.io/certificate-dns-mode', 'enforced', 'enforce'),
  ]);

// ---------------------------------------------------------------- acme-solver-cap

const acmeMessages = (): string[] =>
  [
    { kind: 'HTTPRoute', plural: 'httproutes' },
    { kind: 'Ingress', plural: 'ingresses' },
  ].flatMap((solver) => [
    ...[0, 3].flatMap((unowned) =>
      [true, false].flatMap((capFromAnnotation) =>
        ['web-tls-1-2966306345', undefined].map((challenge) =>
          acme.namespaceCapReached({ ...solver, namespace: 'team-a', count: 25, unowned, cap: 25, capFromAnnotation, annotation: 'certguard.io/max-solver-routes', challenge }),
        ),
      ),
    ),
    acme.clusterCapReached({ ...solver, count: 200, unowned: 0, cap: 200, top: [['team-a', 150], ['team-b', 50]] }),
    acme.clusterCapReached({ ...solver, count: 200, unowned: 1, cap: 200, top: [] }),
    acme.unownedSolvers({ ...solver, namespace: 'team-a', unowned: 1 }),
    acme.unownedSolvers({ ...solver, namespace: 'team-a', unowned: 2 }),
    acme.notOwnedByChallenge(solver),
    acme.invalidAnnotation({ namespace: 'team-a', annotation: 'certguard.io/max-solver-routes', value: 'ten', fallback: 25 }),
  ]);

/** Exports of each messages.ts that are not whole messages (parts, constants, types at runtime). */
const FRAGMENTS: Record<string, string[]> = {
  'gateway-listener-tls': ['where', 'refOf', 'consequence', 'REASON_SLOT'],
  'certificate-dns': ['SKIP_ANNOTATION', 'SKIPPED_AUDIT_KEY', 'describeTargets', 'describeResolution', 'issuerName', 'describeLookupProblem'],
  'acme-solver-cap': [],
};

const RENDERED: Record<string, { module: object; render: () => string[]; functions: string[] }> = {
  'gateway-listener-tls': {
    module: gateway,
    render: gatewayMessages,
    functions: ['missingSecret', 'notPermitted', 'unsupportedKind', 'unusableSecret', 'alreadyBroken', 'placeholderCreated', 'wouldCreatePlaceholder', 'placeholderFailed'],
  },
  'certificate-dns': {
    module: dns,
    render: dnsMessages,
    functions: ['notPointingAtIngress', 'ipNotIngress', 'wildcardOverHttp01', 'lookupFailedDenied', 'lookupFailedAllowed', 'ingressUnknown', 'issuerMissing', 'skipped', 'skipWithoutReason', 'badNamespaceMode'],
  },
  'acme-solver-cap': {
    module: acme,
    render: acmeMessages,
    functions: ['namespaceCapReached', 'clusterCapReached', 'unownedSolvers', 'notOwnedByChallenge', 'invalidAnnotation'],
  },
};

for (const [policy, { module, render, functions }] of Object.entries(RENDERED)) {
  t.test(`${policy}: every message follows the rules`, async (t) => {
    t.same(Object.keys(module).sort(), [...functions, ...(FRAGMENTS[policy] ?? [])].sort(), 'every export of messages.ts is rendered here or named a fragment');
    for (const message of render()) t.same(messageProblems(message), [], message);
  });
}

t.test('every message in the fixtures\' expected.yaml follows the rules', async (t) => {
  for (const policy of policiesWithFixtures()) {
    for (const fixture of fixturesOf(policy)) {
      for (const message of fixture.expected.flatMap((verdict) => [...verdict.violations, ...verdict.warnings])) {
        t.same(messageProblems(message), [], `${policy}/${fixture.name}: ${message.slice(0, 80)}`);
      }
    }
  }
});

t.test('the rules themselves', async (t) => {
  t.same(messageProblems('spec.listeners[0] "a": fine'), []);
  t.same(messageProblems('Certificate app/web-tls: fine'), []);
  t.same(messageProblems('Namespace typo: annotation x is wrong'), ['does not start with a lowercase letter or an object reference "<Kind> <namespace>/<name>"']);
  t.same(messageProblems('a; b'), ['contains "; " (the separator between violations)']);
  t.same(messageProblems('a\nb'), ['more than one line']);
});
