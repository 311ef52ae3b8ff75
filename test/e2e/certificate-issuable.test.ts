// Issue 14, cert-manager#4846: a second Certificate that names a Secret another Certificate already
// writes. Applied with kubectl against the real API server, certguard watching Certificates through
// its live view: the first is admitted, the second refused with both names in the message.
import t from 'tap';
import { namespace, yamlOf } from './harness/objects.ts';
import { waitFor } from './harness/processes.ts';
import { startStack } from './harness/stack.ts';

const NS = 'app-production';

type Obj = Record<string, unknown>;

// An ACME CA without a public CAA identity and a DNS-01 solver: certificate-dns looks nothing up.
const ISSUER: Obj = {
  apiVersion: 'cert-manager.io/v1',
  kind: 'ClusterIssuer',
  metadata: { name: 'acme-dns01' },
  spec: {
    acme: {
      server: 'https://acme.internal.example/directory',
      privateKeySecretRef: { name: 'acme-account' },
      solvers: [{ dns01: { cloudflare: { apiTokenSecretRef: { name: 'cloudflare-token', key: 'api-token' } } } }],
    },
  },
};

const certificate = (name: string, secretName: string, dnsNames: string[]): Obj => ({
  apiVersion: 'cert-manager.io/v1',
  kind: 'Certificate',
  metadata: { namespace: NS, name },
  spec: { secretName, dnsNames, issuerRef: { kind: 'ClusterIssuer', name: 'acme-dns01' } },
});

const DENIAL =
  `admission webhook "certificate-issuable.certguard.io" denied the request: Certificate ${NS}/app-tls-v2: secretName "app-tls" is already used by Certificate ${NS}/app-tls, ` +
  "and only one Certificate can own a Secret: cert-manager leaves the others never Ready (cert-manager#6406), older releases re-issued both without end, each overwriting the other's certificate (cert-manager#4846). " +
  'Give this one its own secretName, or delete the other.';

t.test('kubectl apply of a second Certificate with the same secretName is refused, naming both', async (t) => {
  const { cluster } = await startStack(t, { failurePolicy: 'Fail' });
  const setup = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(namespace(NS), ISSUER) });
  t.equal(setup.code, 0, setup.stderr);

  const first = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(certificate('app-tls', 'app-tls', ['app.example.com'])) });
  t.equal(first.code, 0, first.stderr);
  t.equal(first.stdout.trim(), 'certificate.cert-manager.io/app-tls created');
  t.equal(first.stderr, '', 'admitted without warnings');

  const second = yamlOf(certificate('app-tls-v2', 'app-tls', ['app.example.com', 'www.example.com']));
  // The live view learns of the first Certificate through its watch, a moment after the create.
  await waitFor(
    'certguard to see the first Certificate',
    async () => {
      const dryRun = await cluster.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: second });
      return dryRun.code !== 0 ? true : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );

  const refused = await cluster.kubectl(['apply', '-f', '-'], { input: second });
  t.equal(refused.code, 1, 'kubectl fails');
  t.equal(refused.stderr, `Error from server (Forbidden): error when creating "STDIN": ${DENIAL}\n`);
  const stored = await cluster.kubectl(['get', 'certificates', '-n', NS, '-o', 'jsonpath={.items[*].metadata.name}']);
  t.equal(stored.stdout, 'app-tls', 'only the first Certificate exists');

  const distinct = await cluster.kubectl(['apply', '-f', '-'], {
    input: yamlOf(certificate('app-tls-v2', 'app-tls-v2', ['app.example.com', 'www.example.com'])),
  });
  t.equal(distinct.code, 0, `with its own secretName it is admitted: ${distinct.stderr}`);
});
