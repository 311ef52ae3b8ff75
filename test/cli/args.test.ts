import t from 'tap';
import { parseFlags, UsageError } from '../../src/cli/args.ts';
import { SERVE_FLAGS, secretNamespacesOf, serveOptionsFrom } from '../../src/cli/serve.ts';

t.test('serve flags default to the documented ports, paths and level', async (t) => {
  const { values } = parseFlags([], SERVE_FLAGS, {});
  t.same(
    [values.port, values['metrics-port'], values['bind-address'], values['tls-cert'], values['tls-key'], values['log-level'], values.config, values.kubeconfig],
    ['8443', '8080', '0.0.0.0', 'certs/tls.crt', 'certs/tls.key', 'info', undefined, undefined],
  );
});

t.test('environment variables stand in for flags, and a flag beats its variable', async (t) => {
  const env = {
    CERTGUARD_PORT: '9443',
    CERTGUARD_METRICS_PORT: '9090',
    CERTGUARD_BIND_ADDRESS: '127.0.0.1',
    CERTGUARD_TLS_CERT: '/tls/c',
    CERTGUARD_TLS_KEY: '/tls/k',
    CERTGUARD_LOG_LEVEL: 'debug',
    CERTGUARD_CONFIG: '/cfg.yaml',
    KUBECONFIG: '/kc',
  };
  const fromEnv = parseFlags([], SERVE_FLAGS, env).values;
  t.same(
    [
      fromEnv.port,
      fromEnv['metrics-port'],
      fromEnv['bind-address'],
      fromEnv['tls-cert'],
      fromEnv['tls-key'],
      fromEnv['log-level'],
      fromEnv.config,
      fromEnv.kubeconfig,
    ],
    ['9443', '9090', '127.0.0.1', '/tls/c', '/tls/k', 'debug', '/cfg.yaml', '/kc'],
  );
  t.equal(parseFlags(['--port', '7443'], SERVE_FLAGS, env).values.port, '7443');
  t.equal(parseFlags(['--port=6443'], SERVE_FLAGS, env).values.port, '6443', '--flag=value, as the chart passes them');
});

t.test('an empty variable does not override the default', async (t) => {
  t.equal(parseFlags([], SERVE_FLAGS, { CERTGUARD_PORT: '' }).values.port, '8443');
});

const bad: Array<[string, string[], string]> = [
  ['a port that is not a number', ['--port', 'https'], '--port must be a port number 0-65535, got "https"'],
  ['a port out of range', ['--metrics-port', '70000'], '--metrics-port must be a port number 0-65535, got "70000"'],
  ['an unknown log level', ['--log-level', 'loud'], '--log-level must be one of fatal, error, warn, info, debug, trace, silent, got "loud"'],
  ['a manifests folder that does not exist', ['--manifests', '/nonexistent/certguard'], '--manifests /nonexistent/certguard does not exist'],
  [
    'an empty entry in --secret-namespaces',
    ['--secret-namespaces', 'apps,,web'],
    '--secret-namespaces must be comma-separated namespace names, got "" in "apps,,web"',
  ],
  [
    'a namespace name that is not a DNS label',
    ['--secret-namespaces', 'Apps'],
    '--secret-namespaces must be comma-separated namespace names, got "Apps" in "Apps"',
  ],
];
for (const [name, args, message] of bad) {
  t.test(`serve refuses ${name}`, async (t) => {
    await t.rejects(serveOptionsFrom(args), new UsageError(message));
  });
}

t.test("--secret-namespaces (the chart's rbac.namespaces) is a list of namespaces, absent means cluster-wide", async (t) => {
  t.equal(secretNamespacesOf(undefined), undefined);
  t.same(secretNamespacesOf('apps, web,apps'), ['apps', 'web'], 'trimmed, duplicates dropped');
  t.equal(
    parseFlags([], SERVE_FLAGS, { CERTGUARD_SECRET_NAMESPACES: 'apps' }).values['secret-namespaces'],
    'apps',
    'CERTGUARD_SECRET_NAMESPACES stands in for the flag',
  );
});
