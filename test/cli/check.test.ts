// The offline check judges the policies' own good/bad fixtures exactly as the webhook would.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { parseAllDocuments, stringify } from 'yaml';
import type { CheckVerdict } from '../../src/cli/check.ts';
import { startDnsmasq } from '../dns/dnsmasq.ts';
import { fixtureConfig, fixtureDnsRecords, fixturesOf, notableVerdicts, policiesWithFixtures } from '../helpers/policy-fixtures.ts';
import { certguard } from '../helpers/cli.ts';

const root = join(import.meta.dirname, '../..');

const check = (args: string[]) => certguard(['check', ...args]);

// Every policy's fixtures through the real CLI (JSON output) give exactly the verdicts in the
// policy's fixtures/expected.yaml: the same runner data as test/policies/fixtures.test.ts.
const dns = await startDnsmasq(fixtureDnsRecords());
t.teardown(() => dns.stop());
const configDir = mkdtempSync(join(tmpdir(), 'certguard-check-'));
t.teardown(() => rmSync(configDir, { recursive: true, force: true }));
const configPath = join(configDir, 'config.yaml');
writeFileSync(configPath, stringify(fixtureConfig(dns.address)));

for (const policy of policiesWithFixtures()) {
  for (const fixture of fixturesOf(policy)) {
    t.test(`certguard check ${fixture.kind === 'good' ? 'passes' : 'denies'} ${policy}/${fixture.name} with the expected messages`, async (t) => {
      const result = await check(['--config', configPath, '--output', 'json', '-f', fixture.path]);
      t.equal(result.code, fixture.kind === 'good' ? 0 : 1, result.stderr);
      t.same(notableVerdicts(JSON.parse(result.stdout) as CheckVerdict[]), fixture.expected);
    });
  }
}

t.test('certguard check prints the webhook message for the seed-000 bundle', async (t) => {
  const result = await check(['-f', join(root, 'src/policies/gateway-listener-tls/fixtures/bad/missing-secret.yaml')]);
  t.equal(result.code, 1);
  t.equal(
    result.stdout,
    [
      'denied  Gateway traefik/traefik-gateway',
      '  - spec.listeners[2] "websecure-app-prod" (Gateway traefik/traefik-gateway, hostname "app.example.com"): certificateRefs[0] Secret "app-prod/app-prod-tls-secret" does not exist and no Certificate or cert-manager annotation will create it: the controller leaves this listener without a certificate, and Traefik and Contour then mark this Gateway not accepted or not programmed. Fix: check the Secret name, or create the Secret',
      '5 objects checked: 1 denied, 0 with warnings',
      '',
    ].join('\n'),
  );
});

t.test('-o openreport / policyreport: the verdicts as reports, as admission would write them', async (t) => {
  const bundle = join(root, 'src/policies/gateway-listener-tls/fixtures/bad/missing-secret.yaml');
  for (const [output, apiVersion] of [
    ['openreport', 'openreports.io/v1alpha1'],
    ['policyreport', 'wgpolicyk8s.io/v1alpha2'],
  ] as const) {
    const result = await check(['-f', bundle, '-o', output]);
    t.equal(result.code, 1, result.stderr);
    const reports = parseAllDocuments(result.stdout).map(
      (document) => document.toJS() as { apiVersion: string; metadata: { namespace: string }; results: Array<Record<string, unknown>> },
    );
    t.same(
      reports.map((report) => [report.apiVersion, report.metadata.namespace]),
      [[apiVersion, 'traefik']],
      output,
    );
    t.match(reports[0]?.results, [
      {
        source: 'certguard',
        policy: 'gateway-listener-tls',
        rule: 'admission',
        result: 'fail',
        properties: { process: 'admission review' },
        resources: [{ kind: 'Gateway', namespace: 'traefik', name: 'traefik-gateway' }],
        message: /^spec\.listeners\[2\] "websecure-app-prod"/,
      },
    ]);
  }
});

t.test('a Secret in the same bundle counts as present (applied together, as a GitOps sync does)', async (t) => {
  const fixture = join(root, 'src/policies/gateway-listener-tls/fixtures/bad/missing-secret.yaml');
  const secret = join(root, 'test/cli/fixtures/app-prod-tls-secret.yaml');
  const result = await check(['-f', fixture, '-f', secret]);
  t.equal(result.code, 0, result.stdout);
  t.equal(result.stdout, '6 objects checked: 0 denied, 0 with warnings\n');
});

t.test('a Certificate in the same bundle is what fills the missing Secret: pending issuance, not a typo', async (t) => {
  const fixture = join(root, 'src/policies/gateway-listener-tls/fixtures/bad/missing-secret.yaml');
  const certificate = join(root, 'test/cli/fixtures/app-prod-certificate.yaml');
  // DNS from the test's dnsmasq: the Certificate's CAA lookup must not depend on this machine's resolver.
  const result = await check(['--config', configPath, '-f', fixture, '-f', certificate]);
  t.equal(result.code, 1);
  t.equal(
    result.stdout,
    [
      'denied  Gateway traefik/traefik-gateway',
      '  - spec.listeners[2] "websecure-app-prod" (Gateway traefik/traefik-gateway, hostname "app.example.com"): certificateRefs[0] Secret "app-prod/app-prod-tls-secret" does not exist yet: pending issuance by Certificate app-prod/app-prod (ClusterIssuer letsencrypt-dns, DNS-01), and until then the controller leaves this listener without a certificate, and Traefik and Contour then mark this Gateway not accepted or not programmed. Fix: add this listener once Certificate app-prod/app-prod is Ready, or enable placeholder mode (policies.gateway-listener-tls.mode: placeholder) so certguard creates a temporary self-signed one',
      '7 objects checked: 1 denied, 0 with warnings',
      '',
    ].join('\n'),
  );
});

t.test('certguard check without files is a usage error', async (t) => {
  t.same(await check([]), { code: 2, stdout: '', stderr: 'certguard check: give the manifests to check with --filename (or as arguments)\n' });
});

t.test('certguard check on a file that is not YAML names the file', async (t) => {
  const result = await check(['-f', join(root, 'test/cli/fixtures/not-yaml.yaml')]);
  t.equal(result.code, 3);
  t.match(result.stderr, /^certguard check: .*not-yaml\.yaml: /);
});
