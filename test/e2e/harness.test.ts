// The harness itself: a real API server with the CRDs, an outage and a restart, and nothing left
// running afterwards. Every other e2e file relies on these properties.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import t from 'tap';
import { startCertguard } from './harness/certguard.ts';
import { applyChartIdentity, CERTGUARD_USER } from './harness/chart-identity.ts';
import { startCluster } from './harness/cluster.ts';
import { namespace, yamlOf } from './harness/objects.ts';

const processesMentioning = (text: string): string[] => {
  try {
    return execFileSync('pgrep', ['-f', text], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
};

t.test('a cluster serves the CRDs, survives an API server restart, and leaves nothing behind', async (t) => {
  const cluster = await startCluster();
  t.teardown(() => cluster.stop());
  const dir = dirname(cluster.kubeconfigPath);

  const crds = await cluster.kubectl(['get', 'crd', '-o', 'jsonpath={range .items[*]}{.metadata.name}{"\\n"}{end}']);
  t.equal(crds.code, 0, crds.stderr);
  t.same(crds.stdout.trim().split('\n').sort(), [
    'backendtlspolicies.gateway.networking.k8s.io',
    'certificaterequests.cert-manager.io',
    'certificates.cert-manager.io',
    'challenges.acme.cert-manager.io',
    'clusterissuers.cert-manager.io',
    'gatewayclasses.gateway.networking.k8s.io',
    'gateways.gateway.networking.k8s.io',
    'grpcroutes.gateway.networking.k8s.io',
    'httproutes.gateway.networking.k8s.io',
    'issuers.cert-manager.io',
    'listenersets.gateway.networking.k8s.io',
    'orders.acme.cert-manager.io',
    'referencegrants.gateway.networking.k8s.io',
    'tcproutes.gateway.networking.k8s.io',
    'tlsroutes.gateway.networking.k8s.io',
    'udproutes.gateway.networking.k8s.io',
  ]);

  const version = await cluster.kubectl(['version', '-o', 'json']);
  t.match(JSON.parse(version.stdout), { serverVersion: { gitVersion: 'v1.36.3' } }, 'the API server reports its real version');

  const created = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(namespace('harness-check')) });
  t.equal(created.stdout.trim(), 'namespace/harness-check created');

  await cluster.stopApiServer();
  const down = await cluster.kubectl(['get', 'namespace', 'harness-check']);
  t.not(down.code, 0, 'kubectl fails while the API server is stopped');
  t.equal(down.stderr, `The connection to the server ${new URL(cluster.serverUrl).host} was refused - did you specify the right host or port?\n`);

  await cluster.startApiServer();
  const back = await cluster.kubectl(['get', 'namespace', 'harness-check', '-o', 'jsonpath={.metadata.name}']);
  t.equal(back.stdout, 'harness-check', 'data survives the restart (etcd kept running)');

  t.not(processesMentioning(dir), [], 'etcd and the API server run from the temp dir');
  await cluster.stop();
  t.same(processesMentioning(dir), [], 'no process is left running after stop()');
  t.equal(existsSync(dir), false, 'the temp dir is removed');
});

t.test("certguard runs as the chart's ServiceAccount under the chart's RBAC, never as system:masters", async (t) => {
  const cluster = await startCluster();
  t.teardown(() => cluster.stop());
  const identity = await applyChartIdentity(cluster, { config: {} });
  const as = (args: string[]) => cluster.kubectl(['--kubeconfig', identity.kubeconfigPath, ...args]);
  t.equal((await as(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'])).stdout, CERTGUARD_USER);
  const canCreateSecrets = async () => (await as(['auth', 'can-i', 'create', 'secrets', '-n', 'default'])).stdout.trim();
  const fence = () => cluster.kubectl(['get', 'validatingadmissionpolicy', 'certguard-secret-fence', '-o', 'name', '--ignore-not-found']);
  t.same([await canCreateSecrets(), (await fence()).stdout], ['no', ''], 'enforce mode: no Secret create, no fence');
  const placeholder = { policies: { 'gateway-listener-tls': { mode: 'placeholder' } } };
  await identity.update({ config: placeholder });
  t.same(
    [await canCreateSecrets(), (await fence()).stdout],
    ['yes', 'validatingadmissionpolicy.admissionregistration.k8s.io/certguard-secret-fence\n'],
    "placeholder mode: the chart's create on Secrets and its secret fence",
  );
  await identity.update({ config: {} });
  t.same([await canCreateSecrets(), (await fence()).stdout], ['no', ''], 'back to enforce: both removed, as helm upgrade removes them');
  const audit = await as(['auth', 'can-i', 'create', 'leases', '-n', 'certguard']);
  t.equal(audit.stdout.trim(), 'no', 'no audit RBAC without --audit');

  await t.rejects(
    startCertguard({ kubeconfigPath: cluster.kubeconfigPath, config: {} }),
    { message: /^certguard must run as system:serviceaccount:certguard:certguard under the chart's RBAC, its kubeconfig is certguard-e2e-admin / },
    "the harness refuses to run certguard with the admin's kubeconfig",
  );
  const certguard = await startCertguard({ kubeconfigPath: identity.kubeconfigPath, config: {} });
  t.teardown(() => certguard.stop());
  t.equal((await certguard.readyz()).status, 200, "ready with the chart's ServiceAccount token");
});
