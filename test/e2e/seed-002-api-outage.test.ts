// Incident 002 (Cilium's operator failed once because the API server was briefly unreachable at
// start, and never retried): certguard started before the API server is alive but not ready,
// becomes ready when the API server appears — no restart —, and keeps deciding correctly after
// the API server restarts mid-run (its watches resume and see new objects).
// certguard runs as the chart's ServiceAccount: its RBAC and a TokenRequest token are made while
// the API server is up, before it stops; the token is checked again once the API server is back
// (same etcd, same signing key), with `kubectl auth whoami` when certguard is ready.
import t from 'tap';
import { startCertguard } from './harness/certguard.ts';
import { applyChartIdentity } from './harness/chart-identity.ts';
import { startCluster, type Cluster } from './harness/cluster.ts';
import { gateway, httpsListener, namespace, tlsSecret, yamlOf } from './harness/objects.ts';
import { issueCa, issueServing, type Issued } from './harness/pki.ts';
import { waitFor } from './harness/processes.ts';
import { waitForWebhooks } from './harness/stack.ts';
import { registerWebhooks } from './harness/webhooks.ts';

const NS = 'outage';

const missingMessage = (listener: string, secret: string) =>
  `admission webhook "gateway-listener-tls.certguard.io" denied the request: spec.listeners[0] "${listener}" (Gateway ${NS}/${listener}, hostname "${listener}.example.com"): ` +
  `certificateRefs[0] Secret "${NS}/${secret}" does not exist and no Certificate or cert-manager annotation will create it: ` +
  'the controller leaves this listener without a certificate, and Traefik and Contour then mark this Gateway not accepted or not programmed. Fix: check the Secret name, or create the Secret\n';

// A Gateway named after its one listener, whose Secret is `secret`.
const applyGateway = (cluster: Cluster, listener: string, secret: string) =>
  cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(gateway(NS, listener, [httpsListener(listener, `${listener}.example.com`, secret)])) });

t.test('incident 002: certguard started before the API server, then the API server restarts', async (t) => {
  const cluster = await startCluster();
  t.teardown(() => cluster.stop());
  const prepared = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(namespace(NS)) });
  t.equal(prepared.code, 0, prepared.stderr);
  const { kubeconfigPath } = await applyChartIdentity(cluster, { config: {} });
  await cluster.stopApiServer();

  const certguard = await startCertguard({ kubeconfigPath, config: {}, wait: false });
  t.teardown(() => certguard.stop());
  // For the listener that serves it: a certificate that does not cover its hostname gets a warning (issue 14).
  const pair: Issued = await issueServing(await issueCa('outage-ca'), 'after.example.com', ['after.example.com']);

  await t.test('without an API server: alive, not ready, and it says what is missing', async (t) => {
    await waitFor('certguard /healthz', async () => ((await fetch(`${certguard.metricsUrl}/healthz`)).ok ? true : undefined));
    // Several seconds of retrying must not turn into giving up (the seed's bug) nor into "ready".
    for (const wait of [0, 3_000]) {
      await new Promise((resolve) => setTimeout(resolve, wait));
      const readyz = await certguard.readyz();
      t.equal(readyz.status, 503);
      const body = JSON.parse(readyz.body) as { status: string; notReady: string[] };
      t.equal(body.status, 'not ready');
      t.ok(
        body.notReady.some((reason) => reason.includes('secrets')),
        `names the unsynced resources: ${readyz.body}`,
      );
    }
  });

  await t.test('the API server appears: ready without a restart, and decisions are right', async (t) => {
    await cluster.startApiServer();
    await certguard.waitReady(90_000);
    t.equal(certguard.logs().match(/"msg":"certguard listening"/g)?.length, 1, 'the same certguard process, started once');

    await registerWebhooks(cluster, { url: certguard.url, caBundle: certguard.caBundle, config: {} });
    await waitForWebhooks(cluster);
    const denied = await applyGateway(cluster, 'before', 'before-tls');
    t.equal(denied.code, 1);
    t.ok(denied.stderr.endsWith(missingMessage('before', 'before-tls')), denied.stderr);
  });

  await t.test('the API server restarts mid-run: the view resumes and sees what changed', async (t) => {
    await cluster.restartApiServer();
    const created = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(tlsSecret(NS, 'after-tls', pair)) });
    t.equal(created.stdout, 'secret/after-tls created\n', created.stderr);
    // The cache (not a live GET) must learn about the new Secret: its watch is back.
    const secretsBefore = await certguard.metric('certguard_cluster_view_objects', { resource: 'secrets' });
    await waitFor(
      'certguard to see the Secret created after the restart',
      async () => {
        const seen = await cluster.kubectl(['get', 'secrets', '-A', '--no-headers']);
        const total = seen.stdout.trim().split('\n').filter(Boolean).length;
        return (await certguard.metric('certguard_cluster_view_objects', { resource: 'secrets' })) === total ? true : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    t.ok(secretsBefore !== undefined, 'certguard exports its view size');
    t.equal((await certguard.readyz()).status, 200, 'ready after the restart');
    // The restarted API server loads its webhook configurations through an informer too.
    await waitForWebhooks(cluster);

    const admitted = await applyGateway(cluster, 'after', 'after-tls');
    t.equal(admitted.stdout, 'gateway.gateway.networking.k8s.io/after created\n', admitted.stderr);
    t.equal(admitted.stderr, '');
    const denied = await applyGateway(cluster, 'still', 'still-missing');
    t.equal(denied.code, 1);
    t.ok(denied.stderr.endsWith(missingMessage('still', 'still-missing')), denied.stderr);
  });
});
