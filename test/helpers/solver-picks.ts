// The solver table (src/policies/certificate-dns/fixtures/solver-picks.yaml): issuer/Certificate
// cases with the picks cert-manager's own code recorded for them (test/e2e/solver-oracle). Read by
// the unit test of certguard's picker, the test that re-runs the oracle, and e2e tests that apply
// the cases to a real cluster.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { acmeIdentifier, offeredChallenges, pickSolver, type AcmeSolver } from '../../src/policies/certificate-dns/solver-picker.ts';

export const SOLVER_TABLE = fileURLToPath(new URL('../../src/policies/certificate-dns/fixtures/solver-picks.yaml', import.meta.url));

/** One name's answer: the identifier Pick was called with, the solver index and type, or type none. */
export type SolverPick = { name: string; identifier: string; solver?: number; type: 'http-01' | 'dns-01' | 'none' };

export type SolverCase = {
  id: string;
  issuer: { kind: 'Issuer' | 'ClusterIssuer'; solvers: AcmeSolver[] };
  certificate: { labels?: Record<string, string>; commonName?: string; dnsNames?: string[]; ipAddresses?: string[] };
  picks: SolverPick[];
};

export type SolverTable = { recordedWith: string; cases: SolverCase[] };

export const loadSolverTable = (path = SOLVER_TABLE): SolverTable => parse(readFileSync(path, 'utf8')) as SolverTable;

/** The Order's names in the oracle's order: dnsNames, ipAddresses, the commonName if neither. */
export const namesOf = (certificate: SolverCase['certificate']): string[] => {
  const names = [...(certificate.dnsNames ?? []), ...(certificate.ipAddresses ?? [])];
  if (certificate.commonName && !names.includes(certificate.commonName)) names.push(certificate.commonName);
  return names;
};

/** What certguard's picker answers for every name of a case, in the recorded shape. */
export const certguardPicks = (c: SolverCase): SolverPick[] =>
  namesOf(c.certificate).map((name) => {
    const isIp = isIP(name) !== 0;
    const identifier = acmeIdentifier(name, isIp);
    const picked = pickSolver(identifier, offeredChallenges(identifier, isIp), c.issuer.solvers, c.certificate.labels ?? {});
    return picked ? { name, identifier, solver: picked.index, type: picked.type } : { name, identifier, type: 'none' };
  });

const describe = (pick: SolverPick | undefined): string =>
  !pick ? 'nothing' : pick.type === 'none' ? `none for ${pick.identifier}` : `solvers[${pick.solver}] ${pick.type} for ${pick.identifier}`;

/** One line per name where two answers differ ("case id: name: expected ..., got ..."). */
export const disagreements = (id: string, expected: SolverPick[], actual: SolverPick[]): string[] => {
  const lines: string[] = [];
  for (let at = 0; at < Math.max(expected.length, actual.length); at++) {
    const want = expected[at];
    const got = actual[at];
    const same = want && got && want.name === got.name && want.identifier === got.identifier && want.solver === got.solver && want.type === got.type;
    if (!same) lines.push(`${id}: ${want?.name ?? got?.name}: recorded ${describe(want)}, got ${describe(got)}`);
  }
  return lines;
};
