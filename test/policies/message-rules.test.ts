// Every message template of every policy, rendered with sample facts, follows the message rules
// (test/helpers/message-rules.ts); so does every message stated in a policy's fixtures/expected.yaml.
// A new export in a messages.ts fails this test until it is rendered here (or named a fragment).
import t from 'tap';
import type { CertRef, Listener, ListenerOwner } from '../../src/kube/gateway.ts';
import { notAllowed } from '../../src/policies/break-glass.ts';
import * as acme from '../../src/policies/acme-solver-cap/messages.ts';
import type { RecordRefusal } from '../../src/dns/caa.ts';
import type { Target } from '../../src/policies/certificate-dns/addresses.ts';
import type { AllowedListeners } from '../../src/kube/attachment.ts';
import * as dns from '../../src/policies/certificate-dns/messages.ts';
import type { JudgedCertificate, JudgedName } from '../../src/policies/certificate-dns/shim.ts';
import type { RoutePrediction } from '../../src/policies/certificate-dns/route-attachment.ts';
import type { Exclusion } from '../../src/kube/attachment.ts';
import * as attachment from '../../src/policies/gateway-listener-tls/attachment-messages.ts';
import * as issuable from '../../src/policies/certificate-issuable/messages.ts';
import type { Filler, Issuance, Route } from '../../src/policies/gateway-listener-tls/issuance.ts';
import * as gateway from '../../src/policies/gateway-listener-tls/messages.ts';
import * as inUse from '../../src/policies/tls-secret-in-use/messages.ts';
import type { ContentProblem } from '../../src/policies/gateway-listener-tls/secret-content.ts';
import type { CaBundleProblem } from '../../src/policies/gateway-listener-tls/ca-bundle.ts';
import { messageProblems } from '../helpers/message-rules.ts';
import { fixturesOf, policiesWithFixtures } from '../helpers/policy-fixtures.ts';

// ---------------------------------------------------------------- gateway-listener-tls

const ref: CertRef = { group: '', kind: 'Secret', namespace: 'app-prod', name: 'app-tls', written: {} };
const listener: Listener = {
  index: 2,
  name: 'websecure-app',
  protocol: 'HTTPS',
  hostname: 'app.example.com',
  allowedRoutes: { from: 'Same', kinds: [] },
  terminatesTls: true,
};
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
  { code: 'not-yet-valid', notBefore: new Date('2030-01-01T00:00:00Z') },
  { code: 'weak-rsa-key', bits: 1024 },
];

const filler = (source: Filler['source'], reusesKey: boolean): Filler => ({
  source,
  namespace: 'app-prod',
  name: 'app-tls',
  issuerRef: { name: 'letsencrypt-prod', kind: 'ClusterIssuer', group: 'cert-manager.io' },
  dnsNames: ['app.example.com'],
  key: { algorithm: 'ECDSA', size: 256 },
  reusesKey,
});
const routes: Route[] = [
  { code: 'this-gateway', name: 'app.example.com' },
  { code: 'dns-01' },
  { code: 'http-01-elsewhere', parents: ['Gateway other/edge'] },
  { code: 'http-01-unattached', parents: ['Gateway traefik/traefik-gateway'] },
  { code: 'http-01-ingress' },
  { code: 'no-solver' },
  { code: 'not-acme' },
  { code: 'issuer-missing' },
  { code: 'unknown' },
];
const issuances: Issuance[] = [
  { code: 'unmanaged' },
  ...(['certificate', 'gateway-shim', 'listenerset-shim'] as const).flatMap((source) =>
    routes.map((route): Issuance => ({ code: 'managed', filler: filler(source, false), route })),
  ),
];

const gatewayMessages = (): string[] =>
  sites.flatMap((site) => [
    ...issuances.flatMap((issuance) => [gateway.missingSecret(site, issuance), gateway.missingSecret(site, issuance, true)]),
    gateway.notPermitted(site),
    gateway.unsupportedKind(site),
    ...problems.map((problem) => gateway.unusableSecret(site, problem)),
    gateway.alreadyBroken(gateway.missingSecret(site, { code: 'unmanaged' })),
    gateway.placeholderCreated(site, ['app.example.com', 'www.example.com'], new Date('2027-01-08T00:00:00Z')),
    gateway.placeholderCreated(site, ['app.example.com'], new Date('2027-01-08T00:00:00Z'), filler('certificate', true)),
    gateway.placeholderCreated(site, ['app.example.com'], new Date('2027-01-08T00:00:00Z'), filler('gateway-shim', false)),
    gateway.placeholderCreated(site, [], new Date('2027-01-08T00:00:00Z')),
    gateway.wouldCreatePlaceholder(site),
    gateway.placeholderFailed(site, 'secrets is forbidden: exceeded quota'),
    gateway.placeholderFailed(site, gateway.REASON_SLOT),
    gateway.hostnameNotCovered(site, 'a.b.example.com', { code: 'secret', names: { dnsNames: ['*.example.com', 'example.com'] } }),
    gateway.hostnameNotCovered(site, 'legacy.example.com', { code: 'secret', names: { dnsNames: [], commonName: 'legacy.example.com' } }),
    gateway.hostnameNotCovered(site, 'www.example.com', { code: 'certificate', filler: filler('certificate', false) }),
    gateway.hostnameNotCovered(site, 'www.example.com', { code: 'certificate', filler: { ...filler('certificate', false), dnsNames: [] } }),
  ]);

// ---------------------------------------------------------------- certificate-dns

const certificates: JudgedCertificate[] = [
  'Certificate app/web-tls',
  'Ingress app/web (ingress-shim Certificate web-tls)',
  'Gateway app/gw (gateway-shim Certificate web-tls)',
].map((subject) => ({
  subject,
  namespace: 'app',
  name: 'web-tls',
  secretName: 'web-tls',
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

const ca: dns.CaaCa = {
  issuer: 'ClusterIssuer letsencrypt-prod',
  identities: ['letsencrypt.org'],
  rules: 'boulder',
  accountUri: 'https://acme-v02.api.letsencrypt.org/acme/acct/123',
};
const order: dns.CaaOrder = { ca, method: 'http-01' };
const issueRecord = (value: string, flags = 0) => ({ flags, tag: 'issue', value });
const refusals: RecordRefusal[] = [
  { record: issueRecord('pki.goog'), refusal: { kind: 'other-ca', domain: 'pki.goog', caseOnly: false } },
  { record: issueRecord('LetsEncrypt.org'), refusal: { kind: 'other-ca', domain: 'LetsEncrypt.org', caseOnly: true } },
  { record: issueRecord(';'), refusal: { kind: 'no-ca' } },
  { record: issueRecord('letsencrypt.org; a_b=1'), refusal: { kind: 'malformed', detail: 'parameter tag "a_b" has a character not allowed there' } },
  { record: issueRecord('letsencrypt.org; accounturi=x'), refusal: { kind: 'account', named: ['x'] } },
  { record: issueRecord('letsencrypt.org; accounturi=x; accounturi=y'), refusal: { kind: 'account', named: ['x', 'y'] } },
  { record: issueRecord('letsencrypt.org; validationmethods=dns-01'), refusal: { kind: 'methods', named: ['dns-01'], problem: 'excluded' } },
  { record: issueRecord('letsencrypt.org; validationmethods=a b'), refusal: { kind: 'methods', named: ['a b'], problem: 'malformed' } },
  {
    record: issueRecord('letsencrypt.org; validationmethods=dns-01; validationmethods=http-01'),
    refusal: { kind: 'methods', named: ['dns-01', 'http-01'], problem: 'repeated' },
  },
];
const caaProblems = [
  dns.describeCaaProblem('example.com', { error: 'TIMEOUT' }, 2000),
  dns.describeCaaProblem('com', { error: 'NXDOMAIN' }, 2000),
  dns.describeCaaProblem('example.com', { error: 'SERVFAIL' }, 2000),
  dns.describeCaaProblem('example.com', { error: 'SERVFAIL', detail: 'EREFUSED' }, 2000),
];

const webListener: Listener = { index: 0, name: 'web', protocol: 'HTTP', port: 80, allowedRoutes: { from: 'Same', kinds: [] }, terminatesTls: false };
const secureListener: Listener = { ...listener, protocol: 'HTTPS', port: 443 };
const judgedParent = { ref: { name: 'gw' }, parent: 'Gateway traefik/gw', code: 'judged' as const, namespace: 'traefik', name: 'gw', kind: 'Gateway' };
const exclusions: [Exclusion, string][] = [
  ['namespace', 'allowedRoutes.namespaces.from "Same", which admits namespace "traefik" only'],
  ['sectionName', 'not the parentRef\'s sectionName "websecure"'],
  ['port', "port 80 is not the parentRef's port 8080"],
  ['kind', 'allowedRoutes.kinds (GRPCRoute) does not list HTTPRoute'],
  ['hostname', 'hostname "api.example.com" does not intersect "pay.example.com"'],
];
const predictions: RoutePrediction[] = [
  ...exclusions.map(([excludedBy, why]): RoutePrediction => ({ parents: [{ ...judgedParent, verdicts: [{ listener: webListener, excludedBy, why }] }] })),
  { parents: [{ ...judgedParent, verdicts: [] }] },
  {
    parents: [
      {
        ...judgedParent,
        kind: 'ListenerSet',
        parent: 'ListenerSet app/ls',
        verdicts: [{ listener: webListener }],
        refused: 'its parent Gateway traefik/gw does not attach it',
      },
    ],
  },
];

const dnsMessages = (): string[] =>
  certificates.flatMap((certificate) => [
    ...results.map((result) => dns.notPointingAtIngress(certificate, name, result, targets)),
    dns.ipNotIngress(certificate, ip, targets),
    dns.wildcardOverHttp01(certificate, wildcard, '*.example.com', dns.issuerName('ClusterIssuer', 'app', 'letsencrypt-prod'), 0),
    dns.noSolver(certificate, name, 'pay.example.com', dns.issuerName('ClusterIssuer', 'app', 'letsencrypt-prod'), ['http-01', 'dns-01']),
    dns.noSolver(certificate, ip, '198.51.100.9', dns.issuerName('Issuer', 'app', 'acme'), ['http-01']),
    ...(['issue', 'issuewild'] as const).flatMap((property) => [
      ...refusals.map((refusal) => dns.caaForbids(certificate, name, order, 'example.com', property, [refusal])),
      dns.caaForbids(certificate, wildcard, order, 'example.com', property, refusals),
    ]),
    dns.caaCritical(certificate, name, ca, 'example.com', { flags: 128, tag: 'tbs', value: 'x' }),
    dns.caaCritical(certificate, name, ca, 'example.com', { flags: 1, tag: 'tbs', value: 'x' }),
    dns.caaAccountUnknownDenied(certificate, name, ca, 'example.com', issueRecord('letsencrypt.org; accounturi=x'), 'x'),
    dns.caaAccountUnknownAllowed(certificate, name, ca, 'example.com', issueRecord('letsencrypt.org; accounturi=x'), 'x'),
    ...caaProblems.map((problem) => dns.caaLookupFailedDenied(certificate, name, problem, '192.0.2.53')),
    ...caaProblems.map((problem) => dns.caaLookupFailedAllowed(certificate, name, problem, '192.0.2.53', ca)),
    ...lookupProblems.map((problem) => dns.lookupFailedDenied(certificate, name, problem, '192.0.2.53', targets)),
    ...lookupProblems.map((problem) => dns.lookupFailedAllowed(certificate, name, problem, 'the system resolvers', targets)),
    dns.ingressUnknown(certificate, dns.issuerName('Issuer', 'app', 'acme'), 1, ['Gateway traefik/gw has no status.addresses yet']),
    dns.issuerMissing(certificate, dns.issuerName('Issuer', 'app', 'acme')),
    dns.skipped(certificate.subject.split(' (')[0] ?? '', 'DNS moves tonight, ticket 42'),
    dns.skipWithoutReason(certificate.subject.split(' (')[0] ?? ''),
    dns.badNamespaceMode('app', 'certguard.io/certificate-dns-mode', 'enforced', 'enforce'),
    ...predictions.map((prediction) => dns.routeUnattached(certificate, name, 'pay.example.com', 'ClusterIssuer letsencrypt-prod', 0, prediction)),
    dns.routeTlsOnly(certificate, name, 'ClusterIssuer letsencrypt-prod', 0, {
      parents: [
        {
          ...judgedParent,
          verdicts: [{ listener: webListener, excludedBy: 'sectionName', why: 'not the parentRef\'s sectionName "websecure"' }, { listener: secureListener }],
        },
      ],
    }),
  ]);

// ---------------------------------------------------------------- acme-solver-cap

const acmeMessages = (): string[] =>
  [
    { kind: 'HTTPRoute', plural: 'httproutes' },
    { kind: 'Ingress', plural: 'ingresses' },
  ].flatMap((solver) => [
    ...[true, false].flatMap((capFromAnnotation) =>
      ['web-tls-1-2966306345', undefined].map((challenge) =>
        acme.namespaceCapReached({ ...solver, namespace: 'team-a', cap: 25, capFromAnnotation, annotation: 'certguard.io/max-solver-routes', challenge }),
      ),
    ),
    acme.namespaceCapReached({
      ...solver,
      namespace: 'team-a',
      cap: 1,
      capFromAnnotation: false,
      annotation: 'certguard.io/max-solver-routes',
      challenge: undefined,
    }),
    acme.clusterCapReached({ ...solver, cap: 200 }),
    acme.unownedSolvers({ ...solver, namespace: 'team-a', unowned: 1 }),
    acme.unownedSolvers({ ...solver, namespace: 'team-a', unowned: 2 }),
    acme.notOwnedByChallenge(solver),
    acme.invalidAnnotation({ namespace: 'team-a', annotation: 'certguard.io/max-solver-routes', value: 'ten', fallback: 25 }),
  ]);

// ---------------------------------------------------------------- certificate-issuable

const issuableMessages = (): string[] =>
  ['Certificate app/web-tls', 'Gateway app/gw (gateway-shim Certificate web-tls)'].flatMap((subject) => [
    issuable.secretNameTaken(subject, 'web-tls', ['Certificate app/web-tls-v1']),
    issuable.secretNameTaken(subject, 'web-tls', ['Certificate app/a', 'Gateway app/gw (gateway-shim Certificate web-tls)']),
    issuable.secretNameTakenKept(subject, 'web-tls', ['Certificate app/web-tls-v1']),
    issuable.tooManyIdentifiers(subject, 'ClusterIssuer letsencrypt-prod', { dnsNames: 99, ipAddresses: 1, uris: 1, emailAddresses: 0 }, 100),
    issuable.commonNameTooLong(subject, 'spec.commonName', 'a'.repeat(65)),
    issuable.duplicateName(subject, 'spec.dnsNames[2]', 'app.example.com', 'spec.dnsNames[0]'),
    issuable.limitKept(issuable.duplicateName(subject, 'spec.dnsNames[2]', 'app.example.com', 'spec.dnsNames[0]')),
    issuable.skipped(subject.split(' (')[0] ?? '', 'migration, ticket 7'),
    issuable.skipWithoutReason(subject.split(' (')[0] ?? ''),
    issuable.badNamespaceMode('app', 'certguard.io/certificate-issuable-mode', 'enforced', 'enforce'),
    issuable.listenerNotCovered(subject, 'app/web-tls', 'Gateway traefik/web listener "https"', 'a.b.example.com', ['*.example.com']),
  ]);

// ---------------------------------------------------------------- tls-secret-in-use

const uses: inUse.SecretName[] = [
  { namespace: 'traefik', name: 'app-tls' },
  { kind: 'ConfigMap', namespace: 'traefik', name: 'client-ca' },
];
const listenerUses = [
  { owner: { kind: 'Gateway' as const, namespace: 'traefik', name: 'web' }, listener: { index: 0, name: 'websecure', hostname: 'app.example.com' }, ref },
  { owner: { kind: 'ListenerSet' as const, namespace: 'apps', name: 'shop' }, listener: { index: 1, name: 'shop' }, ref },
];
const caRef = { ...ref, kind: 'ConfigMap', name: 'client-ca' };
const refUses = [
  {
    owner: { kind: 'Gateway' as const, namespace: 'traefik', name: 'web' },
    tlsRef: { purpose: 'client-ca' as const, field: 'spec.tls.frontend.default.validation.caCertificateRefs[0]', scope: 'default', ref: caRef },
  },
  {
    owner: { kind: 'BackendTLSPolicy' as const, namespace: 'traefik', name: 'api' },
    tlsRef: { purpose: 'backend-ca' as const, field: 'spec.validation.caCertificateRefs[0]', scope: 'validation', ref: caRef },
  },
];
const useSets: inUse.Uses[] = [
  { listeners: listenerUses.slice(0, 1), refs: [] },
  { listeners: listenerUses, refs: [] },
  { listeners: [], refs: refUses.slice(0, 1) },
  { listeners: listenerUses, refs: refUses },
];
const caProblems: CaBundleProblem[] = [
  { code: 'missing-key' },
  { code: 'no-certificate' },
  { code: 'bad-certificate', index: 1 },
  { code: 'no-ca', certificates: 2 },
  { code: 'expired', notAfter: new Date('2025-01-01T00:00:00Z') },
  { code: 'not-yet-valid', notBefore: new Date('2125-01-01T00:00:00Z') },
];
const unusables = [...problems.map(inUse.unusableCertificate), ...caProblems.flatMap((problem) => refUses.map((use) => inUse.unusableCaBundle(problem, use)))];
const inUseMessages = (): string[] =>
  uses.flatMap((secret) => [
    ...useSets.flatMap((set, index) => [inUse.inUse(secret, set, index % 2 === 1), inUse.deletedAnyway(secret, set, 'moved to app-tls-2')]),
    inUse.allowDeleteWithoutReason(inUse.describeSecret(secret)),
    inUse.notSynced(secret, ['gateways']),
    inUse.notSynced(secret, ['gateways', 'listenersets']),
    inUse.notSynced(secret, ['gateways'], 'update'),
    ...unusables.flatMap((unusable) =>
      useSets.flatMap((set, index) => [
        inUse.unusableUpdate(secret, set, unusable, index % 2 === 0),
        inUse.stillUnusable(secret, set, unusable),
        inUse.updatedAnyway(secret, set, unusable, 'new key follows'),
      ]),
    ),
    inUse.allowUnusableWithoutReason(inUse.describeSecret(secret)),
  ]);

const lsOwner = { kind: 'ListenerSet' as const, namespace: 'team-a', name: 'web' };
const lsParents = [
  { namespace: 'infra', name: 'shared' },
  { namespace: 'team-a', name: 'shared' },
];
const listenerSetRefusals: [AllowedListeners, string][] = [
  [{ from: 'None', written: false }, 'which admits no namespace'],
  [{ from: 'Same', written: true }, 'which admits namespace "infra" only'],
  [
    { from: 'Selector', written: true, selector: { matchLabels: { team: 'a' } } },
    'whose selector {matchLabels: {team: a}} does not select namespace "team-a" (labels team=b)',
  ],
];
const attachmentMessages = (): string[] =>
  lsParents.flatMap((parent) => [
    ...listenerSetRefusals.flatMap(([allowed, refusal]) => {
      const refused = attachment.listenerSetRefused(lsOwner, parent, allowed, refusal);
      return [refused, attachment.alreadyRefused(refused), attachment.listenerSetDetached(parent, { namespace: 'team-a', name: 'web' }, allowed, refusal)];
    }),
    attachment.parentMissing(lsOwner, parent),
  ]);

/** Exports of each messages.ts that are not whole messages (parts, constants, types at runtime). */
const FRAGMENTS: Record<string, string[]> = {
  'gateway-listener-tls': ['where', 'refOf', 'consequence', 'REASON_SLOT', 'describeProblem'],
  'certificate-dns': [
    'SKIP_ANNOTATION',
    'SKIPPED_AUDIT_KEY',
    'describeTargets',
    'describeResolution',
    'issuerName',
    'describeLookupProblem',
    'describeCaaProblem',
    'describeCaaRecord',
  ],
  'acme-solver-cap': [],
  'certificate-issuable': ['SKIP_ANNOTATION', 'SKIPPED_AUDIT_KEY'],
  'tls-secret-in-use': [
    'ALLOW_DELETE_ANNOTATION',
    'ALLOW_UNUSABLE_ANNOTATION',
    'AUDIT_ALLOWED_BY',
    'AUDIT_LISTENERS',
    'AUDIT_REASON',
    'AUDIT_UNUSABLE_REASON',
    'describeUse',
    'describeRefUse',
    'describeUses',
    'describeSecret',
    'unusableCertificate',
    'unusableCaBundle',
  ],
};

const RENDERED: Record<string, { module: object; render: () => string[]; functions: string[] }> = {
  'gateway-listener-tls': {
    module: gateway,
    render: gatewayMessages,
    functions: [
      'missingSecret',
      'notPermitted',
      'unsupportedKind',
      'unusableSecret',
      'alreadyBroken',
      'placeholderCreated',
      'wouldCreatePlaceholder',
      'placeholderFailed',
      'hostnameNotCovered',
    ],
  },
  'certificate-dns': {
    module: dns,
    render: dnsMessages,
    functions: [
      'notPointingAtIngress',
      'ipNotIngress',
      'wildcardOverHttp01',
      'noSolver',
      'caaForbids',
      'caaCritical',
      'caaAccountUnknownDenied',
      'caaAccountUnknownAllowed',
      'caaLookupFailedDenied',
      'caaLookupFailedAllowed',
      'lookupFailedDenied',
      'lookupFailedAllowed',
      'ingressUnknown',
      'issuerMissing',
      'skipped',
      'skipWithoutReason',
      'badNamespaceMode',
      'routeUnattached',
      'routeTlsOnly',
    ],
  },
  'gateway-listener-tls (ListenerSet attachment)': {
    module: attachment,
    render: attachmentMessages,
    functions: ['listenerSetRefused', 'alreadyRefused', 'parentMissing', 'listenerSetDetached'],
  },
  'acme-solver-cap': {
    module: acme,
    render: acmeMessages,
    functions: ['namespaceCapReached', 'clusterCapReached', 'unownedSolvers', 'notOwnedByChallenge', 'invalidAnnotation'],
  },
  'certificate-issuable': {
    module: issuable,
    render: issuableMessages,
    functions: [
      'secretNameTaken',
      'secretNameTakenKept',
      'tooManyIdentifiers',
      'commonNameTooLong',
      'duplicateName',
      'limitKept',
      'skipped',
      'skipWithoutReason',
      'badNamespaceMode',
      'listenerNotCovered',
    ],
  },
  'tls-secret-in-use': {
    module: inUse,
    render: inUseMessages,
    functions: [
      'inUse',
      'deletedAnyway',
      'allowDeleteWithoutReason',
      'notSynced',
      'unusableUpdate',
      'stillUnusable',
      'updatedAnyway',
      'allowUnusableWithoutReason',
    ],
  },
};

for (const [policy, { module, render, functions }] of Object.entries(RENDERED)) {
  t.test(`${policy}: every message follows the rules`, async (t) => {
    t.same(Object.keys(module).sort(), [...functions, ...(FRAGMENTS[policy] ?? [])].sort(), 'every export of messages.ts is rendered here or named a fragment');
    for (const message of render()) t.same(messageProblems(message), [], message);
  });
}

t.test('break glass: the message for an annotation that does not count follows the rules', async (t) => {
  const spec = { policy: 'certificate-dns', annotation: 'certguard.io/skip-dns-check', skips: 'the DNS check', withoutReason: dns.skipWithoutReason };
  for (const user of [{ username: 'alice' }, undefined]) {
    const message = notAllowed(spec, 'Certificate shop/pay-tls', 'shop', user, 'certguard-break-glass');
    t.same(messageProblems(message), [], message);
  }
});

t.test("every message in the fixtures' expected.yaml follows the rules", async (t) => {
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
  t.same(messageProblems('Namespace typo: annotation x is wrong'), [
    'does not start with a lowercase letter or an object reference "<Kind> <namespace>/<name>"',
  ]);
  t.same(messageProblems('a; b'), ['contains "; " (the separator between violations)']);
  t.same(messageProblems('a\nb'), ['more than one line']);
});
