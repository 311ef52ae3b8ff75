// The offline check judges the policies' own good/bad fixtures exactly as the webhook would.
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';

const run = promisify(execFile);
const root = join(import.meta.dirname, '../..');
const CLI = join(root, 'bin/certguard.js');

const check = async (args: string[]) => {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, 'check', ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
};

// certificate-dns fixtures need a DNS server; its own tests run them against dnsmasq.
const POLICIES_WITHOUT_NETWORK = ['gateway-listener-tls', 'acme-solver-cap', 'certificate-issuable'];

for (const policy of POLICIES_WITHOUT_NETWORK) {
  for (const kind of ['good', 'bad'] as const) {
    const folder = join(root, 'src/policies', policy, 'fixtures', kind);
    for (const file of readdirSync(folder).filter((name) => name.endsWith('.yaml'))) {
      t.test(`certguard check ${kind === 'good' ? 'passes' : 'denies'} ${policy}/${kind}/${file}`, async (t) => {
        const result = await check(['-f', join(folder, file)]);
        t.equal(result.code, kind === 'good' ? 0 : 1, result.stdout + result.stderr);
        if (kind === 'bad') t.match(result.stdout, /^denied  /m);
      });
    }
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
  const result = await check(['-f', fixture, '-f', certificate]);
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
