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

const versioned = (rest: object) => ({ apiVersion: 'certguard.io/v1alpha1', kind: 'Configuration', ...rest });

t.test('certguard.io/v1alpha1: durations with units, read into the same settings as the unversioned keys', async (t) => {
  const config = parseConfig(
    versioned({
      cluster: { staleAfter: '90s' },
      audit: { expiringWithin: '21d', placeholderMaxAge: '36h', notReadyAfter: '1h30m', interval: '5m' },
      policies: {
        'certificate-dns': { lookupTimeout: '1500ms', negativeCacheTTL: '1m', maxCacheTTL: '10m' },
        'gateway-listener-tls': { mode: 'placeholder', placeholder: { validity: '3d' } },
      },
    }),
  );
  t.equal(config.cluster.staleAfterSeconds, 90);
  t.same(
    [config.audit.expiringWithinDays, config.audit.placeholderMaxAgeHours, config.audit.notReadyAfterMinutes, config.audit.intervalMinutes],
    [21, 36, 90, 5],
  );
  const dns = config.policies['certificate-dns'];
  t.same([dns.lookupTimeoutMs, dns.negativeCacheSeconds, dns.maxCacheSeconds], [1500, 60, 600]);
  t.equal(config.policies['gateway-listener-tls'].placeholder.validityDays, 3);
  t.same(parseConfig(versioned({})), defaultConfig(), 'an empty versioned file is every default');
});

const badVersioned: Array<[string, unknown, string]> = [
  [
    'another apiVersion',
    { apiVersion: 'certguard.io/v1', kind: 'Configuration' },
    'invalid config: apiVersion: must be certguard.io/v1alpha1, got "certguard.io/v1"',
  ],
  ['a kind without apiVersion', { kind: 'Configuration' }, 'invalid config: apiVersion: must be certguard.io/v1alpha1, got null'],
  ['another kind', versioned({ kind: 'Config' }), 'invalid config: kind: must be Configuration, got "Config"'],
  [
    'an unversioned key in a versioned file',
    versioned({ audit: { intervalMinutes: 10 } }),
    'invalid config: audit.intervalMinutes: not a key of certguard.io/v1alpha1: write audit.interval as a duration (e.g. "30m")',
  ],
  [
    'a bare number for a duration',
    versioned({ audit: { interval: 10 } }),
    'invalid config: audit.interval: must be a duration such as "10m" or "1h30m" (units ms, s, m, h, d), got 10',
  ],
  [
    'a duration that is not a whole number of its unit',
    versioned({ cluster: { staleAfter: '1500ms' } }),
    'invalid config: cluster.staleAfter (in seconds): must be integer',
  ],
  ['a duration out of range', versioned({ cluster: { staleAfter: '0' } }), 'invalid config: cluster.staleAfter (in seconds): must be >= 1'],
];
for (const [name, value, message] of badVersioned) {
  t.test(`certguard.io/v1alpha1 rejects ${name}, naming the key`, async (t) => {
    t.throws(() => parseConfig(value), new ConfigError(message));
  });
}

t.test('a file without apiVersion is read as before, with one warning saying how to move', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'certguard-config-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const warnings: string[] = [];
  await writeFile(join(dir, 'old.yaml'), 'audit:\n  intervalMinutes: 5\n');
  t.equal((await loadConfig(join(dir, 'old.yaml'), (message) => warnings.push(message))).audit.intervalMinutes, 5);
  t.same(warnings, [
    `config ${join(dir, 'old.yaml')}: the config has no apiVersion: read as the unversioned format (bare numbers in the unit each key names); write apiVersion: certguard.io/v1alpha1, kind: Configuration and durations such as "10m" (README, Configuration)`,
  ]);
  warnings.length = 0;
  await writeFile(join(dir, 'new.yaml'), 'apiVersion: certguard.io/v1alpha1\nkind: Configuration\naudit:\n  interval: 5m\n');
  t.equal((await loadConfig(join(dir, 'new.yaml'), (message) => warnings.push(message))).audit.intervalMinutes, 5);
  await writeFile(join(dir, 'empty.yaml'), '');
  await loadConfig(join(dir, 'empty.yaml'), (message) => warnings.push(message));
  t.same(warnings, [], 'a versioned file and an empty one warn nothing');
});

t.test("README's Configuration example is a valid versioned file, and every value in it is the default", async (t) => {
  const { readFile } = await import('node:fs/promises');
  const { parse } = await import('yaml');
  const readme = await readFile(join(import.meta.dirname, '../../README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Configuration'));
  const block = /```yaml\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  t.match(block, /^apiVersion: certguard\.io\/v1alpha1\nkind: Configuration\n/);
  const config = parseConfig(parse(block), 'README example');
  const defaults = defaultConfig();
  // The example leaves breakGlass out; everything it shows is the default.
  t.same({ ...config, breakGlass: defaults.breakGlass }, defaults);
});
