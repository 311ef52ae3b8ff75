// Incident 000 against certguard as a cluster admin runs it: its image on a real node, installed by
// `helm install` with the chart's own TLS bootstrap, called by the API server through its
// Service. Enforce: the grown Gateway is refused with certguard's message, verbatim. Placeholder
// (a `helm upgrade` that rolls the pods): admitted, and certguard creates the placeholder Secrets
// with its own ServiceAccount's RBAC.
import t from 'tap';
import { yamlOf } from './harness/objects.ts';
import { waitFor } from './harness/processes.ts';
import { certguardPods, installCertguard, waitForMode } from './harness/chart.ts';
import { startNodeCluster, type NodeCluster } from './harness/node-cluster.ts';
import { CERTGUARD_NAMESPACE } from './harness/webhooks.ts';
import { storedGateway } from './fixtures/seed-000-stack.ts';
import { clusterState, DENIAL, GATEWAY_NAME, grownGateway, NEW_LISTENERS, WORKING_LISTENERS, workingGateway } from './fixtures/seed-000.ts';

type Secret = { metadata: { namespace: string; name: string; labels?: Record<string, string> } };

const placeholders = async (cluster: NodeCluster): Promise<Secret[]> => {
  const got = await cluster.kubectl(['get', 'secret', '-A', '-l', 'certguard.io/placeholder=true', '-o', 'json']);
  return (JSON.parse(got.stdout) as { items: Secret[] }).items.sort((a, b) => a.metadata.namespace.localeCompare(b.metadata.namespace));
};

t.test('incident 000 through the installed chart', async (t) => {
  const cluster = await startNodeCluster();
  t.teardown(() => cluster.stop());
  await installCertguard(cluster);

  await t.test("the chart's bootstrap published the CA and the API server reaches certguard through its Service", async (t) => {
    const service = await cluster.kubectl(['get', 'validatingwebhookconfiguration', 'certguard', '-o', 'jsonpath={.webhooks[*].clientConfig.service.name}']);
    t.match(service.stdout, /^certguard( certguard)*$/, 'every webhook names the Service, none a URL');
    const caBundle = await cluster.kubectl(['get', 'validatingwebhookconfiguration', 'certguard', '-o', 'jsonpath={.webhooks[0].clientConfig.caBundle}']);
    t.ok(caBundle.stdout.length > 100, 'caBundle patched in by the bootstrap hook');
    const pods = await certguardPods(cluster);
    t.equal(pods.length, 2, 'two replicas');
    t.ok(
      pods.every((pod) => pod.status.phase === 'Running' && pod.status.podIP?.startsWith('10.244.')),
      'running on the node, with pod IPs from the CNI bridge',
    );
    const endpoints = await cluster.kubectl([
      'get',
      'endpointslices',
      '-n',
      CERTGUARD_NAMESPACE,
      '-l',
      'kubernetes.io/service-name=certguard',
      '-o',
      'jsonpath={.items[*].endpoints[*].addresses[0]}',
    ]);
    t.same(endpoints.stdout.split(' ').sort(), pods.map((pod) => pod.status.podIP).sort(), "the Service's endpoints are the two pods");
    await waitForMode(cluster, 'enforce');
  });

  await t.test("enforce: kubectl is refused with certguard's message, verbatim, and the Gateway is unchanged", async (t) => {
    const base = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(...(await clusterState()), workingGateway()) });
    t.equal(base.code, 0, base.code === 0 ? 'the working Gateway applies' : base.stderr);
    const before = await storedGateway(cluster);
    t.equal(before.listeners.length, WORKING_LISTENERS);
    const applied = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(grownGateway()) });
    t.equal(applied.code, 1);
    t.match(applied.stderr, /^Error from server \(Forbidden\): error when applying patch:/);
    t.ok(applied.stderr.endsWith(DENIAL()), `certguard's message, verbatim:\n${applied.stderr}`);
    t.same(await storedGateway(cluster), before, 'the stored Gateway is unchanged');
  });

  await t.test("placeholder (helm upgrade): admitted, with the two placeholder Secrets created by certguard's ServiceAccount", async (t) => {
    const old = (await certguardPods(cluster)).map((pod) => pod.metadata.name);
    await installCertguard(cluster, { config: { policies: { 'gateway-listener-tls': { mode: 'placeholder' } } } });
    await waitForMode(cluster, 'placeholder');
    // helm --wait returns when the new pods are ready; the old ones terminate after their preStop sleep.
    const rolled = async () => ((await certguardPods(cluster)).some((pod) => old.includes(pod.metadata.name)) ? undefined : true);
    t.ok(await waitFor('the old certguard pods to be gone', rolled, { timeoutMs: 120_000, intervalMs: 500 }), 'the config change rolled both pods');
    const applied = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(grownGateway()) });
    t.equal(applied.code, 0, applied.stderr);
    t.equal(applied.stdout, `gateway.gateway.networking.k8s.io/${GATEWAY_NAME} configured\n`);
    t.equal([...applied.stderr.matchAll(/^Warning: /gm)].length, 2, `one warning per placeholder:\n${applied.stderr}`);
    const secrets = await placeholders(cluster);
    t.same(
      secrets.map((secret) => `${secret.metadata.namespace}/${secret.metadata.name}`),
      NEW_LISTENERS.map((entry) => `${entry.namespace}/${entry.secret}`),
    );
    t.ok(secrets.every((secret) => secret.metadata.labels?.['app.kubernetes.io/managed-by'] === 'certguard'));
    t.equal((await storedGateway(cluster)).listeners.length, WORKING_LISTENERS + 2);
  });
});
