// `certguard explain --manifests` as a user runs it, and as kubectl runs the plugin: exit codes,
// the table, JSON and YAML, usage errors.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import t from 'tap';
import { parse } from 'yaml';
import { run as runExplain, targetOf } from '../../src/cli/explain.ts';
import { runFile } from '../helpers/cli.ts';
import { explanationProblems } from '../helpers/explanation-schema.ts';

const root = join(import.meta.dirname, '../..');

// The plugin runs with the node on PATH, as kubectl starts it.
const cli = (bin: string, args: string[]) => runFile(join(root, bin), args, { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` });
const explain = (args: string[]) => cli('bin/certguard.js', ['explain', ...args]);

const MISSING = join(root, 'src/policies/gateway-listener-tls/fixtures/bad/missing-secret.yaml');
const GOOD = join(root, 'src/policies/gateway-listener-tls/fixtures/good/same-namespace-secret.yaml');

t.test('a healthy Gateway: one line per chain, exit 0', async (t) => {
  const result = await explain(['gateway', 'traefik/traefik-gateway', '--manifests', GOOD]);
  t.equal(result.code, 0, result.stderr);
  t.equal(
    result.stdout,
    [
      'Gateway traefik/traefik-gateway: 1 certificate chains, 0 not healthy (healthy)',
      '',
      'ok  listener websecure-app (HTTPS 8443 app.example.com) -> Secret traefik/app-tls: healthy',
      '',
    ].join('\n'),
  );
});

t.test('a missing Secret: the hops and the policy message as the cause, exit 1', async (t) => {
  const result = await explain(['gateway', 'traefik-gateway', '-n', 'traefik', '--manifests', MISSING]);
  t.equal(result.code, 1, result.stderr);
  const lines = result.stdout.split('\n');
  t.equal(lines[0], 'Gateway traefik/traefik-gateway: 2 certificate chains, 1 not healthy (broken)');
  t.ok(lines.includes('ok  listener websecure-keycloak (HTTPS 8443 identity.example.com) -> Secret traefik/keycloak-tls: healthy'));
  t.ok(lines.includes('!!  listener websecure-app-prod (HTTPS 8443 app.example.com) -> Secret app-prod/app-prod-tls-secret: broken at secret'));
  t.ok(lines.includes('    secret       BROKEN     Secret app-prod/app-prod-tls-secret: missing'));
  t.match(
    result.stdout,
    /\n {4}cause: spec\.listeners\[2\] "websecure-app-prod" \(Gateway traefik\/traefik-gateway, hostname "app\.example\.com"\): certificateRefs\[0\] Secret "app-prod\/app-prod-tls-secret" does not exist and no Certificate or cert-manager annotation will create it: /,
  );
});

t.test('-o json and -o yaml carry the same Explanation', async (t) => {
  const json = await explain(['gateway', 'traefik/traefik-gateway', '--manifests', MISSING, '-o', 'json']);
  const yaml = await explain(['gateway', 'traefik/traefik-gateway', '--manifests', MISSING, '-o', 'yaml']);
  t.equal(json.code, 1);
  t.same(JSON.parse(json.stdout), parse(yaml.stdout));
  t.same(explanationProblems(JSON.parse(json.stdout)), [], 'the JSON fits docs/explain.schema.json');
  t.same(explanationProblems(parse(yaml.stdout)), [], 'the YAML fits docs/explain.schema.json');
  const parsed = JSON.parse(json.stdout) as {
    apiVersion: string;
    status: string;
    chains: Array<{ status: string; cause?: { hop: string }; listener: { listener: string } }>;
  };
  t.equal(parsed.apiVersion, 'certguard.io/v1alpha1');
  t.equal(parsed.status, 'broken');
  t.same(
    parsed.chains.map((chain) => [chain.listener.listener, chain.status, chain.cause?.hop]),
    [
      ['websecure-keycloak', 'healthy', undefined],
      ['websecure-app-prod', 'broken', 'secret'],
    ],
  );
});

t.test('-v expands healthy chains with each hop and its details', async (t) => {
  const result = await explain(['gateway', 'traefik/traefik-gateway', '--manifests', GOOD, '-v']);
  t.equal(result.code, 0);
  t.match(result.stdout, /\n {4}secret {7}ok {9}Secret traefik\/app-tls: serves app\.example\.com\n {28}type kubernetes\.io\/tls\n/);
});

/** run() in this process, its stderr captured (a process per usage error costs seconds each). */
const runHere = async (args: string[]): Promise<{ code: number; stderr: string }> => {
  let stderr = '';
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => {
    stderr += chunk;
    return true;
  }) as typeof process.stderr.write;
  try {
    return { code: await runExplain(args), stderr };
  } finally {
    process.stderr.write = write;
  }
};

t.test('usage errors exit 2, a missing object exits 1', async (t) => {
  for (const args of [
    [],
    ['route', 'a/b'],
    ['constructor', 'a/b'],
    ['gateway'],
    ['gateway', 'a/b/c'],
    ['gateway', 'a/b', '-o', 'wide'],
    ['gateway', 'a/b', '-o', 'constructor'],
    ['gateway', 'a/b', '--context', 'x'],
  ]) {
    const result = await runHere([...args, '--manifests', GOOD]);
    t.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    t.match(result.stderr, /^certguard explain: /);
  }
  const missing = await runHere(['gateway', 'traefik/nope', '--manifests', GOOD]);
  t.equal(missing.code, 1);
  t.equal(missing.stderr, 'certguard explain: Gateway traefik/nope does not exist\n');
});

t.test('an API server that does not answer exits 3, saying what could not be read', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'explain-unreachable-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const kubeconfig = join(dir, 'kubeconfig');
  // Port 1: nothing listens there, the connection is refused at once.
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'down',
      clusters: [{ name: 'down', cluster: { server: 'https://127.0.0.1:1', 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'down', user: { token: 'x' } }],
      contexts: [{ name: 'down', context: { cluster: 'down', user: 'down' } }],
    }),
  );
  const result = await runHere(['gateway', 'shop/gw', '--kubeconfig', kubeconfig]);
  t.equal(result.code, 3, result.stderr);
  // The first read is the Gateway API's discovery document.
  t.equal(result.stderr, 'certguard explain: cannot read API gateway.networking.k8s.io/v1: API server unreachable: connect ECONNREFUSED 127.0.0.1:1\n');
});

t.test('kubectl-certguard is the same CLI (kubectl passes the arguments after the plugin name)', async (t) => {
  const result = await cli('bin/kubectl-certguard', ['explain', 'gateway', 'traefik/traefik-gateway', '--manifests', GOOD]);
  t.equal(result.code, 0, result.stderr);
  t.match(result.stdout, /^Gateway traefik\/traefik-gateway: 1 certificate chains, 0 not healthy \(healthy\)\n/);
});

t.test('targets: NS/NAME, NAME with -n, kubectl kind/NAME, kind aliases', async (t) => {
  t.same(targetOf(['gateway', 'a/b'], 'default'), { kind: 'Gateway', namespace: 'a', name: 'b' });
  t.same(targetOf(['gtw', 'b'], 'a'), { kind: 'Gateway', namespace: 'a', name: 'b' });
  t.same(targetOf(['certificate/b'], 'a'), { kind: 'Certificate', namespace: 'a', name: 'b' });
  t.same(targetOf(['ListenerSet', 'x/y'], 'a'), { kind: 'ListenerSet', namespace: 'x', name: 'y' });
  t.same(targetOf(['secrets', 'y'], 'default'), { kind: 'Secret', namespace: 'default', name: 'y' });
  t.throws(() => targetOf(['gateway', '/b'], 'a'), /is not NS\/NAME or NAME/);
});
