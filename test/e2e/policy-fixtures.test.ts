// Policy fixtures through kubectl against the real API server, judged by the same runner data as
// the unit and CLI tests (test/helpers/policy-fixtures.ts): every document but the last is applied
// as cluster state, the last is created, and kubectl must show exactly the verdict the policy's
// fixtures/expected.yaml states for that object (the message `certguard check` gives).
//
// Only gateway-listener-tls runs here: certificate-dns's fixtures carry Gateway status.addresses,
// which `kubectl apply` cannot set (status subresource), and acme-solver-cap counts from the
// informer cache, which a create right after the apply may not have seen yet (test/e2e
// seed-001-flood.test.ts covers the cap against the real API server).
import t from 'tap';
import type { KubeObject } from '../../src/kube/object.ts';
import { readManifests } from '../../src/cluster/manifest-view.ts';
import { fixturesOf } from '../helpers/policy-fixtures.ts';
import { yamlOf } from './harness/objects.ts';
import { startStack } from './harness/stack.ts';

const E2E_POLICIES = ['gateway-listener-tls'];

const objectName = (object: KubeObject): string => `${object.kind} ${object.metadata?.namespace ?? 'default'}/${object.metadata?.name ?? ''}`;

t.test('policy fixtures through kubectl give the verdicts of expected.yaml', async (t) => {
  // tls-secret-in-use off: the clean-up below deletes each fixture's Secret along with the Gateway
  // that serves it (that policy has its own end-to-end test).
  const { cluster } = await startStack(t, { config: { policies: { 'tls-secret-in-use': { mode: 'off' } } }, failurePolicy: 'Fail' });
  for (const fixture of E2E_POLICIES.flatMap(fixturesOf)) {
    const documents = await readManifests([fixture.path]);
    const state = documents.slice(0, -1);
    const underTest = documents.at(-1) as KubeObject;
    const expected = fixture.expected.find((verdict) => verdict.object === objectName(underTest));
    await t.test(`${fixture.policy}/${fixture.name}`, async (t) => {
      const applied = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(...(state as Array<Record<string, unknown>>)) });
      t.equal(applied.code, 0, `cluster state applies: ${applied.stderr}`);
      const created = await cluster.kubectl(['create', '-f', '-'], { input: yamlOf(underTest as Record<string, unknown>) });
      if (!expected || expected.allowed) {
        t.equal(created.code, 0, `admitted: ${created.stderr}`);
        t.same(
          created.stderr.split('\n').filter((line) => line.startsWith('Warning: ')),
          (expected?.warnings ?? []).map((warning) => `Warning: ${warning}`),
          'exactly the expected warnings',
        );
      } else {
        const webhook = `${fixture.policy}.certguard.io`;
        t.equal(created.code, 1);
        const message = `admission webhook "${webhook}" denied the request: ${expected.violations.join('; ')}\n`;
        t.ok(created.stderr.endsWith(message), `kubectl shows the expected message:\n${created.stderr}`);
      }
      // Namespaces stay: this API server runs no namespace controller to finish deleting them.
      const removable = documents.filter((document) => document.kind !== 'Namespace');
      const deleted = await cluster.kubectl(['delete', '--ignore-not-found', '--wait=false', '-f', '-'], {
        input: yamlOf(...(removable as Array<Record<string, unknown>>)),
      });
      t.equal(deleted.code, 0, deleted.stderr);
    });
  }
});
