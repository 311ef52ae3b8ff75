// The live view against a real kube-apiserver + etcd (test/e2e/harness). What the fake server
// (live-view.test.ts) cannot prove: the real PartialObjectMetadata answers, real discovery of CRDs
// installed while we run, a real outage and restart, and a Secret looked up the moment it exists.
import { execFileSync } from 'node:child_process';
import t from 'tap';
import type { AdmissionRequest } from '../../src/admission/types.ts';
import type { KubeObject } from '../../src/kube/object.ts';
import { review } from '../../src/admission/complete.ts';
import { createLiveView, type LiveView } from '../../src/cluster/live/live-view.ts';
import { createAcmeSolverCapPolicy } from '../../src/policies/acme-solver-cap/policy.ts';
import { createGatewayListenerTlsPolicy } from '../../src/policies/gateway-listener-tls/policy.ts';
import { admissionRequest, gateway, https, settingsWith } from '../helpers/gateway-tls.ts';
import { ensureBinaries } from '../e2e/harness/binaries.ts';
import { startCluster } from '../e2e/harness/cluster.ts';
import { KUBECTL } from '../e2e/harness/paths.ts';
import { recordingLogger, SOLVER, waitFor } from './helpers.ts';

// The CRD-backed resources, absent until the test installs the CRDs.
const CRD_BACKED = ['referencegrants', 'gateways', 'listenersets', 'backendtlspolicies', 'issuers', 'clusterissuers', 'certificates', 'solver-httproutes'];

const withoutProxies = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_PROXY: '127.0.0.1', no_proxy: '127.0.0.1' };
  for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'ALL_PROXY', 'all_proxy', 'KUBECONFIG']) delete env[name];
  return env;
};

const names = (objects: KubeObject[]) => objects.map((object) => object.metadata?.name).sort();

const solverRoute = (namespace: string, name: string) => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: {
    name,
    namespace,
    labels: SOLVER,
    ownerReferences: [
      { apiVersion: 'acme.cert-manager.io/v1', kind: 'Challenge', name: `${name}-challenge`, uid: '0f0e0d0c-0000-4000-8000-000000000001', controller: true },
    ],
  },
  spec: { parentRefs: [{ name: 'traefik-gateway', namespace: 'traefik' }], rules: [{ backendRefs: [{ name: 'solver', port: 8089 }] }] },
});

const solverCreate = (object: KubeObject): AdmissionRequest => ({
  uid: '5d0a7c1e-0000-4000-8000-000000000002',
  kind: { group: 'gateway.networking.k8s.io', version: 'v1', kind: 'HTTPRoute' },
  resource: { group: 'gateway.networking.k8s.io', version: 'v1', resource: 'httproutes' },
  namespace: object.metadata?.namespace,
  operation: 'CREATE',
  object,
});

t.test('the live view on a real API server', async (t) => {
  const cluster = await startCluster({ crds: false });
  t.teardown(() => cluster.stop());
  const apply = async (object: unknown) => {
    const result = await cluster.kubectl(['apply', '-f', '-'], { input: JSON.stringify(object) });
    if (result.code !== 0) throw new Error(`kubectl apply: ${result.stderr}`);
  };
  const kubectl = async (...args: string[]) => {
    const result = await cluster.kubectl(args);
    if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  };
  await kubectl('create', 'namespace', 'app');
  await kubectl('create', 'secret', 'generic', 'before', '-n', 'app', '--from-literal=password=hunter2');
  await kubectl('label', 'secret', 'before', '-n', 'app', 'certguard.io/team=web', 'team=web');

  const log = recordingLogger();
  const view: LiveView = createLiveView({
    kubeconfig: cluster.kubeconfigPath,
    staleAfterSeconds: 2,
    logger: log.logger,
    backoff: { initialMs: 100, maxMs: 1000 },
  });
  t.teardown(() => view.stop());
  const ready = () => waitFor('the view to be ready', () => view.status().ready, 60_000);
  const port = new URL(cluster.serverUrl).port;

  await t.test('API server absent at start: not ready, naming why; ready once it is up, without a restart', async (t) => {
    await cluster.stopApiServer();
    await view.start();
    const line = await waitFor('a failed attempt', () => view.status().notReady.find((entry) => entry.startsWith('secrets:') && entry.includes('unreachable')));
    t.equal(line, `secrets: API server unreachable: connect ECONNREFUSED 127.0.0.1:${port}`);
    t.equal(view.status().notReady.length, 12, 'every resource is named');
    await cluster.startApiServer();
    await ready();
    t.equal(log.lines.filter((entry) => entry.message.startsWith('secrets: API server unreachable')).length, 1, 'logged once');
  });

  await t.test('initial sync: metadata only for Secrets (the labels certguard selects on), CRD-backed resources idle while not installed', async (t) => {
    t.strictSame(
      view.status().idle,
      CRD_BACKED.map((id) => `${id}: not served (CRD not installed)`),
    );
    t.equal(view.isServed('gateways'), false);
    const [cached] = view.list('secrets', { namespace: 'app' });
    t.strictSame(cached, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'before', namespace: 'app', creationTimestamp: cached?.metadata?.creationTimestamp, labels: { 'certguard.io/team': 'web' } },
    });
    t.match(cached?.metadata?.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    t.ok(names(view.list('namespaces')).includes('app'));
    const full = await view.get('secrets', 'app', 'before', { content: true });
    t.equal(full?.type, 'Opaque');
    t.strictSame(full?.data, { password: Buffer.from('hunter2').toString('base64') }, 'content comes from a live GET');
  });

  await t.test('adds, updates and deletes arrive through the watch', async (t) => {
    await kubectl('create', 'secret', 'generic', 'added', '-n', 'app', '--from-literal=a=b');
    await waitFor('the added Secret', () => names(view.list('secrets', { namespace: 'app' })).includes('added'));
    await kubectl('label', 'secret', 'added', '-n', 'app', 'certguard.io/stage=two');
    await waitFor('the label', () => view.list('secrets', { namespace: 'app', labels: { 'certguard.io/stage': 'two' } }).length === 1);
    await kubectl('delete', 'secret', 'before', '-n', 'app');
    await waitFor('the deletion', () => !names(view.list('secrets', { namespace: 'app' })).includes('before'));
    t.strictSame(names(view.list('secrets', { namespace: 'app' })), ['added']);
  });

  await t.test('CRDs installed after start: served, synced, and the solver cap wakes up', async (t) => {
    const cap = createAcmeSolverCapPolicy({ mode: 'enforce', maxPerNamespace: 1, maxClusterWide: 200, namespaceAnnotation: 'certguard.io/max-solver-routes' });
    const second = solverRoute('app', 'cm-acme-http-solver-second');
    const idle = await review(solverCreate(second), [cap], { view });
    t.equal(idle.response.allowed, true, 'no HTTPRoute API: the policy idles');

    const { gatewayApiCrds, certManagerCrds } = await ensureBinaries();
    await kubectl('apply', '--server-side', '-f', gatewayApiCrds, '-f', certManagerCrds);
    await kubectl('wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all');
    await apply(solverRoute('app', 'cm-acme-http-solver-first'));
    await apply({ ...solverRoute('app', 'plain-route'), metadata: { name: 'plain-route', namespace: 'app' } });
    await apply({
      apiVersion: 'gateway.networking.k8s.io/v1beta1',
      kind: 'ReferenceGrant',
      metadata: { name: 'allow', namespace: 'app' },
      spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'traefik' }], to: [{ group: '', kind: 'Secret' }] },
    });
    await waitFor(
      'the CRDs to be noticed',
      () => view.isServed('solver-httproutes') && view.list('solver-httproutes').length === 1 && view.list('referencegrants').length === 1,
      60_000,
    );
    t.strictSame(view.status().idle, [], 'nothing idles any more');
    t.strictSame(names(view.list('solver-httproutes')), ['cm-acme-http-solver-first'], 'only the labelled route');
    t.strictSame(view.list('solver-httproutes')[0]?.metadata?.ownerReferences, [
      { apiVersion: 'acme.cert-manager.io/v1', kind: 'Challenge', name: 'cm-acme-http-solver-first-challenge', controller: true },
    ]);
    t.equal(view.list('referencegrants')[0]?.apiVersion, 'gateway.networking.k8s.io/v1', 'a v1beta1 grant is seen through the first served version');
    t.strictSame(
      view.count('solver-httproutes', { ownedBy: { group: 'acme.cert-manager.io', kind: 'Challenge' } }),
      new Map([['app', 1]]),
      'counted as owned by a Challenge',
    );

    const awake = await review(solverCreate(second), [cap], { view });
    t.equal(awake.response.allowed, false, 'the policy counts the cached route and denies the second');
    t.equal(awake.response.status?.code, 403);
  });

  await t.test('a Secret looked up right after it is created is found: the live GET confirms the cache miss', async (t) => {
    const policy = createGatewayListenerTlsPolicy(settingsWith({ secretContent: 'off' }));
    for (const name of ['fresh-0', 'fresh-1', 'fresh-2']) {
      // Created synchronously: the event loop has not run since, so the watch event cannot be in
      // the cache yet, whatever the timing. Exactly GitOps applying a Secret and its Gateway.
      execFileSync(KUBECTL, [`--kubeconfig=${cluster.kubeconfigPath}`, 'create', 'secret', 'generic', name, '-n', 'app', '--from-literal=a=b'], {
        env: withoutProxies(),
        stdio: 'ignore',
      });
      t.notOk(names(view.list('secrets', { namespace: 'app' })).includes(name), `${name}: not in the cache yet`);
      const object = gateway([https('websecure', 'app.example.com', { name, namespace: 'app' })], { namespace: 'app', name: `gw-${name}` });
      const outcome = await review(admissionRequest(object), [policy], { view });
      t.strictSame(outcome.response, { uid: outcome.response.uid, allowed: true }, `${name}: no false "does not exist"`);
    }
    const missing = gateway([https('websecure', 'app.example.com', { name: 'never-created', namespace: 'app' })], { namespace: 'app', name: 'gw-missing' });
    const denied = await review(admissionRequest(missing), [policy], { view });
    t.equal(denied.response.allowed, false, 'a Secret that really is missing is still denied');
  });

  await t.test('createSecret: created, then exists on 409', async (t) => {
    const placeholder = { metadata: { name: 'placeholder', namespace: 'app' }, type: 'kubernetes.io/tls', data: { 'tls.crt': '', 'tls.key': '' } };
    t.strictSame(await view.createSecret(placeholder), { outcome: 'created' });
    t.strictSame(await view.createSecret(placeholder), { outcome: 'exists' });
  });

  await t.test('API server restarted mid-run: the cache answers meanwhile, goes stale after the bound, and resumes', async (t) => {
    await cluster.stopApiServer();
    t.ok(names(view.list('secrets', { namespace: 'app' })).includes('added'), 'the cache still answers while the API is down');
    const stale = await waitFor('a stale cache', () => view.status().notReady.find((entry) => entry.startsWith('secrets:')), 30_000);
    t.match(stale, new RegExp(`^secrets: disconnected for [\\d.]+ s \\(stale after 2 s\\): API server unreachable: `));
    await cluster.startApiServer();
    await ready();
    await kubectl('create', 'secret', 'generic', 'after-restart', '-n', 'app', '--from-literal=a=b');
    await waitFor('a Secret created after the restart', () => names(view.list('secrets', { namespace: 'app' })).includes('after-restart'), 30_000);
    t.ok(log.lines.some((entry) => entry.message.startsWith('secrets: connected again after')));
  });

  await t.test('a placeholder create in a namespace being deleted is refused with the API reason', async (t) => {
    // No controller-manager here, so a deleted namespace with a finalizer stays Terminating.
    await apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'leaving' }, spec: { finalizers: ['kubernetes'] } });
    await kubectl('delete', 'namespace', 'leaving', '--wait=false');
    const refused = await view.createSecret({ metadata: { name: 'placeholder', namespace: 'leaving' }, type: 'kubernetes.io/tls', data: {} });
    t.strictSame(refused, {
      outcome: 'refused',
      reason: 'secrets "placeholder" is forbidden: unable to create new content in namespace leaving because it is being terminated',
    });
  });
});
