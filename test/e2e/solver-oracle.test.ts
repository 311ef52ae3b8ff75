// Re-runs cert-manager's own solver picking over the solver table and fails when a recorded answer
// no longer matches it. The oracle (test/e2e/solver-oracle) calls solverpicker.Pick of the
// cert-manager version its go.mod pins; scripts/e2e-binaries.sh builds it once into the e2e-bin cache (docs/e2e.md).
// After bumping that version, re-record with scripts/record-solver-picks.sh and read the diff: a
// changed answer means certguard's picker (src/policies/certificate-dns/solver-picker.ts) must follow.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { parse, stringify } from 'yaml';
import { disagreements, loadSolverTable, SOLVER_TABLE, type SolverPick } from '../helpers/solver-picks.ts';
import { repoRoot } from './harness/paths.ts';
import { run } from './harness/processes.ts';

type OracleAnswers = { recordedWith: string; picks: Record<string, SolverPick[]> };

const oracle = async (): Promise<string> => {
  // A cold build downloads cert-manager's module graph: minutes, not the default two.
  const built = await run('bash', [join(repoRoot, 'scripts/e2e-binaries.sh'), 'solver-oracle'], { timeoutMs: 20 * 60_000 });
  if (built.code !== 0) throw new Error(`scripts/e2e-binaries.sh solver-oracle failed (${built.code}):\n${built.stderr.slice(-4000)}`);
  const path = /^solver-oracle (\S+)$/m.exec(built.stdout)?.[1];
  if (!path) throw new Error(`scripts/e2e-binaries.sh printed no solver-oracle path: ${built.stdout}`);
  return path;
};

const ask = async (binary: string, table: string, write = false): Promise<string> => {
  const result = await run(binary, ['-table', table, ...(write ? ['-write'] : [])]);
  if (result.code !== 0) throw new Error(`solver-oracle failed (${result.code}): ${result.stderr}`);
  return result.stdout;
};

const binary = await oracle();
const scratch = mkdtempSync(join(tmpdir(), 'solver-oracle-'));
t.teardown(() => rmSync(scratch, { recursive: true, force: true }));

t.test('cert-manager still picks what the table recorded, for every name', async (t) => {
  const table = loadSolverTable();
  const answers = JSON.parse(await ask(binary, SOLVER_TABLE)) as OracleAnswers;
  t.equal(answers.recordedWith, table.recordedWith, 'the oracle runs the cert-manager version the table was recorded with');
  const wrong = table.cases.flatMap((c) => disagreements(c.id, c.picks, answers.picks[c.id] ?? []));
  t.same(wrong, [], `0 of ${table.cases.length} cases changed`);
});

t.test('re-recording changes nothing in the committed table', async (t) => {
  const copy = join(scratch, 'solver-picks.yaml');
  copyFileSync(SOLVER_TABLE, copy);
  await ask(binary, copy, true);
  t.equal(readFileSync(copy, 'utf8'), readFileSync(SOLVER_TABLE, 'utf8'), 'scripts/record-solver-picks.sh would write the same file');
});

t.test('the oracle answers from the solvers, not from the recording', async (t) => {
  // Swapping the two solvers of a tie must move the pick to the other index.
  const document = parse(readFileSync(SOLVER_TABLE, 'utf8')) as { cases: { id: string; issuer: { solvers: unknown[] } }[] };
  const tie = document.cases.find((c) => c.id === 'equal-zones-tie-first-stays');
  if (!tie) throw new Error('case equal-zones-tie-first-stays is missing from the table');
  tie.issuer.solvers.reverse();
  const swapped = join(scratch, 'swapped.yaml');
  writeFileSync(swapped, stringify(document));
  const answers = JSON.parse(await ask(binary, swapped)) as OracleAnswers;
  t.same(answers.picks['equal-zones-tie-first-stays'], [{ name: 'a.example.com', identifier: 'a.example.com', solver: 0, type: 'http-01' }]);
});
