// serve --audit: off unless asked, needs a live cluster and the namespace for its Lease.
import t from 'tap';
import { UsageError } from '../../src/cli/args.ts';
import { serveOptionsFrom } from '../../src/cli/serve.ts';

delete process.env.POD_NAMESPACE;
delete process.env.POD_NAME;

t.test('no audit unless --audit is given', async (t) => {
  const options = await serveOptionsFrom([]);
  t.equal(options === 'help' ? 'help' : options.audit, undefined);
});

t.test('--audit takes its Lease namespace and identity from flags (or POD_NAMESPACE / POD_NAME)', async (t) => {
  const options = await serveOptionsFrom(['--audit', '--audit-namespace=certguard', '--audit-identity=certguard-7d9f-abcde']);
  t.same(options === 'help' ? 'help' : options.audit, { namespace: 'certguard', identity: 'certguard-7d9f-abcde' });
  process.env.POD_NAMESPACE = 'security';
  t.teardown(() => delete process.env.POD_NAMESPACE);
  const fromEnv = await serveOptionsFrom(['--audit']);
  t.same(fromEnv === 'help' ? 'help' : fromEnv.audit, { namespace: 'security' });
});

t.test('--audit without a namespace, or with --manifests, is a usage error', async (t) => {
  await t.rejects(
    serveOptionsFrom(['--audit']),
    new UsageError('--audit needs --audit-namespace (env POD_NAMESPACE), certguard\'s namespace for the Lease, got ""'),
  );
  await t.rejects(
    serveOptionsFrom(['--audit', '--audit-namespace=certguard', '--manifests', 'examples']),
    new UsageError('--audit needs a live cluster: it cannot be combined with --manifests'),
  );
});
