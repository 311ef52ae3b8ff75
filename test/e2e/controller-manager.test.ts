// The fuller cluster: kube-controller-manager runs the controllers cert-manager relies on, and
// only those. Each is shown doing its job: a new namespace gets its `default` ServiceAccount (so
// solver Pods are admitted), the garbage collector removes an object whose owner is deleted (so
// a retried Order's Challenge and solver route go away), a deleted namespace really goes away.
import t from 'tap';
import { startCluster } from './harness/cluster.ts';
import { namespace, yamlOf } from './harness/objects.ts';
import { waitFor } from './harness/processes.ts';

type Obj = Record<string, unknown>;

const configMap = (name: string, owner?: { name: string; uid: string }): Obj => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { namespace: 'gc', name, ...(owner ? { ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', ...owner, controller: true }] } : {}) },
});

const pod: Obj = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { namespace: 'gc', name: 'solver' },
  spec: { containers: [{ name: 'solver', image: 'quay.io/jetstack/cert-manager-acmesolver:v1.21.1' }] },
};

t.test('kube-controller-manager: ServiceAccounts, garbage collection, namespace deletion', async (t) => {
  const cluster = await startCluster({ controllerManager: true, crds: false });
  t.teardown(() => cluster.stop());

  const created = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(namespace('gc')) });
  t.equal(created.code, 0, created.stderr);
  await waitFor('the default ServiceAccount in a new namespace', async () =>
    (await cluster.kubectl(['get', 'serviceaccount', 'default', '-n', 'gc'])).code === 0 ? true : undefined,
  );
  const admitted = await cluster.kubectl(['create', '-f', '-'], { input: yamlOf(pod) });
  t.equal(admitted.stdout, 'pod/solver created\n', 'a Pod is admitted (the ServiceAccount admission plugin finds "default")');

  const owner = await cluster.kubectl(['create', '-f', '-', '-o', 'jsonpath={.metadata.uid}'], { input: yamlOf(configMap('owner')) });
  t.equal(owner.code, 0, owner.stderr);
  const child = await cluster.kubectl(['create', '-f', '-'], { input: yamlOf(configMap('child', { name: 'owner', uid: owner.stdout })) });
  t.equal(child.code, 0, child.stderr);
  const deleted = await cluster.kubectl(['delete', 'configmap', 'owner', '-n', 'gc', '--cascade=background']);
  t.equal(deleted.code, 0, deleted.stderr);
  await waitFor(
    'the garbage collector to delete the owned ConfigMap',
    async () => ((await cluster.kubectl(['get', 'configmap', 'child', '-n', 'gc'])).code === 1 ? true : undefined),
    { timeoutMs: 60_000, intervalMs: 500 },
  );
  t.pass('the owned ConfigMap went with its owner');

  const gone = await cluster.kubectl(['delete', 'namespace', 'gc', '--timeout=90s']);
  t.equal(gone.stdout, 'namespace "gc" deleted\n', 'the namespace is emptied and removed (not left Terminating)');
  const after = await cluster.kubectl(['get', 'namespace', 'gc']);
  t.equal(after.stderr, 'Error from server (NotFound): namespaces "gc" not found\n');
});
