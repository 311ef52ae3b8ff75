// Incident 001, DNS: Certificates were applied before their names pointed at the cluster, so HTTP-01
// could never pass. A real DNS server (dnsmasq on a loopback port) answers for the test's names;
// the Gateway reports where challenges arrive (status.addresses). certguard denies a Certificate
// whose name resolves elsewhere or not at all, admits one that points at the ingress, and leaves
// DNS-01 Certificates alone — and kubectl shows the developer which address is wrong.
import t from 'tap';
import { startDnsmasq } from '../dns/dnsmasq.ts';
import type { Cluster } from './harness/cluster.ts';
import { gateway, namespace, yamlOf } from './harness/objects.ts';
import { waitFor } from './harness/processes.ts';
import { startStack } from './harness/stack.ts';

const INGRESS_IP = '203.0.113.10';
const ELSEWHERE_IP = '198.51.100.7';
const NS = 'shop';

type Obj = Record<string, unknown>;

const clusterIssuer = (name: string, solver: Obj): Obj => ({
  apiVersion: 'cert-manager.io/v1',
  kind: 'ClusterIssuer',
  metadata: { name },
  spec: { acme: { server: 'https://acme-v02.api.letsencrypt.org/directory', privateKeySecretRef: { name: `${name}-account` }, solvers: [solver] } },
});

const HTTP01 = clusterIssuer('letsencrypt-http01', { http01: { gatewayHTTPRoute: { parentRefs: [{ name: 'traefik-gateway', namespace: 'traefik' }] } } });
const DNS01 = clusterIssuer('letsencrypt-dns01', { dns01: { cloudflare: { apiTokenSecretRef: { name: 'cloudflare-token', key: 'api-token' } } } });

const certificate = (name: string, dnsName: string, issuer: string): Obj => ({
  apiVersion: 'cert-manager.io/v1',
  kind: 'Certificate',
  metadata: { namespace: NS, name },
  spec: { secretName: name, dnsNames: [dnsName], issuerRef: { kind: 'ClusterIssuer', name: issuer } },
});

const ingress = (name: string, host: string, issuer: string): Obj => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { namespace: NS, name, annotations: { 'cert-manager.io/cluster-issuer': issuer } },
  spec: {
    tls: [{ hosts: [host], secretName: `${name}-tls` }],
    rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name, port: { number: 80 } } } }] } }],
  },
});

const NEVER = 'the ACME server would never reach the solver and cert-manager would retry forever';
const denial = (subject: string, field: string, name: string, resolution: string) =>
  `admission webhook "certificate-dns.certguard.io" denied the request: ${subject}: ${field} "${name}" ${resolution}, ` +
  `but HTTP-01 challenges arrive at the ingress ${INGRESS_IP} (gateway traefik/traefik-gateway), so ${NEVER}. Point ${name} at ${INGRESS_IP} first, or use a DNS-01 solver.\n`;

const create = (cluster: Cluster, object: Obj) => cluster.kubectl(['create', '-f', '-'], { input: yamlOf(object) });

t.test('incident 001: Certificates whose names do not point at the ingress', async (t) => {
  const dns = await startDnsmasq([
    { name: 'pay.example.com', a: [ELSEWHERE_IP] },
    { name: 'shop.example.com', a: [INGRESS_IP] },
  ]);
  t.teardown(() => dns.stop());
  const config = { policies: { 'certificate-dns': { resolvers: [dns.address] } } };
  const stack = await startStack(t, { config });
  const { cluster } = stack;

  const prepared = await cluster.kubectl(['apply', '-f', '-'], {
    input: yamlOf(
      namespace('traefik'),
      namespace(NS),
      HTTP01,
      DNS01,
      gateway('traefik', 'traefik-gateway', [{ name: 'web', protocol: 'HTTP', allowedRoutesFrom: 'All' }]),
    ),
  });
  t.equal(prepared.code, 0, prepared.stderr);
  // The Gateway controller's job, done by hand: publish where traffic (and challenges) arrive.
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
  // Until certguard's view has the Gateway's address it can only warn that it does not know it.
  await waitFor('certguard to see the Gateway address', async () => {
    const probe = await cluster.kubectl(['create', '--dry-run=server', '-f', '-'], {
      input: yamlOf(certificate('probe', 'shop.example.com', 'letsencrypt-http01')),
    });
    return probe.code === 0 && probe.stderr === '' ? true : undefined;
  });

  await t.test('HTTP-01, the name resolves elsewhere: denied with both addresses', async (t) => {
    const created = await create(cluster, certificate('pay-tls', 'pay.example.com', 'letsencrypt-http01'));
    t.equal(created.code, 1);
    t.equal(
      created.stderr,
      `Error from server (Forbidden): error when creating "STDIN": ${denial(`Certificate ${NS}/pay-tls`, 'spec.dnsNames[0]', 'pay.example.com', `resolves to ${ELSEWHERE_IP}`)}`,
    );
  });

  await t.test('HTTP-01, the name is not in DNS yet: denied', async (t) => {
    const created = await create(cluster, certificate('new-tls', 'new.example.com', 'letsencrypt-http01'));
    t.equal(created.code, 1);
    t.equal(
      created.stderr,
      `Error from server (Forbidden): error when creating "STDIN": ${denial(`Certificate ${NS}/new-tls`, 'spec.dnsNames[0]', 'new.example.com', 'does not exist in DNS (NXDOMAIN)')}`,
    );
  });

  await t.test('ingress-shim: the developer sees the denial on the Ingress they applied', async (t) => {
    const created = await create(cluster, ingress('pay', 'pay.example.com', 'letsencrypt-http01'));
    t.equal(created.code, 1);
    t.equal(
      created.stderr,
      `Error from server (Forbidden): error when creating "STDIN": ${denial(`Ingress ${NS}/pay (ingress-shim Certificate pay-tls)`, 'spec.tls[0].hosts[0]', 'pay.example.com', `resolves to ${ELSEWHERE_IP}`)}`,
    );
  });

  await t.test('HTTP-01, the name points at the ingress: admitted', async (t) => {
    const created = await create(cluster, certificate('shop-tls', 'shop.example.com', 'letsencrypt-http01'));
    t.equal(created.stdout, 'certificate.cert-manager.io/shop-tls created\n');
    t.equal(created.stderr, '');
  });

  await t.test('DNS-01 issuer: admitted, wherever the name points', async (t) => {
    const created = await create(cluster, certificate('pay-dns01-tls', 'pay.example.com', 'letsencrypt-dns01'));
    t.equal(created.stdout, 'certificate.cert-manager.io/pay-dns01-tls created\n');
    t.equal(created.stderr, '');
  });

  t.equal(
    (await cluster.kubectl(['get', 'certificates', '-n', NS, '-o', 'name'])).stdout,
    'certificate.cert-manager.io/pay-dns01-tls\ncertificate.cert-manager.io/shop-tls\n',
    'only the admitted Certificates exist',
  );
});
