// Solver selection: certguard's picker against the answers cert-manager's own Pick recorded for the
// solver table (fixtures/solver-picks.yaml), then the miekg/dns label rules and small cases.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { certguardPicks, disagreements, loadSolverTable, namesOf } from '../../../test/helpers/solver-picks.ts';
import { acmeIdentifier, compareDomainName, countLabel, domainLabels, offeredChallenges, pickSolver, type AcmeSolver } from './solver-picker.ts';

const ORACLE_GO_MOD = new URL('../../../test/e2e/solver-oracle/go.mod', import.meta.url);

t.test('agrees with cert-manager on every name of the recorded solver table', async (t) => {
  const table = loadSolverTable();
  t.ok(table.cases.length >= 30, `${table.cases.length} cases`);
  const pinned = /github\.com\/cert-manager\/cert-manager (v\S+)/.exec(readFileSync(ORACLE_GO_MOD, 'utf8'))?.[1];
  t.equal(table.recordedWith, `github.com/cert-manager/cert-manager ${pinned}`, 'recorded with the cert-manager the oracle pins');
  const wrong: string[] = [];
  let names = 0;
  for (const c of table.cases) {
    // Every name has a recorded answer (a case added without re-recording fails here).
    t.same(
      c.picks.map((pick) => pick.name),
      namesOf(c.certificate),
      `${c.id}: recorded names`,
    );
    names += c.picks.length;
    wrong.push(...disagreements(c.id, c.picks, certguardPicks(c)));
  }
  t.same(wrong, [], `0 disagreements over ${names} names`);
});

const http = (selector?: AcmeSolver['selector']): AcmeSolver => ({ ...(selector !== undefined ? { selector } : {}), http01: { ingress: {} } });
const dns = (selector?: AcmeSolver['selector']): AcmeSolver => ({ ...(selector !== undefined ? { selector } : {}), dns01: { cloudflare: {} } });

const BOTH = ['http-01', 'dns-01'] as const;

type Case = {
  name: string;
  identifier: string;
  solvers: AcmeSolver[];
  labels?: Record<string, string>;
  offered?: readonly ('http-01' | 'dns-01')[];
  want: number | undefined;
};

const cases: Case[] = [
  { name: 'picks the only solver without selector', identifier: 'a.example.com', solvers: [http()], want: 0 },
  { name: 'picks the first of two solvers without selector', identifier: 'a.example.com', solvers: [http(), dns()], want: 0 },
  {
    name: 'a matching dnsZones selector beats an earlier solver without selector',
    identifier: 'a.example.com',
    solvers: [http(), dns({ dnsZones: ['example.com'] })],
    want: 1,
  },
  {
    name: 'a solver without selector does not replace an earlier selector match',
    identifier: 'a.example.com',
    solvers: [dns({ dnsZones: ['example.com'] }), http()],
    want: 0,
  },
  { name: 'a selector that does not match is never picked', identifier: 'a.example.org', solvers: [dns({ dnsZones: ['example.com'] }), http()], want: 1 },
  {
    name: 'nothing is picked when no selector matches and there is no fallback',
    identifier: 'a.example.org',
    solvers: [dns({ dnsZones: ['example.com'] })],
    want: undefined,
  },
  {
    name: 'a dnsNames match beats a dnsZones match listed first',
    identifier: 'a.example.com',
    solvers: [dns({ dnsZones: ['a.example.com'] }), http({ dnsNames: ['a.example.com'] })],
    want: 1,
  },
  {
    name: 'a dnsNames match beats a matchLabels match listed first',
    identifier: 'a.example.com',
    labels: { team: 'pay' },
    solvers: [dns({ matchLabels: { team: 'pay' } }), http({ dnsNames: ['a.example.com'] })],
    want: 1,
  },
  { name: 'dnsNames match exactly, not as a suffix', identifier: 'b.a.example.com', solvers: [http({ dnsNames: ['a.example.com'] }), dns()], want: 1 },
  {
    name: 'the longest matching zone wins',
    identifier: 'a.pay.example.com',
    solvers: [dns({ dnsZones: ['example.com'] }), http({ dnsZones: ['pay.example.com'] })],
    want: 1,
  },
  {
    name: 'the longest zone of one selector counts',
    identifier: 'a.pay.example.com',
    solvers: [dns({ dnsZones: ['pay.example.com'] }), http({ dnsZones: ['example.com', 'a.pay.example.com'] })],
    want: 1,
  },
  { name: 'zones match on label boundaries only', identifier: 'a.notexample.com', solvers: [http({ dnsZones: ['example.com'] }), dns()], want: 1 },
  { name: 'zones match ignoring case', identifier: 'A.Example.COM', solvers: [dns(), http({ dnsZones: ['example.com'] })], want: 1 },
  { name: 'a zone equal to the name matches', identifier: 'example.com', solvers: [dns(), http({ dnsZones: ['example.com'] })], want: 1 },
  {
    name: 'equal zones: more matching labels win',
    identifier: 'a.example.com',
    labels: { team: 'pay', env: 'prod' },
    solvers: [dns({ dnsZones: ['example.com'], matchLabels: { team: 'pay' } }), http({ dnsZones: ['example.com'], matchLabels: { team: 'pay', env: 'prod' } })],
    want: 1,
  },
  {
    name: 'equal zones and labels: the first listed stays',
    identifier: 'a.example.com',
    solvers: [dns({ dnsZones: ['example.com'] }), http({ dnsZones: ['example.com'] })],
    want: 0,
  },
  {
    name: 'both dnsNames match: the longer zone wins',
    identifier: 'a.example.com',
    solvers: [dns({ dnsNames: ['a.example.com'] }), http({ dnsNames: ['a.example.com'], dnsZones: ['example.com'] })],
    want: 1,
  },
  {
    name: 'no zones on either side: more matchLabels win',
    identifier: 'a.example.com',
    labels: { team: 'pay' },
    solvers: [dns({}), http({ matchLabels: { team: 'pay' } })],
    want: 1,
  },
  {
    name: 'a matchLabels selector needs every label',
    identifier: 'a.example.com',
    labels: { team: 'pay' },
    solvers: [http({ matchLabels: { team: 'pay', env: 'prod' } }), dns()],
    want: 1,
  },
  { name: 'an empty selector does not replace an earlier solver without selector', identifier: 'a.example.com', solvers: [dns(), http({})], want: 0 },
  { name: 'an empty selector is picked when listed first', identifier: 'a.example.com', solvers: [http({}), dns()], want: 0 },
  {
    name: 'a wildcard skips HTTP-01 solvers: the only type offered is DNS-01',
    identifier: '*.example.com',
    offered: ['dns-01'],
    solvers: [http({ dnsNames: ['*.example.com'] }), dns()],
    want: 1,
  },
  { name: 'a wildcard with only HTTP-01 solvers gets none', identifier: '*.example.com', offered: ['dns-01'], solvers: [http()], want: undefined },
  {
    name: 'a wildcard dnsNames selector matches the wildcard itself',
    identifier: '*.example.com',
    solvers: [dns(), http({ dnsNames: ['*.example.com'] })],
    want: 1,
  },
  { name: 'an IP address skips DNS-01 solvers', identifier: '203.0.113.10', offered: ['http-01'], solvers: [dns(), http()], want: 1 },
];

t.test('picks the solver cert-manager would pick', async (t) => {
  for (const c of cases) {
    const picked = pickSolver(c.identifier, c.offered ?? BOTH, c.solvers, c.labels ?? {});
    t.equal(picked?.index, c.want, c.name);
  }
});

t.test('reports the challenge type of the picked solver', async (t) => {
  t.equal(pickSolver('a.example.com', BOTH, [dns()], {})?.type, 'dns-01');
  t.equal(pickSolver('a.example.com', BOTH, [http()], {})?.type, 'http-01');
});

t.test('compareDomainName counts shared labels from the right', async (t) => {
  t.equal(compareDomainName('example.com', 'www.example.com'), 2);
  t.equal(compareDomainName('example.com', 'www.EXAMPLE.com'), 2);
  // The last label keeps a trailing dot: "com." is not "com" (miekg/dns labels.go:64).
  t.equal(compareDomainName('example.com.', 'www.example.com'), 0);
  t.equal(compareDomainName('example.com.', 'www.example.com.'), 2);
  t.equal(compareDomainName('.', 'example.com'), 0);
  t.equal(compareDomainName('example.org', 'www.example.com'), 0);
  t.equal(compareDomainName('a.b.example.com', 'c.b.example.com'), 3);
});

t.test('offered challenges follow the identifier kind', async (t) => {
  t.same(offeredChallenges('a.example.com', false), ['http-01', 'dns-01']);
  t.same(offeredChallenges('*.example.com', false), ['dns-01']);
  t.same(offeredChallenges('203.0.113.10', true), ['http-01']);
});

t.test('labels as miekg/dns cuts them', async (t) => {
  t.same(domainLabels('www.example.com'), ['www.', 'example.', 'com']);
  t.same(domainLabels('example.com.'), ['example.', 'com.']);
  t.same(domainLabels('.app.example.com'), ['.', 'app.', 'example.', 'com']);
  t.same(domainLabels('app..example.com'), ['app.', '.', 'example.', 'com']);
  t.same(domainLabels('app\\.example.com'), ['app\\.example.', 'com']);
  t.same(domainLabels('.'), []);
  t.equal(countLabel('example.com.'), 2);
  t.equal(countLabel('.app.example.com'), 4);
  t.equal(countLabel('app..example.com'), 4);
  t.equal(countLabel('.'), 0);
});

t.test('the identifier is the one the ACME server returns', async (t) => {
  t.equal(acmeIdentifier('API.App.example.com', false), 'api.app.example.com');
  t.equal(acmeIdentifier('*.App.example.com', false), '*.app.example.com');
  t.equal(acmeIdentifier('2001:DB8:0::10', true), '2001:db8::10');
});
