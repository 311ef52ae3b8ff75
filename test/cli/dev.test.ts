// `npm start` never talks to a real cluster unless asked, and says which one when asked.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { planDev } from '../../src/cli/dev.ts';

const dir = mkdtempSync(join(tmpdir(), 'certguard-dev-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const kubeconfig = join(dir, 'config');
writeFileSync(
  kubeconfig,
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'prod', cluster: { server: 'https://prod.example.com:6443' } }],
    users: [{ name: 'me', user: { token: 't' } }],
    contexts: [{ name: 'prod-admin', context: { cluster: 'prod', user: 'me' } }],
    'current-context': 'prod-admin',
  }),
);

t.test('by default it serves the example cluster, even with KUBECONFIG set, and says so', async (t) => {
  const plan = planDev([], { KUBECONFIG: kubeconfig });
  t.same(plan.args, ['--bind-address', '127.0.0.1', '--manifests', 'examples/cluster', '--config', 'examples/config.yaml']);
  t.equal(plan.notice, 'certguard dev: serving the example cluster in examples/cluster/, no real cluster is contacted (pass --kubeconfig PATH to watch one)');
});

t.test('--kubeconfig opts in, and the first line names the server and context', async (t) => {
  const plan = planDev(['--kubeconfig', kubeconfig], {});
  t.same(plan.args, ['--bind-address', '127.0.0.1', '--config', 'examples/config.yaml', '--kubeconfig', kubeconfig]);
  t.equal(
    plan.notice,
    `certguard dev: using the real cluster at https://prod.example.com:6443 (context "prod-admin", from ${kubeconfig}): placeholder mode writes Secrets there`,
  );
});

t.test('an unreadable --kubeconfig is an error before anything starts', async (t) => {
  t.throws(() => planDev(['--kubeconfig', join(dir, 'missing')], {}));
});
