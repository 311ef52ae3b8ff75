// Incident 001 through Flux: a commit with a Certificate whose name does not point at the ingress
// (HTTP-01 could never pass). certguard refuses it in the dry run, the Kustomization says why and
// applies nothing of that commit, not even the good Certificate beside it; the fixing commit
// (the bad Certificate removed) syncs.
import t from 'tap';
import { startDnsmasq } from '../dns/dnsmasq.ts';
import { KUSTOMIZATION, startFluxStack } from './fixtures/flux-stack.ts';
import { gateway, namespace, yamlOf } from './harness/objects.ts';
import { waitFor } from './harness/processes.ts';

const INGRESS_IP = '203.0.113.10';
const ELSEWHERE_IP = '198.51.100.7';
const NS = 'shop';

type Obj = Record<string, unknown>;

const ISSUER: Obj = {
  apiVersion: 'cert-manager.io/v1',
  kind: 'ClusterIssuer',
  metadata: { name: 'letsencrypt-http01' },
  spec: {
    acme: {
      server: 'https://acme-v02.api.letsencrypt.org/directory',
      privateKeySecretRef: { name: 'letsencrypt-http01-account' },
      solvers: [{ http01: { gatewayHTTPRoute: { parentRefs: [{ name: 'traefik-gateway', namespace: 'traefik' }] } } }],
    },
  },
};

const certificate = (name: string, dnsName: string): Obj => ({
  apiVersion: 'cert-manager.io/v1',
  kind: 'Certificate',
  metadata: { namespace: NS, name },
  spec: { secretName: name, dnsNames: [dnsName], issuerRef: { kind: 'ClusterIssuer', name: 'letsencrypt-http01' } },
});

const DENIAL =
  `Certificate/${NS}/pay-tls dry-run failed (Forbidden): admission webhook "certificate-dns.certguard.io" denied the request: ` +
  `Certificate ${NS}/pay-tls: spec.dnsNames[0] "pay.example.com" resolves to ${ELSEWHERE_IP}, but HTTP-01 challenges arrive at the ingress ${INGRESS_IP} ` +
  '(gateway traefik/traefik-gateway), so the ACME server would never reach the solver and cert-manager would retry forever. ' +
  `Point pay.example.com at ${INGRESS_IP} first, or use a DNS-01 solver.\n`;

t.test('gitops with Flux, incident 001: a Certificate whose name points elsewhere', async (t) => {
  const dns = await startDnsmasq([
    { name: 'pay.example.com', a: [ELSEWHERE_IP] },
    { name: 'shop.example.com', a: [INGRESS_IP] },
  ]);
  t.teardown(() => dns.stop());
  const { stack, flux, push } = await startFluxStack(t, { config: { policies: { 'certificate-dns': { resolvers: [dns.address] } } } });
  const { cluster } = stack;

  // The platform's part, outside this repository: the issuer and the Gateway, whose controller
  // publishes where challenges arrive (done by hand: no Gateway controller runs here).
  const prepared = await cluster.kubectl(['apply', '-f', '-'], {
    input: yamlOf(
      namespace('traefik'),
      namespace(NS),
      ISSUER,
      gateway('traefik', 'traefik-gateway', [{ name: 'web', protocol: 'HTTP', allowedRoutesFrom: 'All' }]),
    ),
  });
  t.equal(prepared.code, 0, prepared.stderr);
  const status = await cluster.kubectl([
    'patch',
    'gateway',
    'traefik-gateway',
    '-n',
    'traefik',
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify({ status: { addresses: [{ type: 'IPAddress', value: INGRESS_IP }] } }),
  ]);
  t.equal(status.code, 0, status.stderr);
  await waitFor('certguard to see the Gateway address', async () => {
    const probe = await cluster.kubectl(['create', '--dry-run=server', '-f', '-'], { input: yamlOf(certificate('probe', 'shop.example.com')) });
    return probe.code === 0 && probe.stderr === '' ? true : undefined;
  });

  const base = await push({ 'README.md': 'shop certificates\n' }, 'empty app', 'True');

  const refused = await push(
    { 'certificates.yaml': yamlOf(certificate('shop-tls', 'shop.example.com'), certificate('pay-tls', 'pay.example.com')) },
    'shop and pay certificates',
    'False',
  );
  t.equal(refused.status.ready?.reason, 'ReconciliationFailed');
  t.equal(refused.status.ready?.message, DENIAL, "certguard's message, verbatim, after Flux's prefix");
  t.equal(refused.status.lastAppliedRevision, base.revision, 'the last applied revision stays at the commit before');
  const events = await flux.events(KUSTOMIZATION);
  t.ok(
    events.some((event) => event.type === 'Warning' && event.reason === 'ReconciliationFailed' && event.message === DENIAL),
    'a Warning Event carries the same text',
  );
  t.equal((await cluster.kubectl(['get', 'certificates', '-n', NS, '-o', 'name'])).stdout, '', 'nothing of the commit is applied, not even shop-tls');

  const fixed = await push(
    { 'certificates.yaml': yamlOf(certificate('shop-tls', 'shop.example.com')) },
    'drop pay until its DNS points at the ingress',
    'True',
  );
  t.equal(fixed.status.ready?.reason, 'ReconciliationSucceeded');
  t.equal(fixed.status.lastAppliedRevision, fixed.revision);
  t.equal((await cluster.kubectl(['get', 'certificates', '-n', NS, '-o', 'name'])).stdout, 'certificate.cert-manager.io/shop-tls\n');
});
