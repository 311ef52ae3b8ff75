// ConfigMap content verdicts (view.judgeConfigMap): ConfigMaps are never listed nor watched
// (resources.ts getOnly), so the live view GETs the one asked for on every call and keeps nothing.
// Requests are counted at the fake API server.
import t from 'tap';
import { ManifestView } from '../../src/cluster/manifest-view.ts';
import { createLiveView } from '../../src/cluster/live/live-view.ts';
import { ViewReadError } from '../../src/cluster/view.ts';
import type { KubeObject } from '../../src/kube/object.ts';
import { FakeApiServer, type FakeObject } from './fake-api-server.ts';
import { recordingLogger, waitFor } from './helpers.ts';

const configMap = (namespace: string, name: string, bundle: string): FakeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace },
  data: { 'ca.crt': bundle },
});

const judge = { id: 'test/ca-crt', judge: (object: KubeObject) => (object.data as Record<string, string>)['ca.crt'] };

t.test('the live view GETs the ConfigMap on each call, never lists or watches ConfigMaps', async (t) => {
  const api = new FakeApiServer();
  await api.start();
  const view = createLiveView({
    kubeconfig: api.kubeconfigPath,
    staleAfterSeconds: 30,
    logger: recordingLogger().logger,
    backoff: { initialMs: 20, maxMs: 100 },
  });
  t.teardown(async () => {
    await view.stop();
    await api.stop();
  });
  api.apply(configMap('traefik', 'client-ca', 'bundle one'));
  await view.start();
  await waitFor('the view to be ready', () => view.status().ready);
  t.equal(await view.judgeConfigMap('traefik', 'client-ca', judge), 'bundle one');
  api.apply(configMap('traefik', 'client-ca', 'bundle two'));
  t.equal(await view.judgeConfigMap('traefik', 'client-ca', judge), 'bundle two', 'no kept verdict: a change is seen at once');
  t.equal(await view.judgeConfigMap('traefik', 'missing', judge), undefined, 'a missing ConfigMap');
  const configMapRequests = api.requests.filter((request) => request.path.includes('/configmaps'));
  t.same(
    configMapRequests.map((request) => `${request.method} ${request.path}`),
    [
      'GET /api/v1/namespaces/traefik/configmaps/client-ca',
      'GET /api/v1/namespaces/traefik/configmaps/client-ca',
      'GET /api/v1/namespaces/traefik/configmaps/missing',
    ],
    'one GET by name per call, and no list or watch',
  );
  t.notOk(
    view.resourceStats().some((stat) => stat.resource === 'configmaps'),
    'no cache for ConfigMaps',
  );
  const aborted = AbortSignal.abort(new DOMException('deadline', 'TimeoutError'));
  await t.rejects(
    view.judgeConfigMap('traefik', 'client-ca', judge, { signal: aborted }),
    new ViewReadError("reading ConfigMap traefik/client-ca from the API server: the review's deadline passed first"),
  );
});

t.test('the manifest view judges a stored ConfigMap once, and again once it is replaced', async (t) => {
  let calls = 0;
  const counting = { id: 'test/ca-crt', judge: (object: KubeObject) => ((calls += 1), judge.judge(object)) };
  const view = new ManifestView([configMap('traefik', 'client-ca', 'one') as KubeObject]);
  t.equal(await view.judgeConfigMap('traefik', 'client-ca', counting), 'one');
  t.equal(await view.judgeConfigMap('traefik', 'client-ca', counting), 'one');
  view.add(configMap('traefik', 'client-ca', 'two') as KubeObject);
  t.equal(await view.judgeConfigMap('traefik', 'client-ca', counting), 'two');
  t.equal(await view.judgeConfigMap('traefik', 'missing', counting), undefined);
  t.equal(calls, 2);
});
