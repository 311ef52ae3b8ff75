// The tiers hold what they say: no unit file reaches the Go-built binaries (through the harness's
// binaries.ts or scripts/e2e-binaries.sh), and every e2e file does, so none runs in the slow tier
// for nothing.
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import t from 'tap';
import { tierFiles } from '../../scripts/test-tiers.ts';

const root = resolve(import.meta.dirname, '../..');
const BINARIES = 'test/e2e/harness/binaries.ts';
// The script's path as a string literal, as a file that runs it writes it.
const RUNS_SCRIPT = /'scripts\/e2e-binaries\.sh'/;

const relativeImports = (file: string): string[] =>
  // Static imports only, at the start of a line (a header comment may show one as an example).
  [...readFileSync(join(root, file), 'utf8').matchAll(/^(?:import|export|\})[^'\n]*from '(\.{1,2}\/[^']+)'/gm)].map((match) =>
    relative(root, resolve(root, dirname(file), match[1] ?? '')),
  );

/** Whether `file` or anything it imports (transitively, relative imports only) runs a Go-built binary. */
const reachesBinaries = (file: string, seen = new Set<string>()): boolean => {
  if (seen.has(file)) return false;
  seen.add(file);
  if (file === BINARIES || RUNS_SCRIPT.test(readFileSync(join(root, file), 'utf8'))) return true;
  return relativeImports(file)
    .filter((path) => path.endsWith('.ts'))
    .some((path) => reachesBinaries(path, seen));
};

t.test('unit files need neither Go nor the end-to-end binaries', async (t) => {
  const unit = tierFiles(root, 'unit');
  t.ok(unit.includes('test/policies/fixtures.test.ts'), 'the policy fixtures are unit tests');
  t.same(
    unit.filter((file) => reachesBinaries(file)),
    [],
  );
});

t.test('every e2e file runs the end-to-end binaries', async (t) => {
  const e2e = tierFiles(root, 'e2e');
  t.ok(e2e.includes('test/chart/apply.e2e.test.ts') && e2e.includes('test/e2e/seed-000-listeners.test.ts'), 'both kinds of e2e file are found');
  t.same(
    e2e.filter((file) => !reachesBinaries(file)),
    [],
  );
});

t.test('the tiers split the suite', async (t) => {
  const unit = tierFiles(root, 'unit');
  const e2e = tierFiles(root, 'e2e');
  t.same(
    unit.filter((file) => e2e.includes(file)),
    [],
    'no file in both',
  );
  t.ok(unit.every((file) => file.endsWith('.test.ts')) && e2e.every((file) => file.endsWith('.test.ts')), 'only tap files');
});
