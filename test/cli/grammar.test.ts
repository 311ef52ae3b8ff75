// One grammar across the commands: -h everywhere, a version, usage on a bare call, one set of
// -o formats, --manifests for cluster state from files, and the exit codes of README "Exit codes".
import { join } from 'node:path';
import t from 'tap';
import { parse } from 'yaml';
import pkg from '../../package.json' with { type: 'json' };
import { certguard } from '../helpers/cli.ts';

const root = join(import.meta.dirname, '../..');
const MISSING_SECRET = join(root, 'src/policies/gateway-listener-tls/fixtures/bad/missing-secret.yaml');
const THE_SECRET = join(root, 'test/cli/fixtures/app-prod-tls-secret.yaml');
const AUDIT_FIXTURES = join(root, 'test/cli/fixtures/audit');

t.test('bare certguard prints usage and succeeds, as bare kubectl and helm do', async (t) => {
  const result = await certguard([]);
  t.equal(result.code, 0);
  t.match(result.stdout, /^usage: certguard <command> \[flags\]\n/);
  t.match(result.stdout, /\n {2}version {4}print certguard's version\n/);
});

t.test('certguard version and --version print the package version', async (t) => {
  for (const args of [['version'], ['--version']]) {
    const result = await certguard(args);
    t.same([result.code, result.stdout, result.stderr], [0, `certguard ${pkg.version}\n`, ''], args.join(' '));
  }
});

for (const command of ['serve', 'dev', 'certs', 'check', 'audit', 'bootstrap', 'version']) {
  t.test(`certguard ${command} -h and --help print its usage`, async (t) => {
    const short = await certguard([command, '-h']);
    const long = await certguard([command, '--help']);
    t.equal(short.code, 0, short.stderr);
    t.match(short.stdout, /^usage: certguard \w+/);
    t.equal(short.stdout, long.stdout, '-h is --help');
  });
}

t.test('check: -o json and -o yaml print the same verdicts, -o table the summary', async (t) => {
  const json = await certguard(['check', '-f', MISSING_SECRET, '-o', 'json']);
  const yaml = await certguard(['check', '-f', MISSING_SECRET, '-o', 'yaml']);
  const table = await certguard(['check', '-f', MISSING_SECRET]);
  t.same([json.code, yaml.code, table.code], [1, 1, 1], 'exit 1: something is denied');
  t.same(parse(yaml.stdout), JSON.parse(json.stdout));
  t.match(table.stdout, /\n5 objects checked: 1 denied, 0 with warnings\n$/);
});

t.test('check: the old spellings still work, with a deprecation warning', async (t) => {
  const text = await certguard(['check', '-f', MISSING_SECRET, '--output', 'text']);
  t.equal(text.stderr, 'certguard check: --output text is deprecated: use --output table\n');
  t.equal(text.stdout, (await certguard(['check', '-f', MISSING_SECRET])).stdout, 'text is the table');

  const viaManifests = await certguard(['check', '-f', MISSING_SECRET, '--manifests', THE_SECRET]);
  const viaCluster = await certguard(['check', '-f', MISSING_SECRET, '--cluster', THE_SECRET]);
  t.same([viaManifests.code, viaManifests.stderr], [0, ''], 'the Secret given as cluster state admits the Gateway');
  t.same([viaCluster.code, viaCluster.stdout], [0, viaManifests.stdout], '--cluster reads the same files');
  t.equal(viaCluster.stderr, 'certguard check: --cluster is deprecated: use --manifests (the same files or folders of cluster objects)\n');
});

t.test('check and audit refuse an unknown format with exit 2, naming the formats', async (t) => {
  for (const command of [
    ['check', '-f', MISSING_SECRET],
    ['audit', '--manifests', AUDIT_FIXTURES],
  ]) {
    const result = await certguard([...command, '-o', 'xml']);
    t.same([result.code, result.stderr], [2, `certguard ${command[0]}: --output must be one of table, json, yaml, openreport, policyreport, got "xml"\n`]);
  }
});

t.test('a command that cannot do its work exits 3, not 1 (which means findings)', async (t) => {
  const result = await certguard(['check', '-f', join(root, 'no-such-file.yaml')]);
  t.equal(result.code, 3, result.stderr);
});
