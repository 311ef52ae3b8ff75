// judge(): the offline judgement behind `certguard check` and the audit. Its deadline is one timer
// per object, cleared when the object's verdict is in: an audit judges tens of thousands of
// objects, and a 100 s timer left behind per policy per object was garbage kept alive for the
// whole audit (bench/README.md, Audit inside serve).
import t from 'tap';
import { judge, requestFor } from '../../src/admission/judge.ts';
import { ManifestView } from '../../src/cluster/manifest-view.ts';
import type { Policy } from '../../src/policies/types.ts';

const recording = (id: string, seen: AbortSignal[], verdict: { violations: string[]; warnings: string[] }): Policy => ({
  id,
  mode: 'enforce',
  admission: 'validating',
  matches: () => true,
  check: async (_request, _view, context) => {
    seen.push(context.signal);
    return verdict;
  },
});

const timers = (): number => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;

t.test('one deadline per object, shared by its policies and cleared when the verdict is in', async (t) => {
  const seen: AbortSignal[] = [];
  const policies = [
    recording('first', seen, { violations: ['first says no'], warnings: [] }),
    recording('second', seen, { violations: [], warnings: ['second warns'] }),
  ];
  const object = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app', namespace: 'team' } };
  const before = timers();
  const judgement = await judge(requestFor(object, [], 0), policies, new ManifestView([]));
  t.same(judgement, {
    allowed: false,
    violations: ['first says no'],
    warnings: ['second warns'],
    byPolicy: [
      { policy: 'first', violations: ['first says no'], warnings: [], breakGlass: [] },
      { policy: 'second', violations: [], warnings: ['second warns'], breakGlass: [] },
    ],
  });
  t.equal(seen.length, 2);
  t.equal(seen[0], seen[1], 'both policies got the same signal');
  t.equal(seen[0]?.aborted, false);
  t.equal(timers(), before, 'no timer outlives the judgement');
});

t.test('the deadline is cleared when a policy throws, too', async (t) => {
  const broken: Policy = { ...recording('broken', [], { violations: [], warnings: [] }), check: async () => Promise.reject(new Error('boom')) };
  const object = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app', namespace: 'team' } };
  const before = timers();
  await t.rejects(judge(requestFor(object, [], 0), [broken], new ManifestView([])), { message: /^ConfigMap team\/app: / });
  t.equal(timers(), before);
});
