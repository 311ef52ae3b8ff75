// Install, uninstall, reinstall, as an admin would: `helm uninstall` removes every webhook
// configuration and cluster-scoped object of the release (so with certguard gone nothing blocks a
// write), and what it leaves in the release namespace (the bootstrap's CA and serving Secrets,
// which helm does not own) does not block a second install, whose webhooks answer again.
import t from 'tap';
import { RELEASE, certguardPods, installCertguard, waitForMode } from './harness/chart.ts';
import { startNodeCluster } from './harness/node-cluster.ts';
import { waitFor } from './harness/processes.ts';
import { CERTGUARD_NAMESPACE } from './harness/webhooks.ts';

const PROBE = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: lifecycle-probe, namespace: default }
spec:
  gatewayClassName: probe
  listeners:
    - { name: probe, protocol: HTTPS, port: 443, tls: { certificateRefs: [{ name: lifecycle-missing }] } }
`;

t.test('helm install, uninstall and install again', async (t) => {
  const cluster = await startNodeCluster();
  t.teardown(() => cluster.stop());
  await installCertguard(cluster);
  await waitForMode(cluster, 'enforce');

  const uninstalled = await cluster.helm(['uninstall', RELEASE, '--namespace', CERTGUARD_NAMESPACE, '--wait', '--timeout=3m']);
  t.equal(uninstalled.code, 0, uninstalled.stderr);
  const selector = `app.kubernetes.io/instance=${RELEASE}`;
  const clusterScoped = await cluster.kubectl([
    'get',
    'validatingwebhookconfigurations,mutatingwebhookconfigurations,clusterroles,clusterrolebindings,validatingadmissionpolicies,validatingadmissionpolicybindings',
    '-l',
    selector,
    '-o',
    'name',
  ]);
  t.equal(clusterScoped.stdout, '', 'no webhook configuration or cluster-scoped object of the release is left');
  await waitFor("certguard's pods to go", async () => ((await certguardPods(cluster)).length === 0 ? true : undefined), {
    timeoutMs: 120_000,
    intervalMs: 1_000,
  });
  const left = await cluster.kubectl(['get', 'all,secrets,configmaps,serviceaccounts,roles,rolebindings', '-n', CERTGUARD_NAMESPACE, '-o', 'name']);
  t.comment(`left in ${CERTGUARD_NAMESPACE} after uninstall: ${left.stdout.trim().split('\n').join(', ')}`);
  t.notMatch(left.stdout, /deployment|service\/|cronjob|job\.batch/, 'no workload or Service of the release is left');

  const unguarded = await cluster.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: PROBE });
  t.equal(unguarded.code, 0, unguarded.code === 0 ? 'with certguard uninstalled nothing judges or blocks the write' : unguarded.stderr);

  await installCertguard(cluster);
  await waitForMode(cluster, 'enforce');
  const denied = await cluster.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: PROBE });
  t.match(
    denied.stderr,
    /admission webhook "gateway-listener-tls\.certguard\.io" denied the request: .*Secret "default\/lifecycle-missing" does not exist/,
    'the reinstalled webhooks answer',
  );
});
