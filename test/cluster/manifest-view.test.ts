// The manifest view copies and freezes an object once, when it is added, and hands out that one
// copy: no copy per read, and a caller that writes to what it got throws.
import t from 'tap';
import { ManifestView } from '../../src/cluster/manifest-view.ts';
import type { KubeObject } from '../../src/kube/object.ts';

const secret = (crt: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  type: 'kubernetes.io/tls',
  metadata: { name: 'app-tls', namespace: 'app', labels: { app: 'web' } },
  data: { 'tls.crt': crt },
});

t.test('hands out the same frozen object on every read', async (t) => {
  const view = new ManifestView([secret('one')]);
  const first = await view.get('secrets', 'app', 'app-tls');
  t.equal(await view.get('secrets', 'app', 'app-tls'), first, 'no copy per read');
  t.equal(view.list('secrets')[0], first);
  t.ok(Object.isFrozen(first) && Object.isFrozen(first?.metadata) && Object.isFrozen(first?.metadata?.labels));
  t.throws(() => {
    (first!.metadata!.labels as Record<string, string>).app = 'changed';
  }, TypeError);
});

t.test('keeps its own copy of what it was given', async (t) => {
  const given = secret('one');
  const view = new ManifestView([given]);
  given.metadata!.labels!.app = 'changed';
  t.equal((await view.get('secrets', 'app', 'app-tls'))?.metadata?.labels?.app, 'web');
  t.notOk(Object.isFrozen(given), "the caller's object stays writable");
});

t.test('judges a stored Secret once, and again once it is replaced', async (t) => {
  const view = new ManifestView([secret('one')]);
  let calls = 0;
  const judge = { id: 'test', judge: (object: KubeObject) => ((calls += 1), (object.data as Record<string, string>)['tls.crt']) };
  t.equal(await view.judgeSecret('app', 'app-tls', judge), 'one');
  t.equal(await view.judgeSecret('app', 'app-tls', judge), 'one');
  t.equal(calls, 1);
  view.add(secret('two'));
  t.equal(await view.judgeSecret('app', 'app-tls', judge), 'two');
  t.equal(await view.judgeSecret('app', 'missing', judge), undefined);
  t.equal(calls, 2);
});
