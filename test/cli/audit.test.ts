// `certguard audit --manifests` on a fixture of each finding: exit codes, the table, JSON and YAML.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { parse, parseAllDocuments } from 'yaml';
import { buildCertificate, generateRsaKeyPair } from '../../src/certs/x509.ts';
import { certguard } from '../helpers/cli.ts';

const root = join(import.meta.dirname, '../..');
const DAY_MS = 24 * 60 * 60 * 1000;

const audit = (args: string[]) => certguard(['audit', ...args]);

const MISSING = join(root, 'src/policies/gateway-listener-tls/fixtures/bad/missing-secret.yaml');
const SOLVERS = join(root, 'src/policies/acme-solver-cap/fixtures/bad/ingress-namespace-cap-reached.yaml');
const PLACEHOLDER = join(root, 'test/cli/fixtures/audit/old-placeholder.yaml');
const GOOD = join(root, 'src/policies/gateway-listener-tls/fixtures/good/same-namespace-secret.yaml');

t.test('a missing Secret: the webhook message in the table, exit 1', async (t) => {
  const result = await audit(['--manifests', MISSING]);
  t.equal(result.code, 1, result.stderr);
  const [header, row, summary, end] = result.stdout.split('\n');
  t.match(header, /^OBJECT +POLICY +RULE +RESULT +MESSAGE$/);
  t.match(
    row,
    /^Gateway traefik\/traefik-gateway +gateway-listener-tls +admission +fail +spec\.listeners\[2\] "websecure-app-prod" \(Gateway traefik\/traefik-gateway, hostname "app\.example\.com"\): certificateRefs\[0\] Secret "app-prod\/app-prod-tls-secret" does not exist and no Certificate or cert-manager annotation will create it: /,
  );
  t.equal(summary, '5 objects judged: 1 failed, 0 warnings');
  t.equal(end, '');
});

t.test("a Gateway whose client CA ConfigMap is missing: gateway-listener-tls's exact message, exit 1", async (t) => {
  const result = await audit(['--manifests', join(root, 'src/policies/gateway-listener-tls/fixtures/bad/client-ca-missing.yaml'), '-o', 'json']);
  t.equal(result.code, 1, result.stderr);
  const output = JSON.parse(result.stdout) as { findings: Array<Record<string, unknown>> };
  t.same(
    output.findings.map((finding) => [finding.policy, finding.rule, finding.result, finding.object, finding.message]),
    [
      [
        'gateway-listener-tls',
        'admission',
        'fail',
        { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', name: 'traefik-gateway', namespace: 'traefik' },
        'spec.tls.frontend.default.validation.caCertificateRefs[0] ConfigMap "traefik/client-ca" (Gateway traefik/traefik-gateway) does not exist: ' +
          'Gateway API has the controller set ResolvedRefs False (InvalidCACertificateRef) on every HTTPS listener this validation covers, ' +
          'and Accepted False (NoValidCACertificate) on a listener none of whose CA references is valid. ' +
          `Fix: create ConfigMap "traefik/client-ca" with the PEM certificates of the CAs that issue your clients' certificates in "ca.crt", ` +
          'or correct the reference (certguard creates no placeholder for a CA bundle: a self-signed stand-in would make mTLS accept or reject the wrong clients)',
      ],
    ],
  );
});

t.test('a namespace holding its solver cap: one finding on the Namespace, as JSON', async (t) => {
  const result = await audit(['--manifests', SOLVERS, '-o', 'json']);
  t.equal(result.code, 1, result.stderr);
  const output = JSON.parse(result.stdout) as { judged: number; findings: Array<Record<string, unknown>> };
  t.equal(output.judged, 3);
  t.same(
    output.findings.map((finding) => [finding.policy, finding.rule, finding.result, finding.object]),
    [['acme-solver-cap', 'namespace-solver-cap', 'fail', { apiVersion: 'v1', kind: 'Namespace', name: 'certguard-fixture-solver-one' }]],
  );
});

t.test('a placeholder older than placeholderMaxAgeHours, as YAML', async (t) => {
  const result = await audit(['--manifests', PLACEHOLDER, '--output', 'yaml']);
  t.equal(result.code, 1, result.stderr);
  const output = parse(result.stdout) as { findings: Array<{ rule: string; result: string; object: object; message: string }> };
  t.same(
    output.findings.map((finding) => [finding.rule, finding.result, finding.object]),
    [['placeholder-age', 'fail', { apiVersion: 'v1', kind: 'Secret', namespace: 'traefik', name: 'app-tls' }]],
  );
  t.match(
    output.findings[0]?.message,
    /^Secret traefik\/app-tls is a certguard placeholder \(for Gateway traefik\/traefik-gateway, listeners websecure\) created at 2020-01-01T00:00:00\.000Z and still not replaced by a real certificate after \d+ hours \(audit\.placeholderMaxAge is 24h\): /,
  );
});

t.test('a Certificate not Ready for longer than notReadyAfterMinutes', async (t) => {
  const result = await audit(['--manifests', join(root, 'test/cli/fixtures/audit/certificate-not-ready.yaml'), '-o', 'json']);
  t.equal(result.code, 1, result.stderr);
  const output = JSON.parse(result.stdout) as { findings: Array<{ policy: string; rule: string; result: string; message: string }> };
  const stuck = output.findings.filter((finding) => finding.rule === 'certificate-not-ready');
  t.same(
    stuck.map((finding) => [finding.policy, finding.result]),
    [['certificate-ready', 'fail']],
  );
  t.match(
    stuck[0]?.message,
    /^Certificate apps\/app-tls has not been Ready for \d+ minutes \(since 2020-01-01T00:00:00\.000Z, audit\.notReadyAfter is 60m\): cert-manager says Ready=False reason "Failed": "Failed to wait for order resource "app-tls-1-123" to become ready: order is in "invalid" state"\. Look with: /,
  );
});

t.test('a Certificate not Ready, with its failing Challenge read from the folder', async (t) => {
  const result = await audit(['--manifests', join(root, 'test/cli/fixtures/audit/certificate-not-ready-challenge.yaml'), '-o', 'json']);
  t.equal(result.code, 1, result.stderr);
  const output = JSON.parse(result.stdout) as { judged: number; findings: Array<{ rule: string; object?: { kind: string }; message: string }> };
  const stuck = output.findings.filter((finding) => finding.rule === 'certificate-not-ready');
  t.same(
    stuck.map((finding) => finding.object?.kind),
    ['Certificate'],
  );
  t.match(
    stuck[0]?.message,
    /^Certificate apps\/shop-tls has not been Ready for \d+ minutes \(since 2020-01-01T00:00:00\.000Z, audit\.notReadyAfter is 60m\): cert-manager says Ready=False reason "DoesNotExist": "Issuing certificate as Secret does not exist", and its Challenge apps\/shop-tls-1-2803290185-1923481025 for "shop\.example\.com" \(HTTP-01\) is "pending": "Waiting for HTTP-01 challenge propagation: wrong status code '404', expected '200'"\. Look with: kubectl describe certificate shop-tls -n apps, then kubectl get certificaterequests,orders,challenges -n apps$/,
  );
  t.same(
    output.findings.filter((finding) => ['Challenge', 'Order', 'CertificateRequest'].includes(finding.object?.kind ?? '')),
    [],
    'the issuance records are read, not judged',
  );
});

t.test('a certificate expiring within audit.expiringWithin is a warning: exit 0', async (t) => {
  const folder = await mkdtemp(join(tmpdir(), 'certguard-audit-'));
  t.teardown(() => rm(folder, { recursive: true, force: true }));
  const keys = await generateRsaKeyPair();
  const now = Date.now();
  const crt = buildCertificate({
    commonName: 'app.example.com',
    dnsNames: ['app.example.com'],
    notBefore: new Date(now - 80 * DAY_MS),
    notAfter: new Date(now + 3 * DAY_MS + 60_000),
    publicKeyPem: keys.publicKeyPem,
    selfSigningKeyPem: keys.privateKeyPem,
  });
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: { name: 'app-tls', namespace: 'traefik' },
    stringData: { 'tls.crt': crt, 'tls.key': keys.privateKeyPem },
  };
  const gateway = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'traefik-gateway', namespace: 'traefik' },
    spec: {
      gatewayClassName: 'traefik',
      listeners: [{ name: 'websecure', port: 443, protocol: 'HTTPS', hostname: 'app.example.com', tls: { certificateRefs: [{ name: 'app-tls' }] } }],
    },
  };
  await writeFile(join(folder, 'objects.json'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [secret, gateway] }));
  const result = await audit(['--manifests', folder]);
  t.equal(result.code, 0, result.stderr);
  t.match(
    result.stdout,
    /\nGateway traefik\/traefik-gateway +gateway-listener-tls +certificate-expiring +warn +spec\.listeners\[0\] "websecure" \(Gateway traefik\/traefik-gateway, hostname "app\.example\.com"\): certificateRefs\[0\] Secret "traefik\/app-tls" holds a certificate that expires at \S+, in 3 days \(audit\.expiringWithin is 14d\): /,
  );
  t.match(result.stdout, /\n2 objects judged: 0 failed, 1 warnings\n$/);
});

t.test('nothing to report: only the summary, exit 0', async (t) => {
  const result = await audit(['--manifests', GOOD]);
  t.equal(result.code, 0, result.stderr);
  t.equal(result.stdout, '3 objects judged: 0 failed, 0 warnings\n');
});

t.test('-o openreport / policyreport: the reports the audit would write, one YAML document per namespace', async (t) => {
  const open = await audit(['--manifests', SOLVERS, '-o', 'openreport']);
  t.equal(open.code, 1, open.stderr);
  const reports = parseAllDocuments(open.stdout).map(
    (document) =>
      document.toJS() as {
        apiVersion: string;
        kind: string;
        metadata: { name: string; namespace?: string };
        source: string;
        summary: object;
        results: Array<Record<string, unknown>>;
      },
  );
  t.same(
    reports.map((report) => [report.apiVersion, report.kind, report.metadata.namespace, report.metadata.name, report.source, report.summary]),
    [['openreports.io/v1alpha1', 'Report', 'certguard-fixture-solver-one', 'certguard', 'certguard', { pass: 0, fail: 1, warn: 0, error: 0, skip: 0 }]],
  );
  t.match(reports[0]?.results, [
    {
      source: 'certguard',
      policy: 'acme-solver-cap',
      rule: 'namespace-solver-cap',
      result: 'fail',
      scored: true,
      properties: { process: 'background scan' },
      resources: [{ kind: 'Namespace', name: 'certguard-fixture-solver-one' }],
    },
  ]);
  const wg = await audit(['--manifests', MISSING, '-o', 'policyreport']);
  t.equal(wg.code, 1, wg.stderr);
  const [report] = parseAllDocuments(wg.stdout).map(
    (document) => document.toJS() as { apiVersion: string; kind: string; metadata: { namespace: string }; results: Array<{ policy: string }> },
  );
  t.same(
    [report?.apiVersion, report?.kind, report?.metadata.namespace, report?.results.map((result) => result.policy)],
    ['wgpolicyk8s.io/v1alpha2', 'PolicyReport', 'traefik', ['gateway-listener-tls']],
  );
});

t.test('-n audits one namespace: its objects and the findings about it', async (t) => {
  const traefik = await audit(['--manifests', MISSING, '-n', 'traefik', '-o', 'json']);
  t.equal(traefik.code, 1, traefik.stderr);
  const found = JSON.parse(traefik.stdout) as { judged: number; findings: Array<{ object?: { namespace?: string }; rule: string }> };
  t.same(
    found.findings.map((finding) => [finding.object?.namespace, finding.rule]),
    [['traefik', 'admission']],
    'the Gateway in traefik',
  );
  t.ok(found.judged > 0 && found.judged < 5, `only traefik's objects judged (${found.judged} of 5)`);
  const other = await audit(['--manifests', MISSING, '--namespace', 'app-prod']);
  t.equal(other.code, 0, 'nothing wrong in app-prod');
  t.match(other.stdout, /^\d+ objects judged: 0 failed, 0 warnings\n$/m);
  const solvers = await audit(['--manifests', SOLVERS, '-n', 'certguard-fixture-solver-one', '-o', 'json']);
  t.same(
    (JSON.parse(solvers.stdout) as { findings: Array<{ rule: string }> }).findings.map((finding) => finding.rule),
    ['namespace-solver-cap'],
    'a finding on the Namespace object counts as about that namespace',
  );
  const writes = await audit(['-n', 'traefik', '--write-reports']);
  t.same([writes.code, writes.stderr], [2, "certguard audit: --write-reports rewrites every namespace's report: it cannot be combined with --namespace\n"]);
});

t.test('usage errors exit 2 with one line', async (t) => {
  const badOutput = await audit(['--manifests', GOOD, '-o', 'wide']);
  t.equal(badOutput.code, 2);
  t.equal(badOutput.stderr, 'certguard audit: --output must be one of table, json, yaml, openreport, policyreport, got "wide"\n');
  const positional = await audit([GOOD]);
  t.equal(positional.code, 2);
  t.equal(positional.stderr, `certguard audit: unexpected argument "${GOOD}": give folders with --manifests\n`);
});
