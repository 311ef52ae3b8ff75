// GitOps with Flux while certguard is down: what the Kustomization says with the chart's default
// failurePolicy (Ignore: the sync goes through unchecked) and with Fail (the sync stops at the
// dry run with the API server's "failed calling webhook"), and that it recovers when certguard is
// back, without a new commit.
import t from 'tap';
import { issueSelfSigned, validityWindow } from '../../src/certs/x509.ts';
import { startFluxStack } from './fixtures/flux-stack.ts';
import type { Cluster } from './harness/cluster.ts';
import { gateway, httpsListener, namespace, tlsSecret, yamlOf, type Listener } from './harness/objects.ts';

const NS = 'edge';
const GATEWAY = 'edge-gateway';

const shopListener = httpsListener('websecure-shop', 'shop.example.com', 'shop-tls');
/** A second listener serving the same, existing Secret: a change certguard admits. */
const wwwListener = httpsListener('websecure-www', 'www.shop.example.com', 'shop-tls');
/** A listener whose Secret nothing creates: a change certguard denies in enforce mode. */
const payListener = httpsListener('websecure-pay', 'pay.example.com', 'pay-tls');

// The Secret is cluster state (cert-manager's in real life), not in the repository: Flux dry-runs
// a commit before it stores any of it, so a Secret committed beside its listener is not there yet
// when certguard judges the Gateway (gitops-flux-seed-000.test.ts shows that denial).
const prepare = async (cluster: Cluster) => {
  const pair = await issueSelfSigned({ commonName: '*.example.com', dnsNames: ['*.example.com', '*.shop.example.com'], ...validityWindow(30) });
  const applied = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(namespace(NS), tlsSecret(NS, 'shop-tls', pair)) });
  if (applied.code !== 0) throw new Error(applied.stderr);
};

const repo = (...listeners: Listener[]): Record<string, string> => ({ 'gateway.yaml': yamlOf(gateway(NS, GATEWAY, listeners)) });

const listenersOf = async (cluster: Cluster): Promise<string> =>
  (await cluster.kubectl(['get', 'gateway', GATEWAY, '-n', NS, '-o', 'jsonpath={.spec.listeners[*].name}'])).stdout;

/** The API server's refusal when it cannot reach a Fail webhook, as kustomize-controller reports it. */
const unreachable = (port: number) =>
  new RegExp(
    `^Gateway/${NS}/${GATEWAY} dry-run failed \\(InternalError\\): Internal error occurred: failed calling webhook "gateway-listener-tls\\.certguard\\.io": ` +
      `failed to call webhook: Post "https://127\\.0\\.0\\.1:${port}/validate/gateway-listener-tls\\?timeout=5s": dial tcp 127\\.0\\.0\\.1:${port}: connect: connection refused`,
  );

t.test('gitops with Flux: certguard down, chart default failurePolicy Ignore', async (t) => {
  const { stack, push } = await startFluxStack(t, { config: {}, failurePolicy: 'Ignore' });
  await prepare(stack.cluster);
  const base = await push(repo(shopListener), 'edge gateway', 'True');
  t.equal(base.status.lastAppliedRevision, base.revision);

  await stack.certguard.stop();
  const unchecked = await push(repo(shopListener, payListener), 'add pay listener (its Secret is missing)', 'True');
  t.equal(unchecked.status.ready?.reason, 'ReconciliationSucceeded');
  t.equal(unchecked.status.lastAppliedRevision, unchecked.revision, 'the commit certguard would deny is applied unchecked');
  t.equal(await listenersOf(stack.cluster), 'websecure-shop websecure-pay');

  await stack.reconfigure({});
  const after = await push(repo(shopListener, payListener, wwwListener), 'add www listener', 'True');
  t.equal(after.status.lastAppliedRevision, after.revision, 'back up: a later commit syncs (the broken listener it kept only warns)');
});

t.test('gitops with Flux: certguard down, failurePolicy Fail', async (t) => {
  const { stack, flux, push } = await startFluxStack(t, { config: {}, failurePolicy: 'Fail' });
  await prepare(stack.cluster);
  const base = await push(repo(shopListener), 'edge gateway', 'True');

  const { port } = stack.certguard;
  await stack.certguard.stop();
  const blocked = await push(repo(shopListener, wwwListener), 'add www listener', 'False');
  t.equal(blocked.status.ready?.reason, 'ReconciliationFailed');
  t.match(blocked.status.ready?.message, unreachable(port));
  t.equal(blocked.status.lastAppliedRevision, base.revision, 'the commit is not applied');
  t.equal(await listenersOf(stack.cluster), 'websecure-shop');

  await stack.reconfigure({});
  const recovered = await flux.waitForAttempt('fleet', blocked.revision, 'True');
  t.equal(recovered.lastAppliedRevision, blocked.revision, 'certguard back: the same commit syncs on the next retry, no new commit needed');
  t.equal(await listenersOf(stack.cluster), 'websecure-shop websecure-www');
});
