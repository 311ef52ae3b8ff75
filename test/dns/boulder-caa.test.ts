// Let's Encrypt's own CAA test cases (Boulder va/caa_test.go, as data in boulder-caa.yaml) run
// through certificate-dns end to end: dnsmasq serves Boulder's mock zone, the real resolver asks
// it, the policy judges a Certificate per case against a Let's Encrypt issuer whose solver is the
// case's challenge type and whose status.acme.uri is the case's account. Every case must come out
// as Boulder's test asserts; the cases that cannot be expressed are listed in the data with why.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parse } from 'yaml';
import { ManifestView } from '../../src/cluster/manifest-view.ts';
import { relevantCaa } from '../../src/dns/caa.ts';
import { createNameResolver } from '../../src/dns/resolver.ts';
import type { KubeObject } from '../../src/kube/object.ts';
import { createCertificateDnsPolicy } from '../../src/policies/certificate-dns/policy.ts';
import { defaultCertificateDnsSettings, resolverOptionsFrom } from '../../src/policies/certificate-dns/settings.ts';
import { withoutDeadline, type PolicyRequest } from '../../src/policies/types.ts';
import { startDnsmasq, type DnsRecord } from './dnsmasq.ts';

type Why = 'critical' | 'not-critical' | 'malformed' | 'account' | 'methods' | 'no-ca';
type BoulderCase = {
  test: string;
  name: string;
  domain: string;
  method: 'http-01' | 'dns-01';
  account: string;
  valid?: boolean;
  foundAt?: string;
  error?: boolean;
  why?: Why;
};
type Table = { zone: DnsRecord[]; cases: BoulderCase[]; notExpressed: { test: string; why: string }[] };

const table = parse(readFileSync(join(import.meta.dirname, 'boulder-caa.yaml'), 'utf8')) as Table;

const INGRESS = '203.0.113.10';
const tld = (name: string): string => name.split('.').pop() ?? '';
const zoneTlds = new Set(table.zone.map((record) => tld(record.name)));
const isWildcard = (c: BoulderCase): boolean => c.domain.startsWith('*.');

// HTTP-01 names point at the ingress, so the address check passes and only CAA can object; a name
// under a TLD that must not exist (Boulder's "gonetld") gets no record.
const addressRecords: DnsRecord[] = [...new Set(table.cases.filter((c) => !isWildcard(c) && zoneTlds.has(tld(c.domain))).map((c) => c.domain))].map((name) => ({
  name,
  a: [INGRESS],
}));

const dns = await startDnsmasq([...table.zone, ...addressRecords]);
t.teardown(() => dns.stop());

const settings = { ...defaultCertificateDnsSettings(), resolvers: [dns.address], lookupTimeoutMs: 5000 };
const resolver = createNameResolver(resolverOptionsFrom(settings));
const policy = createCertificateDnsPolicy(settings, { resolver });

const GATEWAY: KubeObject = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { name: 'web', namespace: 'traefik' },
  // The solver route must attach (certificate-dns judges that too): an HTTP listener for every namespace.
  spec: { gatewayClassName: 'traefik', listeners: [{ name: 'web', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } }] },
  status: { addresses: [{ type: 'IPAddress', value: INGRESS }] },
};

/** Let's Encrypt validates a wildcard by DNS-01 only (boulder-caa.yaml `adapted`). */
const methodOf = (c: BoulderCase): 'http-01' | 'dns-01' => (isWildcard(c) ? 'dns-01' : c.method);

const issuerFor = (c: BoulderCase, index: number): KubeObject => ({
  apiVersion: 'cert-manager.io/v1',
  kind: 'ClusterIssuer',
  metadata: { name: `boulder-${index}` },
  spec: {
    acme: {
      server: 'https://acme-v02.api.letsencrypt.org/directory',
      solvers: [
        methodOf(c) === 'http-01' ? { http01: { gatewayHTTPRoute: { parentRefs: [{ name: 'web', namespace: 'traefik' }] } } } : { dns01: { cloudflare: {} } },
      ],
    },
  },
  status: { acme: { uri: c.account } },
});

const certificateFor = (c: BoulderCase, index: number): PolicyRequest => ({
  operation: 'CREATE',
  kind: { group: 'cert-manager.io', version: 'v1', kind: 'Certificate' },
  namespace: 'app',
  name: `case-${index}`,
  object: {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: { name: `case-${index}`, namespace: 'app' },
    spec: { secretName: `case-${index}`, dnsNames: [c.domain], issuerRef: { kind: 'ClusterIssuer', name: `boulder-${index}` } },
  },
  dryRun: false,
});

// Which reason a CAA denial gives, read from its message (the exact sentences are asserted in
// src/policies/certificate-dns/policy.test.ts and test/dns/certificate-dns.test.ts).
const REASONS: Record<Exclude<Why, 'not-critical'>, RegExp> = {
  critical: /sets the critical flag on the tag/,
  malformed: /does not parse \(/,
  account: /names the account |accounts \(accounturi /,
  methods: /\(validationmethods\), but the solver|validationmethods parameters|malformed validationmethods/,
  'no-ca': /forbids every CA/,
};

type Outcome = { valid: boolean; error: boolean; foundAt: string; caa: string[]; other: string[] };

const outcomeOf = async (c: BoulderCase, index: number): Promise<Outcome> => {
  const result = await policy.check(certificateFor(c, index), new ManifestView([GATEWAY, issuerFor(c, index)]), withoutDeadline());
  const messages = [...result.violations, ...result.warnings];
  const caa = messages.filter((message) => message.includes('CAA'));
  const found = await relevantCaa(resolver, c.domain);
  return {
    valid: !result.violations.some((message) => message.includes('CAA')),
    error: result.warnings.some((message) => message.includes('was not checked for CAA')),
    foundAt: 'at' in found ? found.at : '',
    caa,
    other: messages.filter((message) => !message.includes('CAA')),
  };
};

/** Where certguard's outcome differs from what Boulder's test asserts (empty: agreement). */
const disagreements = (c: BoulderCase, outcome: Outcome): string[] => {
  const wrong: string[] = [];
  if (c.error) return outcome.error && outcome.valid ? [] : [`Boulder: a DNS error; certguard: ${outcome.caa.join(' | ') || 'allowed'}`];
  if (outcome.error) wrong.push(`certguard could not decide: ${outcome.caa.join(' | ')}`);
  if (c.valid !== undefined && outcome.valid !== c.valid) wrong.push(`Boulder: valid ${c.valid}; certguard: ${outcome.caa.join(' | ') || 'allowed'}`);
  if (c.foundAt !== undefined && outcome.foundAt !== c.foundAt) wrong.push(`Boulder found the set at "${c.foundAt}"; certguard at "${outcome.foundAt}"`);
  if (c.why === 'not-critical' && outcome.caa.some((message) => REASONS.critical.test(message)))
    wrong.push(`Boulder: no critical unknown tag; certguard: ${outcome.caa.join(' | ')}`);
  if (c.why && c.why !== 'not-critical' && !outcome.caa.some((message) => REASONS[c.why as keyof typeof REASONS].test(message))) {
    wrong.push(`Boulder: refused for ${c.why}; certguard: ${outcome.caa.join(' | ') || 'allowed'}`);
  }
  // Every name points at the ingress: nothing but CAA may object (a gone TLD cannot resolve).
  if (outcome.other.length > 0) wrong.push(`unexpected: ${outcome.other.join(' | ')}`);
  return wrong;
};

t.test("every case of Boulder's CAA tests comes out as Boulder asserts", async (t) => {
  const wrong: string[] = [];
  for (const [index, c] of table.cases.entries()) {
    const outcome = await outcomeOf(c, index);
    for (const problem of disagreements(c, outcome)) wrong.push(`${c.test} "${c.name}" (${c.domain}): ${problem}`);
  }
  t.same(wrong, [], `0 disagreements over ${table.cases.length} cases`);
  t.ok(table.cases.length >= 100, `${table.cases.length} cases ported`);
});

t.test("the table covers each of Boulder's CAA test functions, and says why for what it leaves out", async (t) => {
  const tests = new Set(table.cases.map((c) => c.test));
  for (const name of [
    'TestCAAChecking',
    'TestCAALogging',
    'TestCAATimeout',
    'TestCAAFailure',
    'TestFilterCAA',
    'TestSelectCAA',
    'TestExtractIssuerDomainAndParameters',
    'TestAccountURIMatches',
    'TestValidationMethodMatches',
  ]) {
    t.ok(tests.has(name), name);
  }
  t.ok(
    table.notExpressed.every((entry) => entry.why.length > 20),
    'every case left out has its reason',
  );
});

t.test("the runner can fail: a valid case against a CA Boulder's records do not name is a disagreement", async (t) => {
  const present = table.cases.find((c) => c.domain === 'present.com' && c.valid === true);
  if (!present) throw new Error('case present.com is missing from the table');
  const outcome = await outcomeOf({ ...present, domain: 'reserved.com' }, table.cases.length);
  t.same(disagreements(present, outcome), [
    'Boulder: valid true; certguard: ' + outcome.caa.join(' | '),
    'Boulder found the set at "present.com"; certguard at "reserved.com"',
  ]);
});
