// Where the live view's credentials come from (src/cluster/live/kubeconfig.ts).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { stringify } from 'yaml';
import { loadCredentials } from '../../src/cluster/live/kubeconfig.ts';

const folders: string[] = [];
const folder = () => {
  const created = mkdtempSync(join(tmpdir(), 'certguard-kubeconfig-'));
  folders.push(created);
  return created;
};
t.teardown(() => {
  for (const created of folders) rmSync(created, { recursive: true, force: true });
});

type Entry = Record<string, unknown>;
const kubeconfig = (cluster: Entry, user: Entry, extra: Entry = {}) => ({
  apiVersion: 'v1',
  kind: 'Config',
  clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:6443/', ...cluster } }],
  users: [{ name: 'u', user }],
  contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
  'current-context': 'ctx',
  ...extra,
});

const write = (dir: string, name: string, document: unknown): string => {
  const path = join(dir, name);
  writeFileSync(path, typeof document === 'string' ? document : stringify(document));
  return path;
};

const applied = async (credentials: ReturnType<typeof loadCredentials>) => {
  const options: https.RequestOptions = {};
  await credentials.apply(options);
  const headers = (options.headers ?? {}) as Record<string, string>;
  return {
    authorization: headers.Authorization,
    ca: options.ca?.toString(),
    cert: options.cert?.toString(),
    key: options.key?.toString(),
    rejectUnauthorized: options.rejectUnauthorized,
    servername: options.servername,
    agent: options.agent,
  };
};

const NO_CLUSTER: NodeJS.ProcessEnv = {};

t.test('a kubeconfig with a token, relative CA file, TLS server name and skip-verify', async (t) => {
  const dir = folder();
  mkdirSync(join(dir, 'pki'));
  writeFileSync(join(dir, 'pki', 'ca.crt'), 'CA PEM');
  const path = write(
    dir,
    'config',
    kubeconfig({ 'certificate-authority': 'pki/ca.crt', 'tls-server-name': 'api.internal', 'insecure-skip-tls-verify': true }, { token: 'secret-token' }),
  );
  const credentials = loadCredentials(path, NO_CLUSTER);
  t.equal(credentials.server, 'https://127.0.0.1:6443', 'trailing slash dropped');
  t.equal(credentials.source, path);
  t.strictSame(await applied(credentials), {
    authorization: 'Bearer secret-token',
    ca: 'CA PEM',
    cert: undefined,
    key: undefined,
    rejectUnauthorized: false,
    servername: 'api.internal',
    agent: undefined,
  });
});

t.test('client certificate and CA as inline data', async (t) => {
  const base64 = (text: string) => Buffer.from(text).toString('base64');
  const path = write(
    folder(),
    'config',
    kubeconfig({ 'certificate-authority-data': base64('CA') }, { 'client-certificate-data': base64('CERT'), 'client-key-data': base64('KEY') }),
  );
  t.strictSame(await applied(loadCredentials(path, NO_CLUSTER)), {
    authorization: undefined,
    ca: 'CA',
    cert: 'CERT',
    key: 'KEY',
    rejectUnauthorized: undefined,
    servername: undefined,
    agent: undefined,
  });
});

t.test('basic auth and a token file', async (t) => {
  const dir = folder();
  const basic = write(dir, 'basic', kubeconfig({}, { username: 'admin', password: 'pw' }));
  t.equal((await applied(loadCredentials(basic, NO_CLUSTER))).authorization, `Basic ${Buffer.from('admin:pw').toString('base64')}`);
  writeFileSync(join(dir, 'token'), 'from-file\n');
  const tokenFile = write(dir, 'token-file', kubeconfig({}, { tokenFile: 'token' }));
  t.equal((await applied(loadCredentials(tokenFile, NO_CLUSTER))).authorization, 'Bearer from-file');
});

t.test('a KUBECONFIG list merges like kubectl: the first file to name an entry wins', async (t) => {
  const dir = folder();
  const first = write(dir, 'first', { users: [{ name: 'u', user: { token: 'first' } }] });
  const second = write(dir, 'second', kubeconfig({}, { token: 'second' }));
  const env = { KUBECONFIG: [join(dir, 'missing'), first, second].join(':') };
  const credentials = loadCredentials(undefined, env, join(dir, 'no-service-account'));
  t.equal(credentials.source, `KUBECONFIG=${env.KUBECONFIG}`);
  t.equal((await applied(credentials)).authorization, 'Bearer first');
});

t.test('in a cluster: the service account token and CA, unless a path is given', async (t) => {
  const account = folder();
  writeFileSync(join(account, 'token'), 'pod-token');
  writeFileSync(join(account, 'ca.crt'), 'CLUSTER CA');
  const env = { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443', KUBECONFIG: '/nowhere' };
  const credentials = loadCredentials(undefined, env, account);
  t.equal(credentials.server, 'https://[fd00::1]:443');
  t.equal(credentials.source, 'in-cluster service account');
  t.strictSame(await applied(credentials), {
    authorization: 'Bearer pod-token',
    ca: 'CLUSTER CA',
    cert: undefined,
    key: undefined,
    rejectUnauthorized: undefined,
    servername: undefined,
    agent: undefined,
  });
  const explicit = write(folder(), 'config', kubeconfig({}, { token: 'explicit' }));
  t.equal((await applied(loadCredentials(explicit, env, account))).authorization, 'Bearer explicit', 'an explicit path wins');
});

t.test('an exec plugin is run through @kubernetes/client-node', async (t) => {
  const dir = folder();
  const plugin = write(
    dir,
    'plugin.mjs',
    "console.log(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: { token: 'from-exec' } }));\n",
  );
  const exec = { apiVersion: 'client.authentication.k8s.io/v1beta1', command: process.execPath, args: [plugin], interactiveMode: 'Never' };
  const path = write(dir, 'config', kubeconfig({ 'insecure-skip-tls-verify': true }, { exec }));
  const result = await applied(loadCredentials(path, NO_CLUSTER));
  t.equal(result.authorization, 'Bearer from-exec');
  t.equal(result.agent, undefined, 'no proxy: the keep-alive agent of the view is used');
});

t.test('errors are sentences', async (t) => {
  const dir = folder();
  const noContext = write(dir, 'no-context', { ...kubeconfig({}, {}), 'current-context': 'gone' });
  t.throws(() => loadCredentials(noContext, NO_CLUSTER), { message: `kubeconfig ${noContext}: no current context (current-context "gone" is not defined)` });
  const noServer = write(dir, 'no-server', kubeconfig({ server: '' }, {}));
  t.throws(() => loadCredentials(noServer, NO_CLUSTER), { message: `kubeconfig ${noServer}: cluster "c" has no server` });
  t.throws(() => loadCredentials(join(dir, 'absent'), NO_CLUSTER), {
    message: `reading kubeconfig ${join(dir, 'absent')}: ENOENT: no such file or directory, open '${join(dir, 'absent')}'`,
  });
  const home = process.env.HOME;
  process.env.HOME = dir;
  t.teardown(() => {
    process.env.HOME = home;
  });
  t.throws(() => loadCredentials(undefined, {}, join(dir, 'no-service-account')), {
    message: 'no kubeconfig: not running in a cluster, KUBECONFIG names no existing file and ~/.kube/config does not exist (pass --kubeconfig)',
  });
});

t.test('--context picks another context of the kubeconfig, even in a pod', async (t) => {
  const dir = folder();
  const document = kubeconfig(
    {},
    { token: 'current-token' },
    {
      clusters: [
        { name: 'c', cluster: { server: 'https://127.0.0.1:6443' } },
        { name: 'staging', cluster: { server: 'https://staging.example:6443' } },
      ],
      users: [
        { name: 'u', user: { token: 'current-token' } },
        { name: 'deployer', user: { token: 'staging-token' } },
      ],
      contexts: [
        { name: 'ctx', context: { cluster: 'c', user: 'u' } },
        { name: 'staging', context: { cluster: 'staging', user: 'deployer' } },
      ],
    },
  );
  const path = write(dir, 'config', document);
  const chosen = loadCredentials(path, NO_CLUSTER, undefined, 'staging');
  t.same([chosen.server, chosen.context, (await applied(chosen)).authorization], ['https://staging.example:6443', 'staging', 'Bearer staging-token']);
  t.equal(loadCredentials(path, NO_CLUSTER).context, 'ctx', 'without it, current-context');

  const account = join(dir, 'serviceaccount');
  mkdirSync(account);
  writeFileSync(join(account, 'token'), 'pod-token');
  const inPod = { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBECONFIG: path };
  t.equal(loadCredentials(undefined, inPod, account).source, 'in-cluster service account');
  t.equal(loadCredentials(undefined, inPod, account, 'staging').server, 'https://staging.example:6443', "a context means a kubeconfig, not the pod's account");
  t.throws(() => loadCredentials(path, NO_CLUSTER, undefined, 'prod'), { message: `kubeconfig ${path}: context "prod" is not defined` });
});
