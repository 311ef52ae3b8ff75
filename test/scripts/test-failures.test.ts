import t from 'tap';
import { failureCollector } from '../../scripts/test-failures.ts';

const collect = (text: string): string[] => {
  const collector = failureCollector();
  text.split('\n').forEach(collector.add);
  return collector.failures();
};

t.test('a failed assertion is named with its file and subtests, once', async (t) => {
  const tap = [
    '# Subtest: test/e2e/a.test.ts',
    '    # Subtest: the rollout keeps answering',
    '        ok 1 - should be equal',
    '        not ok 2 - every review answered',
    '        1..2',
    '    not ok 1 - the rollout keeps answering # time=12.5ms',
    '    # Subtest: later',
    '        ok 1 - fine',
    '    ok 2 - later # time=1ms',
    'not ok 1 - test/e2e/a.test.ts # time=3000.1ms',
    '# Subtest: test/server/b.test.ts',
    '    ok 1 - fine',
    'ok 2 - test/server/b.test.ts # time=2ms',
  ].join('\n');
  t.same(collect(tap), ['test/e2e/a.test.ts › the rollout keeps answering › every review answered']);
});

t.test('a file that fails without a failed assertion (a timeout, a crash) is still named', async (t) => {
  const tap = ['# Subtest: test/e2e/slow.test.ts', '    ok 1 - started', 'not ok 1 - test/e2e/slow.test.ts # time=900000ms'].join('\n');
  t.same(collect(tap), ['test/e2e/slow.test.ts']);
});

t.test('a passing run has no failures', async (t) => {
  t.same(collect('# Subtest: x\n    ok 1 - y\nok 1 - x # time=1ms'), []);
});
