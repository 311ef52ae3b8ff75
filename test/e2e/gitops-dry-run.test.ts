// GitOps early rejection: a pipeline runs `kubectl apply --dry-run=server` on the bundle before
// syncing. certguard gives the same answer as for the real apply, and nothing is created —
// neither the Gateway change nor, in placeholder mode, a placeholder Secret (sideEffects
// NoneOnDryRun: certguard must not act on a dry run).
import t from 'tap';
import type { Cluster } from './harness/cluster.ts';
import { yamlOf } from './harness/objects.ts';
import { clusterState, DENIAL, dryRunWarning, GATEWAY_NAME, grownGateway } from './fixtures/seed-000.ts';
import { startSeed000, storedGateway } from './fixtures/seed-000-stack.ts';

const secretNames = async (cluster: Cluster): Promise<string> =>
  (await cluster.kubectl(['get', 'secret', '-A', '-o', 'jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name}{"\\n"}{end}'])).stdout;

t.test('gitops: a server-side dry run of the incident 000 bundle', async (t) => {
  const { stack, cluster, before } = await startSeed000(t);
  const secretsBefore = await secretNames(cluster);
  // The bundle as a GitOps repository holds it: every object, with the grown Gateway last.
  const bundle = yamlOf(...(await clusterState()), grownGateway());

  await t.test('enforce: the same denial as the real apply, and nothing changes', async (t) => {
    const dryRun = await cluster.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: bundle });
    t.equal(dryRun.code, 1);
    t.match(dryRun.stderr, /^Error from server \(Forbidden\): error when applying patch:/);
    t.ok(dryRun.stderr.endsWith(DENIAL()), `certguard's message, verbatim:\n${dryRun.stderr}`);
    t.same(await storedGateway(cluster), before, 'the stored Gateway is unchanged');
    t.equal(await secretNames(cluster), secretsBefore, 'no Secret was created');
  });

  await t.test('placeholder: admitted with "would create" warnings, and no placeholder Secret exists', async (t) => {
    await stack.reconfigure({ policies: { 'gateway-listener-tls': { mode: 'placeholder' } } });
    const dryRun = await cluster.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: bundle });
    t.equal(dryRun.code, 0, dryRun.stderr);
    t.match(dryRun.stdout, `gateway.gateway.networking.k8s.io/${GATEWAY_NAME} configured (server dry run)\n`);
    t.equal(dryRun.stderr, `Warning: ${dryRunWarning(0)}\nWarning: ${dryRunWarning(1)}\n`);
    t.same(await storedGateway(cluster), before, 'the stored Gateway is unchanged');
    t.equal(await secretNames(cluster), secretsBefore, 'no placeholder Secret was created');
  });
});
