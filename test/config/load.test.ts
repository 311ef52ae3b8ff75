import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { ConfigError, defaultConfig, loadConfig, parseConfig } from '../../src/config/load.ts';

t.test('an empty config gets every default', async (t) => {
  const config = defaultConfig();
  t.equal(config.policies['gateway-listener-tls'].mode, 'enforce');
  t.equal(config.policies['certificate-dns'].mode, 'enforce');
  t.equal(config.policies['acme-solver-cap'].mode, 'enforce');
  t.equal(config.cluster.staleAfterSeconds, 120);
});

const bad: Array<[string, unknown, string]> = [
  ['an unknown top-level key', { polices: {} }, 'invalid config: polices: unknown key'],
  ['an unknown policy', { policies: { 'gateway-tls': { mode: 'enforce' } } }, 'invalid config: policies.gateway-tls: unknown key'],
  [
    'a mode that does not exist',
    { policies: { 'acme-solver-cap': { mode: 'audit' } } },
    'invalid config: policies.acme-solver-cap.mode: must be one of enforce, warn, off',
  ],
  [
    'placeholder mode on a policy that cannot create Secrets',
    { policies: { 'certificate-dns': { mode: 'placeholder' } } },
    'invalid config: policies.certificate-dns.mode: must be one of enforce, warn, off',
  ],
  ['a number where an object belongs', { cluster: 3 }, 'invalid config: cluster: must be object'],
  ['a stale bound below one second', { cluster: { staleAfterSeconds: 0 } }, 'invalid config: cluster.staleAfterSeconds: must be >= 1'],
];
for (const [name, value, message] of bad) {
  t.test(`rejects ${name}, naming the key`, async (t) => {
    t.throws(() => parseConfig(value), new ConfigError(message));
  });
}

t.test('reports every problem at once', async (t) => {
  t.throws(
    () => parseConfig({ polices: {}, cluster: { staleAfterSeconds: 0 } }),
    new ConfigError('invalid config: polices: unknown key; cluster.staleAfterSeconds: must be >= 1'),
  );
});

t.test('a config file that is not YAML is a clear error naming the file', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'certguard-config-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'bad.yaml'), 'policies: [unclosed');
  await t.rejects(loadConfig(join(dir, 'bad.yaml')), { name: 'Error', message: /^config .*bad\.yaml is not valid YAML: / });
  await t.rejects(loadConfig(join(dir, 'missing.yaml')), new ConfigError(`cannot read config ${join(dir, 'missing.yaml')}: ENOENT`));
});

t.test('a YAML config sets modes and keeps the other defaults', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'certguard-config-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'ok.yaml'), 'policies:\n  gateway-listener-tls:\n    mode: placeholder\n');
  const config = await loadConfig(join(dir, 'ok.yaml'));
  t.equal(config.policies['gateway-listener-tls'].mode, 'placeholder');
  t.equal(config.policies['acme-solver-cap'].mode, 'enforce');
});

t.test('certguard serve exits 2 on a bad config, naming the key', async (t) => {
  const { execFile } = await import('node:child_process');
  const dir = await mkdtemp(join(tmpdir(), 'certguard-config-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'bad.yaml'), 'policies:\n  acme-solver-cap:\n    mode: audit\n');
  const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = execFile(
      process.execPath,
      [
        join(import.meta.dirname, '../../bin/certguard.js'),
        'serve',
        '--config',
        join(dir, 'bad.yaml'),
        '--manifests',
        dir,
        '--port',
        '0',
        '--metrics-port',
        '0',
      ],
      (_error, _stdout, stderr) => resolve({ code: child.exitCode, stderr }),
    );
  });
  t.same(result, {
    code: 2,
    stderr: `certguard serve: invalid config ${join(dir, 'bad.yaml')}: policies.acme-solver-cap.mode: must be one of enforce, warn, off\n`,
  });
});
