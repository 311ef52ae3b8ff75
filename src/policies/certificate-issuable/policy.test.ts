// certificate-issuable table tests: cluster state in a ManifestView, exact messages.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { review } from '../../admission/complete.ts';
import { checkBundle, requestFor } from '../../cli/check.ts';
import { ManifestView, readManifests } from '../../cluster/manifest-view.ts';
import type { KubeObject } from '../../kube/object.ts';
import { withoutDeadline, type PolicyRequest } from '../types.ts';
import { covers } from '../../certs/hostname.ts';
import type { BreakGlassQuestion } from '../break-glass.ts';
import { createCertificateIssuablePolicy } from './policy.ts';
import { defaultCertificateIssuableSettings, type CertificateIssuableSettings } from './settings.ts';

const NS = 'app-production';

const clusterIssuer = (name: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'cert-manager.io/v1',
  kind: 'ClusterIssuer',
  metadata: { name },
  spec,
});

type CertificateInput = {
  name: string;
  secretName?: string;
  namespace?: string;
  issuer?: string;
  spec?: Record<string, unknown>;
  annotations?: Record<string, string>;
  ownedBy?: { kind: string; name: string };
};

const certificate = (input: CertificateInput): KubeObject => ({
  apiVersion: 'cert-manager.io/v1',
  kind: 'Certificate',
  metadata: {
    name: input.name,
    namespace: input.namespace ?? NS,
    annotations: input.annotations,
    ownerReferences: input.ownedBy ? [{ apiVersion: 'networking.k8s.io/v1', kind: input.ownedBy.kind, name: input.ownedBy.name, uid: 'u' }] : undefined,
  },
  spec: {
    secretName: input.secretName ?? input.name,
    dnsNames: ['app.example.com'],
    issuerRef: { name: input.issuer ?? 'letsencrypt-prod', kind: 'ClusterIssuer' },
    ...input.spec,
  },
});

const ingress = (name: string, tls: { hosts: string[]; secretName: string }[], annotations: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name, namespace: NS, annotations: { 'cert-manager.io/cluster-issuer': 'letsencrypt-prod', ...annotations } },
  spec: { tls, rules: [] },
});

const gateway = (name: string, hostname: string, secret: string): KubeObject => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { name, namespace: NS, annotations: { 'cert-manager.io/cluster-issuer': 'letsencrypt-prod' } },
  spec: {
    gatewayClassName: 'traefik',
    listeners: [
      { name: 'websecure', hostname, port: 443, protocol: 'HTTPS', tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', group: '', name: secret }] } },
    ],
  },
});

const namespace = (name: string, annotations: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, annotations },
});

const CLUSTER: KubeObject[] = [
  clusterIssuer('letsencrypt-prod', { acme: { server: 'https://acme-v02.api.letsencrypt.org/directory', solvers: [{ dns01: { cloudflare: {} } }] } }),
  clusterIssuer('selfsigned', { selfSigned: {} }),
  certificate({ name: 'shop-tls' }),
  certificate({ name: 'legacy', secretName: 'shared-tls' }),
  certificate({ name: 'api-tls', ownedBy: { kind: 'Ingress', name: 'api' } }),
  certificate({ name: 'other-ns-tls', namespace: 'other' }),
  gateway('edge', 'edge.example.com', 'edge-tls'),
  namespace(NS),
  namespace('relaxed', { 'certguard.io/certificate-issuable-mode': 'warn' }),
  namespace('ignored', { 'certguard.io/certificate-issuable-mode': 'off' }),
  namespace('typo', { 'certguard.io/certificate-issuable-mode': 'enforced' }),
];

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

const SHARED =
  "only one Certificate can own a Secret: cert-manager leaves the others never Ready (cert-manager#6406), older releases re-issued both without end, each overwriting the other's certificate (cert-manager#4846)";
const BADCSR = '(badCSR "Unexpected number of identifiers found in CSR", cert-manager#9298). Remove the duplicate.';
const LONG_CN = `${'a'.repeat(54)}.example.com`; // 66 characters
const CN_TAIL =
  'is 66 characters long, more than the 64 X.509 allows in a common name (RFC 5280 ub-common-name), and cert-manager refuses such a Certificate. Shorten it, or leave the common name out: clients check the dnsNames.';
const names = (count: number): string[] => Array.from({ length: count }, (_, index) => `n${index}.example.com`);

type Case = {
  name: string;
  request: PolicyRequest;
  settings?: Partial<CertificateIssuableSettings>;
  objects?: KubeObject[];
  violations?: string[];
  warnings?: string[];
  audit?: Record<string, string>;
};

const cases: Case[] = [
  {
    name: 'denies a Certificate whose secretName another Certificate in the namespace uses, naming both',
    request: create(certificate({ name: 'shop-v2', secretName: 'shop-tls' })),
    violations: [
      `Certificate ${NS}/shop-v2: secretName "shop-tls" is already used by Certificate ${NS}/shop-tls, and ${SHARED}. Give this one its own secretName, or delete the other.`,
    ],
  },
  { name: 'allows the same secretName in another namespace', request: create(certificate({ name: 'x', secretName: 'other-ns-tls' })) },
  {
    name: 'allows a Certificate re-applied unchanged (it is not its own rival)',
    request: update(certificate({ name: 'shop-tls' }), certificate({ name: 'shop-tls' })),
  },
  {
    name: 'an UPDATE that keeps an existing conflict only warns',
    request: update(
      certificate({ name: 'modern', secretName: 'shared-tls' }),
      certificate({ name: 'modern', secretName: 'shared-tls', spec: { dnsNames: ['new.example.com'] } }),
    ),
    warnings: [
      `Certificate ${NS}/modern: secretName "shared-tls" is also used by Certificate ${NS}/legacy, and ${SHARED}. This update keeps that, so it is allowed: give one of them its own secretName.`,
    ],
  },
  {
    name: 'an UPDATE that moves onto a taken secretName is denied',
    request: update(certificate({ name: 'modern', secretName: 'modern-tls' }), certificate({ name: 'modern', secretName: 'shared-tls' })),
    violations: [
      `Certificate ${NS}/modern: secretName "shared-tls" is already used by Certificate ${NS}/legacy, and ${SHARED}. Give this one its own secretName, or delete the other.`,
    ],
  },
  {
    name: 'an UPDATE that fixes the conflict passes',
    request: update(certificate({ name: 'modern', secretName: 'shared-tls' }), certificate({ name: 'modern', secretName: 'modern-tls' })),
  },
  {
    name: 'denies an annotated Ingress whose shim Certificate would write a Secret an explicit Certificate writes',
    request: create(ingress('shop', [{ hosts: ['shop.example.com'], secretName: 'shared-tls' }])),
    violations: [
      `Ingress ${NS}/shop (ingress-shim Certificate shared-tls): secretName "shared-tls" is already used by Certificate ${NS}/legacy, and ${SHARED}. Give this one its own secretName, or delete the other.`,
    ],
  },
  {
    name: 'allows an Ingress whose shim Certificate already exists, owned by it',
    request: update(
      ingress('api', [{ hosts: ['api.example.com'], secretName: 'api-tls' }]),
      ingress('api', [{ hosts: ['api.example.com'], secretName: 'api-tls' }]),
    ),
  },
  {
    name: 'denies a Certificate whose Secret an annotated Gateway in the namespace writes (the shim counts by the name cert-manager gives it)',
    request: create(certificate({ name: 'edge-cert', secretName: 'edge-tls' })),
    violations: [
      `Certificate ${NS}/edge-cert: secretName "edge-tls" is already used by Gateway ${NS}/edge (gateway-shim Certificate edge-tls), and ${SHARED}. Give this one its own secretName, or delete the other.`,
    ],
    warnings: [
      `Certificate ${NS}/edge-cert: its Secret "${NS}/edge-tls" is served by Gateway ${NS}/edge spec.listeners[0] "websecure" for hostname "edge.example.com", which none of its dnsNames (app.example.com) covers (a wildcard covers exactly one label, RFC 6125), so clients of edge.example.com would reject the certificate. Add edge.example.com to spec.dnsNames, or serve another Secret on that listener.`,
    ],
  },
  {
    name: 'warns about listeners serving the Secret for hostnames a wildcard does not cover (incident 003)',
    request: create(certificate({ name: 'wild-tls', spec: { dnsNames: ['*.example.com'] } })),
    objects: [
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        metadata: { name: 'web', namespace: 'traefik' },
        spec: {
          gatewayClassName: 'traefik',
          listeners: [
            { name: 'apex', hostname: 'example.com', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'wild-tls', namespace: NS }] } },
            { name: 'shop', hostname: 'Shop.Example.com', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'wild-tls', namespace: NS }] } },
            {
              name: 'deep',
              hostname: 'a.b.example.com',
              port: 443,
              protocol: 'HTTPS',
              tls: { certificateRefs: [{ kind: 'Secret', name: 'wild-tls', namespace: NS }] },
            },
            { name: 'any', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'wild-tls', namespace: NS }] } },
            { name: 'same-name-other-namespace', hostname: 'example.org', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'wild-tls' }] } },
          ],
        },
      },
    ],
    warnings: [
      `Certificate ${NS}/wild-tls: its Secret "${NS}/wild-tls" is served by Gateway traefik/web spec.listeners[0] "apex" for hostname "example.com", which none of its dnsNames (*.example.com) covers (a wildcard covers exactly one label, RFC 6125), so clients of example.com would reject the certificate. Add example.com to spec.dnsNames, or serve another Secret on that listener.`,
      `Certificate ${NS}/wild-tls: its Secret "${NS}/wild-tls" is served by Gateway traefik/web spec.listeners[2] "deep" for hostname "a.b.example.com", which none of its dnsNames (*.example.com) covers (a wildcard covers exactly one label, RFC 6125), so clients of a.b.example.com would reject the certificate. Add a.b.example.com to spec.dnsNames, or serve another Secret on that listener.`,
    ],
  },
  {
    name: 'allows the annotated Gateway itself',
    request: update(gateway('edge', 'edge.example.com', 'edge-tls'), gateway('edge', 'edge2.example.com', 'edge-tls')),
  },
  {
    name: 'denies more identifiers than an ACME CA accepts',
    request: create(certificate({ name: 'big', spec: { dnsNames: names(99), ipAddresses: ['203.0.113.1'], uris: ['spiffe://a/b'] } })),
    violations: [
      `Certificate ${NS}/big: 101 identifiers (dnsNames 99, ipAddresses 1, uris 1) are more than the 100 an ACME CA accepts in one certificate (certguard setting maxIdentifiers, Let's Encrypt allows 100), so the order of ClusterIssuer letsencrypt-prod would be refused and cert-manager would retry it. Split the names over several Certificates.`,
    ],
  },
  { name: 'allows exactly maxIdentifiers', request: create(certificate({ name: 'full', spec: { dnsNames: names(100) } })) },
  {
    name: 'allows many identifiers from a CA that is not ACME',
    request: create(certificate({ name: 'internal', issuer: 'selfsigned', spec: { dnsNames: names(150) } })),
  },
  {
    name: 'maxIdentifiers is a setting and counts emailAddresses',
    request: create(certificate({ name: 'small', spec: { dnsNames: names(2), emailAddresses: ['a@example.com'] } })),
    settings: { maxIdentifiers: 2 },
    violations: [
      `Certificate ${NS}/small: 3 identifiers (dnsNames 2, emailAddresses 1) are more than the 2 an ACME CA accepts in one certificate (certguard setting maxIdentifiers, Let's Encrypt allows 100), so the order of ClusterIssuer letsencrypt-prod would be refused and cert-manager would retry it. Split the names over several Certificates.`,
    ],
  },
  {
    name: 'denies a commonName over 64 characters, whatever the issuer',
    request: create(certificate({ name: 'long', issuer: 'selfsigned', spec: { commonName: LONG_CN } })),
    violations: [`Certificate ${NS}/long: spec.commonName "${LONG_CN}" ${CN_TAIL}`],
  },
  { name: 'allows a commonName of 64 characters', request: create(certificate({ name: 'edge64', spec: { commonName: `${'a'.repeat(52)}.example.com` } })) },
  {
    name: 'denies an Ingress whose common-name annotation is over 64 characters',
    request: create(ingress('long', [{ hosts: ['long.example.com'], secretName: 'long-tls' }], { 'cert-manager.io/common-name': LONG_CN })),
    violations: [`Ingress ${NS}/long (ingress-shim Certificate long-tls): metadata.annotations["cert-manager.io/common-name"] "${LONG_CN}" ${CN_TAIL}`],
  },
  {
    name: 'denies the same dnsName twice and the same IP address in two spellings (ACME)',
    request: create(
      certificate({ name: 'dup', spec: { dnsNames: ['a.example.com', 'b.example.com', 'a.example.com'], ipAddresses: ['2001:db8::1', '2001:DB8:0::1'] } }),
    ),
    violations: [
      `Certificate ${NS}/dup: spec.dnsNames[2] "a.example.com" repeats spec.dnsNames[0]: the CSR would carry it twice but the ACME order once, and the CA refuses the mismatch ${BADCSR}`,
      `Certificate ${NS}/dup: spec.ipAddresses[1] "2001:DB8:0::1" repeats spec.ipAddresses[0]: the CSR would carry it twice but the ACME order once, and the CA refuses the mismatch ${BADCSR}`,
    ],
  },
  {
    name: 'allows a duplicate name for a CA that is not ACME',
    request: create(certificate({ name: 'dup', issuer: 'selfsigned', spec: { dnsNames: ['a.example.com', 'a.example.com'] } })),
  },
  {
    name: 'an UPDATE that keeps a duplicate name only warns',
    request: update(
      certificate({ name: 'dup', spec: { dnsNames: ['a.example.com', 'a.example.com'] } }),
      certificate({ name: 'dup', annotations: { team: 'x' }, spec: { dnsNames: ['a.example.com', 'a.example.com'] } }),
    ),
    warnings: [
      `Certificate ${NS}/dup: spec.dnsNames[1] "a.example.com" repeats spec.dnsNames[0]: the CSR would carry it twice but the ACME order once, and the CA refuses the mismatch (badCSR "Unexpected number of identifiers found in CSR", cert-manager#9298). Remove the duplicate (unchanged by this update, so it is allowed).`,
    ],
  },
  {
    name: 'a namespace in warn mode gets warnings',
    request: create(certificate({ name: 'shop-v2', namespace: 'relaxed', secretName: 'x-tls', spec: { dnsNames: ['a.example.com', 'a.example.com'] } })),
    warnings: [
      `Certificate relaxed/shop-v2: spec.dnsNames[1] "a.example.com" repeats spec.dnsNames[0]: the CSR would carry it twice but the ACME order once, and the CA refuses the mismatch ${BADCSR}`,
    ],
  },
  {
    name: 'a namespace in off mode is not judged',
    request: create(certificate({ name: 'd', namespace: 'ignored', spec: { dnsNames: ['a.example.com', 'a.example.com'] } })),
  },
  {
    name: 'an unknown namespace mode is ignored with a warning',
    request: create(certificate({ name: 'ok', namespace: 'typo' })),
    warnings: [
      'namespace "typo": annotation certguard.io/certificate-issuable-mode "enforced" is not one of enforce, warn, off, so certificate-issuable used its configured mode enforce.',
    ],
  },
  {
    name: 'break glass skips the check with a warning and an audit annotation',
    request: create(certificate({ name: 'shop-v2', secretName: 'shop-tls', annotations: { 'certguard.io/skip-issuable-check': 'migration INC-42' } })),
    warnings: [`Certificate ${NS}/shop-v2: issuability check skipped (certguard.io/skip-issuable-check: "migration INC-42").`],
    audit: { 'certificate-issuable-skipped': 'migration INC-42' },
  },
  {
    name: 'an empty break-glass reason does not skip',
    request: create(certificate({ name: 'shop-v2', secretName: 'shop-tls', annotations: { 'certguard.io/skip-issuable-check': ' ' } })),
    violations: [
      `Certificate ${NS}/shop-v2: secretName "shop-tls" is already used by Certificate ${NS}/shop-tls, and ${SHARED}. Give this one its own secretName, or delete the other.`,
    ],
    warnings: [
      `Certificate ${NS}/shop-v2: annotation certguard.io/skip-issuable-check is empty, so the issuability check ran: give the reason for skipping it as the value.`,
    ],
  },
];

t.test('certificate-issuable', async (t) => {
  for (const c of cases) {
    const policy = createCertificateIssuablePolicy({ ...defaultCertificateIssuableSettings(), ...c.settings });
    const view = new ManifestView([...CLUSTER, ...(c.objects ?? [])]);
    t.ok(policy.matches(c.request), `${c.name}: matched`);
    const result = await policy.check(c.request, view, withoutDeadline());
    t.same(result.violations, c.violations ?? [], `${c.name}: violations`);
    t.same(result.warnings, c.warnings ?? [], `${c.name}: warnings`);
    t.same(result.auditAnnotations, c.audit, `${c.name}: audit annotations`);
  }
});

t.test('break glass decided by RBAC: it counts for the user allowed it, the check runs for another', async (t) => {
  const asked: BreakGlassQuestion[] = [];
  const isAllowed = async (question: BreakGlassQuestion) => (asked.push(question), question.user.username === 'alice');
  const policy = createCertificateIssuablePolicy(defaultCertificateIssuableSettings(), {
    breakGlass: { mode: 'rbac', clusterRole: 'cg-break-glass', isAllowed },
  });
  const view = new ManifestView(CLUSTER);
  const annotated = create(certificate({ name: 'shop-v2', secretName: 'shop-tls', annotations: { 'certguard.io/skip-issuable-check': 'migration INC-42' } }));
  const skipped = `Certificate ${NS}/shop-v2: issuability check skipped (certguard.io/skip-issuable-check: "migration INC-42").`;
  const alice = await policy.check({ ...annotated, userInfo: { username: 'alice', groups: ['dev'] } }, view, withoutDeadline());
  t.same(
    [alice.violations, alice.warnings, alice.breakGlass],
    [[], [skipped], { annotation: 'certguard.io/skip-issuable-check', reason: 'migration INC-42', user: 'alice', message: skipped }],
  );
  const bob = await policy.check({ ...annotated, userInfo: { username: 'bob' } }, view, withoutDeadline());
  t.same(bob.violations, [
    `Certificate ${NS}/shop-v2: secretName "shop-tls" is already used by Certificate ${NS}/shop-tls, and ${SHARED}. Give this one its own secretName, or delete the other.`,
  ]);
  t.same(bob.warnings, [
    `Certificate ${NS}/shop-v2: annotation certguard.io/skip-issuable-check is ignored, so the issuability check ran: user "bob" may not use certguard's break glass for certificate-issuable in namespace "${NS}" ` +
      '(verb use on breakglass.certguard.io "certificate-issuable"). A cluster admin, or anyone who may bind ClusterRole cg-break-glass there, grants it with ' +
      `"kubectl create rolebinding <name> -n ${NS} --clusterrole=cg-break-glass --user=bob"`,
  ]);
  t.equal(bob.breakGlass, undefined);
  t.same(
    asked.map((question) => [question.user.username, question.namespace, question.policy]),
    [
      ['alice', NS, 'certificate-issuable'],
      ['bob', NS, 'certificate-issuable'],
    ],
    'asked with the user, namespace and policy',
  );
  const unannotated = await policy.check({ ...create(certificate({ name: 'ok' })), userInfo: { username: 'bob' } }, view, withoutDeadline());
  t.equal(unannotated.breakGlass, undefined);
  t.equal(asked.length, 2, 'nothing is asked without the annotation');
});

t.test('RFC 6125 matching as Go does it: one wildcard label, ASCII case-insensitive, invalid names only exactly', async (t) => {
  const rows: [string, string, boolean][] = [
    ['example.com', 'EXAMPLE.com.', true],
    ['*.example.com', 'shop.example.com', true],
    ['*.example.com', 'example.com', false],
    ['*.example.com', 'a.b.example.com', false],
    ['*.example.com', '*.example.com', true],
    ['shop.example.com', '*.example.com', false],
    ['*.b.example.com', 'a.b.example.com', true],
    // Go's VerifyHostname: a name with a trailing dot is not a valid pattern and covers only itself.
    ['example.com.', 'example.com', false],
    ['example.com.', 'EXAMPLE.com.', true],
    ['*.example.com.', 'a.example.com', false],
    ['a..example.com', 'a..example.com', true],
    ['*.0.0.1', '127.0.0.1', false],
  ];
  for (const [pattern, hostname, want] of rows) t.equal(covers(pattern, hostname), want, `${pattern} covers ${hostname}: ${want}`);
});

t.test('selects Certificates and shim-annotated objects on CREATE and UPDATE', async (t) => {
  const policy = createCertificateIssuablePolicy(defaultCertificateIssuableSettings());
  const plain = ingress('plain', [{ hosts: ['a.example.com'], secretName: 'a-tls' }]);
  plain.metadata = { ...plain.metadata, annotations: {} };
  const rows: [string, PolicyRequest, boolean][] = [
    ['a Certificate CREATE', create(certificate({ name: 'a' })), true],
    ['a Certificate DELETE', { ...create(certificate({ name: 'a' })), operation: 'DELETE' }, false],
    ['an annotated Ingress', create(ingress('a', [{ hosts: ['a.example.com'], secretName: 'a-tls' }])), true],
    ['an Ingress without shim annotation', create(plain), false],
    ['an annotated Gateway', create(gateway('g', 'g.example.com', 'g-tls')), true],
  ];
  for (const [name, request, want] of rows) t.equal(policy.matches(request), want, name);
});

t.test('certguard check: two Certificates of one bundle with the same secretName conflict', async (t) => {
  const bundle = [certificate({ name: 'a', secretName: 'same-tls' }), certificate({ name: 'b', secretName: 'same-tls' })];
  const verdicts = await checkBundle(bundle, []);
  t.same(
    verdicts.map((verdict) => [verdict.object, verdict.allowed, verdict.violations]),
    [
      [
        `Certificate ${NS}/a`,
        false,
        [
          `Certificate ${NS}/a: secretName "same-tls" is already used by Certificate ${NS}/b, and ${SHARED}. Give this one its own secretName, or delete the other.`,
        ],
      ],
      [
        `Certificate ${NS}/b`,
        false,
        [
          `Certificate ${NS}/b: secretName "same-tls" is already used by Certificate ${NS}/a, and ${SHARED}. Give this one its own secretName, or delete the other.`,
        ],
      ],
    ],
  );
});

// Every fixture bundle judged as `certguard check -f <file>` would: each object against the rest.
const FIXTURES = join(import.meta.dirname, 'fixtures');

for (const kind of ['good', 'bad'] as const) {
  for (const file of readdirSync(join(FIXTURES, kind)).filter((name) => name.endsWith('.yaml'))) {
    t.test(`fixtures/${kind}/${file} is ${kind === 'good' ? 'admitted' : 'denied'}`, async (t) => {
      const bundle = await readManifests([join(FIXTURES, kind, file)]);
      const policy = createCertificateIssuablePolicy(defaultCertificateIssuableSettings());
      const outcomes = [];
      for (const [index, object] of bundle.entries()) {
        outcomes.push(await review(requestFor(object, [], index), [policy], { view: new ManifestView(bundle.filter((_, at) => at !== index)) }));
      }
      const denied = outcomes.filter((outcome) => !outcome.response.allowed);
      if (kind === 'good') {
        t.equal(denied.length, 0, denied.map((outcome) => outcome.response.status?.message).join('\n'));
        t.same(
          outcomes.flatMap((outcome) => outcome.response.warnings ?? []),
          [],
          'no warnings',
        );
      } else {
        t.ok(denied.length > 0, 'an object is denied');
        for (const outcome of denied) t.equal(outcome.response.status?.code, 403);
      }
    });
  }
}
