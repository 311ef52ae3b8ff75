// The one fixture runner (Kyverno's kyverno-test.yaml, one per policy): every policy folder has
// fixtures/good/*.yaml, fixtures/bad/*.yaml and fixtures/expected.yaml, which states for each
// fixture the exact verdicts `certguard check -f <fixture>` gives (src/cli/check.ts checkBundle:
// each object judged against the rest of the bundle, every policy, default settings). A bad
// fixture must list at least one denied object; a good one lists only warnings and, when it is
// not listed, is admitted without any. The unit test (test/policies/fixtures.test.ts), the CLI test
// (test/cli/check.test.ts) and the end-to-end test (test/e2e/policy-fixtures.test.ts) all read
// their expectations from here.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { CheckVerdict } from '../../src/cli/check.ts';
import type { DnsRecord } from '../dns/dnsmasq.ts';

export const POLICIES_DIR = join(import.meta.dirname, '../../src/policies');

/** What one object of a fixture gets: only objects denied or warned are listed. */
export type ExpectedVerdict = { object: string; allowed: boolean; violations: string[]; warnings: string[] };

export type PolicyFixture = { policy: string; kind: 'good' | 'bad'; name: string; path: string; expected: ExpectedVerdict[] };

/**
 * Policies whose fixtures `certguard check` cannot judge: tls-secret-in-use judges Secret DELETEs,
 * which a bundle never holds (its policy.test.ts runs its fixtures as deletes).
 */
const NOT_CHECKABLE = new Set(['tls-secret-in-use']);

/** Policies that have fixtures `certguard check` judges, in folder order. */
export const policiesWithFixtures = (): string[] =>
  readdirSync(POLICIES_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !NOT_CHECKABLE.has(entry.name) && existsSync(join(POLICIES_DIR, entry.name, 'fixtures')))
    .map((entry) => entry.name)
    .sort();

type RawVerdict = { object?: unknown; violations?: unknown; warnings?: unknown };

const stringList = (value: unknown, where: string): string[] => {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) throw new Error(`${where}: must be a list of strings`);
  return value;
};

const verdictOf = (raw: RawVerdict, where: string): ExpectedVerdict => {
  if (typeof raw.object !== 'string') throw new Error(`${where}: each verdict needs "object" ("Kind namespace/name", as certguard check prints it)`);
  const violations = stringList(raw.violations, `${where} violations`);
  return { object: raw.object, allowed: violations.length === 0, violations, warnings: stringList(raw.warnings, `${where} warnings`) };
};

/** fixtures/expected.yaml: { "<good|bad>/<file>.yaml": [verdict, ...] }. */
export const readExpected = (policy: string): Map<string, ExpectedVerdict[]> => {
  const file = join(POLICIES_DIR, policy, 'fixtures', 'expected.yaml');
  const raw = (parse(readFileSync(file, 'utf8')) ?? {}) as Record<string, unknown>;
  return new Map(
    Object.entries(raw).map(([name, verdicts]) => [
      name,
      ((verdicts ?? []) as RawVerdict[]).map((verdict, index) => verdictOf(verdict, `${file} ${name}[${index}]`)),
    ]),
  );
};

const filesIn = (policy: string, kind: 'good' | 'bad'): string[] => {
  const folder = join(POLICIES_DIR, policy, 'fixtures', kind);
  return existsSync(folder)
    ? readdirSync(folder)
        .filter((name) => name.endsWith('.yaml'))
        .sort()
    : [];
};

/** Every fixture of a policy with its expected verdicts; throws when expected.yaml names a missing file. */
export const fixturesOf = (policy: string): PolicyFixture[] => {
  const expected = readExpected(policy);
  const fixtures = (['good', 'bad'] as const).flatMap((kind) =>
    filesIn(policy, kind).map((file): PolicyFixture => {
      const name = `${kind}/${file}`;
      return { policy, kind, name, path: join(POLICIES_DIR, policy, 'fixtures', kind, file), expected: expected.get(name) ?? [] };
    }),
  );
  const unknown = [...expected.keys()].filter((name) => !fixtures.some((fixture) => fixture.name === name));
  if (unknown.length > 0) throw new Error(`${policy}/fixtures/expected.yaml names fixtures that do not exist: ${unknown.join(', ')}`);
  return fixtures;
};

/** The verdicts worth stating: denied or warned objects, in bundle order (as certguard check prints them). */
export const notableVerdicts = (verdicts: CheckVerdict[]): ExpectedVerdict[] =>
  verdicts
    .filter((verdict) => !verdict.allowed || verdict.warnings.length > 0)
    .map(({ object, allowed, violations, warnings }) => ({ object, allowed, violations, warnings }));

/** What a fixture's expectations must satisfy before they are compared: bad denies something, good nothing. */
export const shapeProblem = (fixture: PolicyFixture): string | undefined => {
  const denied = fixture.expected.filter((verdict) => !verdict.allowed).length;
  if (fixture.kind === 'bad' && denied === 0) return `${fixture.policy}/${fixture.name}: a bad fixture must state at least one denied object in expected.yaml`;
  if (fixture.kind === 'good' && denied > 0) return `${fixture.policy}/${fixture.name}: a good fixture may state warnings only`;
  return undefined;
};

/** DNS records every fixture assumes: each policy's fixtures/dns.yaml, served by dnsmasq in the tests. */
export const fixtureDnsRecords = (): DnsRecord[] =>
  policiesWithFixtures().flatMap((policy) => {
    const file = join(POLICIES_DIR, policy, 'fixtures', 'dns.yaml');
    return existsSync(file) ? (parse(readFileSync(file, 'utf8')) as DnsRecord[]) : [];
  });

/** The config the fixtures are judged with: defaults, DNS asked of the test's dnsmasq. */
export const fixtureConfig = (dnsAddress: string): Record<string, unknown> => ({ policies: { 'certificate-dns': { resolvers: [dnsAddress] } } });
