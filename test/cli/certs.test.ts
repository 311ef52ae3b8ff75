import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { certguard } from '../helpers/cli.ts';

t.test('certguard certs writes a CA and a serving certificate that verify with node:crypto', async (t) => {
  const out = await mkdtemp(join(tmpdir(), 'certguard-certs-'));
  t.teardown(() => rm(out, { recursive: true, force: true }));
  const result = await certguard([
    'certs',
    '--out',
    out,
    '--service',
    'cg',
    '--namespace',
    'guard',
    '--dns',
    'localhost',
    '--ip',
    '127.0.0.1',
    '--validity',
    '720h',
    '--ca-validity',
    '60d',
  ]);
  t.equal(result.code, 0, result.stderr);
  const caPem = await readFile(join(out, 'ca.crt'), 'utf8');
  t.equal(result.stdout.trim(), Buffer.from(caPem).toString('base64'), 'stdout is the base64 caBundle');
  const ca = new X509Certificate(caPem);
  const serving = new X509Certificate(await readFile(join(out, 'tls.crt'), 'utf8'));
  t.equal(ca.ca, true, 'the CA is a CA');
  t.equal(serving.ca, false, 'the serving certificate is not a CA');
  t.equal(serving.subjectAltName, 'DNS:cg, DNS:cg.guard, DNS:cg.guard.svc, DNS:cg.guard.svc.cluster.local, DNS:localhost, IP Address:127.0.0.1');
  t.ok(serving.verify(ca.publicKey), 'signed by the CA');
  t.ok(serving.checkIssued(ca), 'issued by the CA');
  t.ok(serving.checkPrivateKey(createPrivateKey(await readFile(join(out, 'tls.key'), 'utf8'))), 'tls.key matches tls.crt');
  const days = (x509: X509Certificate) => Math.round((Date.parse(x509.validTo) - Date.parse(x509.validFrom)) / 86_400_000);
  t.equal(days(serving), 30, 'serving validity in days');
  t.equal(days(ca), 60, 'CA validity in days');
  t.ok(Date.parse(serving.validFrom) <= Date.now(), 'already valid');
  t.equal((await stat(join(out, 'tls.key'))).mode & 0o777, 0o600, 'the key is private');
});

t.test('certguard certs refuses to overwrite without --force', async (t) => {
  const out = await mkdtemp(join(tmpdir(), 'certguard-certs-'));
  t.teardown(() => rm(out, { recursive: true, force: true }));
  t.equal((await certguard(['certs', '--out', out])).code, 0);
  const again = await certguard(['certs', '--out', out]);
  t.same([again.code, again.stderr], [2, `certguard certs: ${join(out, 'tls.crt')} exists; pass --force to replace it\n`]);
  t.equal((await certguard(['certs', '--out', out, '--force'])).code, 0);
});

const usageErrors: Array<[string, string[], string]> = [
  ['an invalid IP', ['--ip', 'nope'], 'certguard certs: --ip "nope" is not an IP address\n'],
  ['a validity that is not a number of days', ['--validity-days', 'soon'], 'certguard certs: --validity-days must be a whole number of days ≥ 1, got "soon"\n'],
  ['a validity without a unit', ['--validity', '30'], 'certguard certs: --validity must be a duration of whole days ≥ 1 (e.g. 365d or 8760h), got "30"\n'],
  [
    'a validity that is not whole days',
    ['--validity', '36h'],
    'certguard certs: --validity must be a duration of whole days ≥ 1 (e.g. 365d or 8760h), got "36h"\n',
  ],
  [
    'both spellings at once',
    ['--validity', '30d', '--validity-days', '30'],
    'certguard certs: --validity and --validity-days say the same thing: give only --validity\n',
  ],
  [
    'an unknown flag',
    ['--bogus'],
    "certguard certs: Unknown option '--bogus'. To specify a positional argument starting with a '-', place it at the end of the command after '--', as in '-- \"--bogus\"\n",
  ],
];
for (const [name, args, stderr] of usageErrors) {
  t.test(`certguard certs rejects ${name} with exit 2 and writes nothing`, async (t) => {
    const out = await mkdtemp(join(tmpdir(), 'certguard-certs-'));
    t.teardown(() => rm(out, { recursive: true, force: true }));
    const result = await certguard(['certs', '--out', join(out, 'x'), ...args]);
    t.same([result.code, result.stderr], [2, stderr]);
    await t.rejects(stat(join(out, 'x')), 'nothing was written');
  });
}

t.test('an unknown command prints usage and exits 2', async (t) => {
  const result = await certguard(['frobnicate']);
  t.equal(result.code, 2);
  t.match(result.stderr, /^certguard: unknown command "frobnicate"\nusage: certguard <command> \[flags\]/);
});
