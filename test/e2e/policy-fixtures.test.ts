// gateway-listener-tls's good/bad fixture bundles, applied through kubectl against the real API
// server: every document but the last is cluster state, the last is created. The denial kubectl
// prints must be the very message the offline check gives for the same bundle.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { KubeObject } from '../../src/kube/object.ts';
import { readManifests } from '../../src/cluster/manifest-view.ts';
import { checkBundle } from '../../src/cli/check.ts';
import { yamlOf } from './harness/objects.ts';
import { startStack } from './harness/stack.ts';

const FIXTURES = join(import.meta.dirname, '../../src/policies/gateway-listener-tls/fixtures');

const filesIn = (kind: 'good' | 'bad') => readdirSync(join(FIXTURES, kind)).filter((name) => name.endsWith('.yaml')).sort().map((name) => join(FIXTURES, kind, name));

t.test('gateway-listener-tls fixtures through kubectl match the offline check', async (t) => {
  // tls-secret-in-use off: the clean-up below deletes each fixture's Secret along with the Gateway
  // that serves it, in file order (that policy has its own end-to-end test).
  const { cluster } = await startStack(t, { config: { policies: { 'tls-secret-in-use': { mode: 'off' } } }, failurePolicy: 'Fail' });
  for (const kind of ['good', 'bad'] as const) {
    for (const file of filesIn(kind)) {
      const documents = await readManifests([file]);
      const state = documents.slice(0, -1);
      const underTest = documents.at(-1) as KubeObject;
      const name = `${kind}/${file.split('/').at(-1)}`;
      await t.test(name, async (t) => {
        const applied = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(...(state as Array<Record<string, unknown>>)) });
        t.equal(applied.code, 0, `cluster state applies: ${applied.stderr}`);
        const created = await cluster.kubectl(['create', '-f', '-'], { input: yamlOf(underTest as Record<string, unknown>) });
        if (kind === 'good') {
          t.equal(created.code, 0, `admitted: ${created.stderr}`);
          t.equal(created.stderr, '', 'without warnings');
        } else {
          const verdicts = await checkBundle(documents, []);
          const message = verdicts.at(-1)?.violations.join('; ') ?? '';
          t.not(message, '', 'the offline check denies it too');
          t.equal(created.code, 1);
          t.ok(created.stderr.endsWith(`admission webhook "gateway-listener-tls.certguard.io" denied the request: ${message}\n`), `kubectl shows the offline check's message:\n${created.stderr}`);
        }
        // Namespaces stay: this API server runs no namespace controller to finish deleting them.
        const removable = documents.filter((document) => document.kind !== 'Namespace');
        const deleted = await cluster.kubectl(['delete', '--ignore-not-found', '--wait=false', '-f', '-'], { input: yamlOf(...(removable as Array<Record<string, unknown>>)) });
        t.equal(deleted.code, 0, deleted.stderr);
      });
    }
  }
});
