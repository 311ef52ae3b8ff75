// `certguard explain` against the real thing: kube-apiserver, cert-manager v1.21.1 (CA and ACME
// issuers, Gateway API solvers), pebble (ACME), dnsmasq (the names, CAA) and Traefik v3.6 (which
// writes the Gateways' listener conditions and address). One cluster, one namespace and Gateway
// per state; each scenario runs the CLI as a user would and asserts the hop named as the cause and
// its sentence. No certguard webhook runs: explain reads a cluster whatever let its objects in.
//
// No kubelet runs the ACME solver Pods, so no HTTP-01 challenge can pass here: "issued" means a CA
// issuer (the healthy scenario), and the ACME scenarios stop where each one breaks. The
// placeholder Secrets are built with certguard's own buildPlaceholderSecret, as its webhook does in
// placeholder mode (cert-manager then re-issues into them: the "placeholder in place" state).
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import t from 'tap';
import { parse } from 'yaml';
import { buildCertificate, generateRsaKeyPair } from '../../src/certs/x509.ts';
import { KubeClient } from '../../src/cluster/live/kube-client.ts';
import { loadCredentials } from '../../src/cluster/live/kubeconfig.ts';
import { certificatePoliciesOf } from '../../src/cli/explain.ts';
import { parseConfig } from '../../src/config/load.ts';
import { createNameResolver } from '../../src/dns/resolver.ts';
import { explain } from '../../src/explain/explain.ts';
import type { Explanation } from '../../src/explain/model.ts';
import { liveSource } from '../../src/explain/source.ts';
import { resolverOptionsFrom } from '../../src/policies/certificate-dns/settings.ts';
import { buildPlaceholderSecret, generatePlaceholderCertificate } from '../../src/policies/gateway-listener-tls/placeholder.ts';
import { defaultGatewayListenerTlsSettings } from '../../src/policies/gateway-listener-tls/settings.ts';
import { startCertManager } from './harness/cert-manager.ts';
import { startAcmeIngress } from './harness/acme-ingress.ts';
import type { Cluster } from './harness/cluster.ts';
import { namespace, tlsSecret, yamlOf } from './harness/objects.ts';
import { KUBECTL, NODE, repoRoot } from './harness/paths.ts';
import { issueCa } from './harness/pki.ts';
import { explanationProblems } from '../helpers/explanation-schema.ts';
import { makeTempDir, run, waitFor } from './harness/processes.ts';

type Obj = Record<string, unknown>;

const INGRESS_IP = '127.0.0.1'; // Traefik's --providers.kubernetesgateway.statusaddress.ip
const ELSEWHERE_IP = '198.51.100.7';
const CAA_IDENTITY = 'pebble.certguard.test';
const BENCH_LISTENERS = 25;

const host = (ns: string): string => `${ns}.example.com`;

// The HTTP listener takes cert-manager's solver routes (in the Gateway's namespace, as the Certificates are).
const gatewayOf = (ns: string, port: number, webPort: number, listeners: Array<{ name: string; hostname: string; secret: string }>): Obj => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { namespace: ns, name: 'gw' },
  spec: {
    gatewayClassName: 'traefik',
    listeners: [
      ...listeners.map((listener) => ({
        name: listener.name,
        protocol: 'HTTPS',
        port,
        hostname: listener.hostname,
        tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name: listener.secret }] },
      })),
      { name: 'web', protocol: 'HTTP', port: webPort },
    ],
  },
});

/** parentNs: the namespace of the Gateway the solver routes name (the issuer's own by default). */
const acmeIssuer = (ns: string, server: string, selector?: Obj, parentNs = ns): Obj => ({
  apiVersion: 'cert-manager.io/v1',
  kind: 'Issuer',
  metadata: { namespace: ns, name: 'acme' },
  spec: {
    acme: {
      server,
      skipTLSVerify: true,
      privateKeySecretRef: { name: 'acme-account' },
      solvers: [{ ...(selector ? { selector } : {}), http01: { gatewayHTTPRoute: { parentRefs: [{ name: 'gw', namespace: parentNs }] } } }],
    },
  },
});

/** A ListenerSet on Gateway NS/gw, whose spec (no allowedListeners) admits no ListenerSet. */
const listenerSetOf = (ns: string, port: number): Obj => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'ListenerSet',
  metadata: { namespace: ns, name: 'ls' },
  spec: {
    parentRef: { name: 'gw' },
    listeners: [
      { name: 'websecure', protocol: 'HTTPS', port, hostname: host(ns), tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name: 'tls' }] } },
    ],
  },
});

const caIssuer = (ns: string): Obj => ({
  apiVersion: 'cert-manager.io/v1',
  kind: 'Issuer',
  metadata: { namespace: ns, name: 'ca' },
  spec: { ca: { secretName: 'ca' } },
});

const certificate = (ns: string, name: string, hostname: string, issuer: string): Obj => ({
  apiVersion: 'cert-manager.io/v1',
  kind: 'Certificate',
  metadata: { namespace: ns, name },
  spec: { secretName: name, dnsNames: [hostname], issuerRef: { kind: 'Issuer', name: issuer } },
});

/** certguard's placeholder, as its webhook creates it in placeholder mode for this listener. */
const placeholder = async (ns: string): Promise<Obj> => {
  const owner = { kind: 'Gateway' as const, namespace: ns, name: 'gw' };
  const filler = {
    source: 'certificate' as const,
    namespace: ns,
    name: 'tls',
    issuerRef: { name: 'acme', kind: 'Issuer', group: 'cert-manager.io' },
    dnsNames: [host(ns)],
    key: { algorithm: 'RSA' as const, size: 2048 as const },
    reusesKey: false,
  };
  return (await buildPlaceholderSecret(
    { namespace: ns, name: 'tls', owner, listenerNames: ['websecure'], hostnames: [host(ns)], filler },
    defaultGatewayListenerTlsSettings().placeholder,
    new Date(),
    generatePlaceholderCertificate,
  )) as Obj;
};

const selfSignedSecret = async (ns: string, notBefore: Date, notAfter: Date): Promise<Obj> => {
  const keys = await generateRsaKeyPair();
  const crt = buildCertificate({
    commonName: host(ns),
    dnsNames: [host(ns)],
    notBefore,
    notAfter,
    publicKeyPem: keys.publicKeyPem,
    selfSigningKeyPem: keys.privateKeyPem,
  });
  return tlsSecret(ns, 'tls', { certificatePem: crt, privateKeyPem: keys.privateKeyPem });
};

const expiredSecret = (ns: string): Promise<Obj> => selfSignedSecret(ns, new Date('2025-01-01T00:00:00Z'), new Date('2025-02-01T00:00:00Z'));

type Cli = { code: number; stdout: string; stderr: string };

/** The CLI as a user runs it, or as kubectl runs the plugin (`kubectl certguard ...`: bin/ and Node 24 on PATH). */
const explainCli = (cluster: Cluster, configFile: string, args: string[], viaKubectl = false): Promise<Cli> => {
  const flags = ['--kubeconfig', cluster.kubeconfigPath, '--config', configFile];
  if (!viaKubectl) return run(NODE, [join(repoRoot, 'bin/certguard.js'), 'explain', ...args, ...flags]);
  const env = { ...process.env, PATH: `${join(repoRoot, 'bin')}:${dirname(NODE)}:${process.env.PATH ?? ''}` };
  return run(KUBECTL, ['certguard', 'explain', ...args, ...flags], { env });
};

/** The CLI's -o json (or yaml) output, which must fit docs/explain.schema.json. */
const explained = (t: { same(found: unknown, wanted: unknown, message: string): unknown }, result: Cli, format: 'json' | 'yaml' = 'json'): Explanation => {
  let value: unknown;
  try {
    value = format === 'json' ? JSON.parse(result.stdout) : parse(result.stdout);
  } catch {
    throw new Error(`not ${format} (exit ${result.code}): ${result.stdout}${result.stderr}`);
  }
  t.same(explanationProblems(value), [], `the ${format} output fits docs/explain.schema.json`);
  return value as Explanation;
};

const listenerMessage = (ns: string) => `spec.listeners[0] "websecure" (Gateway ${ns}/gw, hostname "${host(ns)}"): certificateRefs[0] Secret "${ns}/tls"`;

t.test('certguard explain on cert-manager, pebble, dnsmasq and Traefik', async (t) => {
  const scenarios = ['healthy', 'deadlock', 'placeholder', 'dns', 'caa', 'nosolver', 'cap', 'notready', 'expired', 'routefail', 'lsrefused'];
  const { dns, pebble, cluster, traefik } = await startAcmeIngress(t, [
    ...scenarios.filter((ns) => ns !== 'dns').map((ns) => ({ name: host(ns), a: [INGRESS_IP] })),
    { name: host('dns'), a: [ELSEWHERE_IP] },
    { name: host('caa'), caa: [{ tag: 'issue', value: 'ca.example.net' }] },
  ]);
  const port = traefik.websecurePort;

  const configFile = join(makeTempDir('explain-config'), 'config.yaml');
  const configObject = {
    policies: { 'certificate-dns': { resolvers: [dns.address], caaIdentities: [{ serverPrefix: pebble.directoryUrl, identity: CAA_IDENTITY }] } },
  };
  writeFileSync(configFile, JSON.stringify(configObject));
  // The same with certificate-dns off: explain's verdicts are the facts', only its note changes.
  const offConfigFile = join(dirname(configFile), 'config-dns-off.yaml');
  writeFileSync(offConfigFile, JSON.stringify({ policies: { 'certificate-dns': { ...configObject.policies['certificate-dns'], mode: 'off' } } }));

  const ca = await issueCa('certguard-e2e-explain-ca');
  const listener = (ns: string) => [{ name: 'websecure', hostname: host(ns), secret: 'tls' }];
  const bench = Array.from({ length: BENCH_LISTENERS }, (_, i) => ({ name: `l${i}`, hostname: `b${i}.example.com`, secret: `b${i}-tls` }));
  const applied = await cluster.kubectl(['apply', '-f', '-'], {
    input: yamlOf(
      traefik.gatewayClass,
      namespace('cert-manager'),
      ...scenarios.map((ns) => namespace(ns, ns === 'cap' ? { 'certguard.io/max-solver-routes': '1' } : undefined)),
      namespace('bench'),
      // healthy: a CA issuer (no solver Pods here, so no ACME challenge can pass).
      tlsSecret('healthy', 'ca', ca),
      caIssuer('healthy'),
      certificate('healthy', 'tls', host('healthy'), 'ca'),
      tlsSecret('bench', 'ca', ca),
      caIssuer('bench'),
      ...bench.map((b) => certificate('bench', b.secret, b.hostname, 'ca')),
      ...['deadlock', 'placeholder', 'dns', 'caa', 'cap'].map((ns) => acmeIssuer(ns, pebble.directoryUrl)),
      // routefail: the solver routes name Gateway healthy/gw, whose HTTP listener admits routes of its own namespace only.
      acmeIssuer('routefail', pebble.directoryUrl, undefined, 'healthy'),
      // lsrefused: a real ListenerSet whose parent's spec refuses it (Traefik v3.6 writes no ListenerSet status).
      await selfSignedSecret('lsrefused', new Date(Date.now() - 3_600_000), new Date(Date.now() + 86_400_000)),
      listenerSetOf('lsrefused', port),
      acmeIssuer('nosolver', pebble.directoryUrl, { dnsNames: ['other.example.com'] }),
      // Nothing listens on port 1: cert-manager cannot register the ACME account.
      acmeIssuer('notready', 'https://127.0.0.1:1/directory'),
      ...['deadlock', 'placeholder', 'dns', 'caa', 'nosolver', 'cap', 'notready', 'routefail'].map((ns) => certificate(ns, 'tls', host(ns), 'acme')),
      ...(await Promise.all(['placeholder', 'dns', 'caa', 'nosolver', 'cap', 'notready', 'routefail'].map(placeholder))),
      await expiredSecret('expired'),
      ...scenarios.filter((ns) => ns !== 'lsrefused').map((ns) => gatewayOf(ns, port, traefik.webPort, listener(ns))),
      gatewayOf('lsrefused', port, traefik.webPort, []),
      gatewayOf('bench', port, traefik.webPort, bench),
    ),
  });
  t.equal(applied.code, 0, applied.stderr);
  const certManager = await startCertManager(cluster, { gatewayApi: true });
  t.teardown(() => certManager.stop());

  await waitFor(
    'the healthy and bench Certificates to be Ready',
    async () => {
      const got = await cluster.kubectl(['get', 'certificates', '-n', 'healthy', '-o', 'jsonpath={.items[*].status.conditions[?(@.type=="Ready")].status}']);
      const benched = await cluster.kubectl(['get', 'certificates', '-n', 'bench', '-o', 'jsonpath={.items[*].status.conditions[?(@.type=="Ready")].status}']);
      return got.stdout === 'True' && benched.stdout.split(' ').filter((s) => s === 'True').length === BENCH_LISTENERS ? true : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 1_000 },
  );
  await waitFor('Traefik to program the healthy listener', async () => {
    const got = await cluster.kubectl([
      'get',
      'gateway',
      'gw',
      '-n',
      'healthy',
      '-o',
      'jsonpath={.status.listeners[0].conditions[?(@.type=="Programmed")].status}',
    ]);
    return got.stdout === 'True' ? true : undefined;
  });
  await waitFor(
    'cert-manager to create the solver HTTPRoute in namespace cap',
    async () => {
      const got = await cluster.kubectl(['get', 'httproutes', '-n', 'cap', '-l', 'acme.cert-manager.io/http01-solver=true', '-o', 'name']);
      return got.stdout.trim() !== '' ? true : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 1_000 },
  );
  await waitFor(
    'Traefik to refuse the solver HTTPRoute of namespace routefail',
    async () => {
      const got = await cluster.kubectl([
        'get',
        'httproutes',
        '-n',
        'routefail',
        '-l',
        'acme.cert-manager.io/http01-solver=true',
        '-o',
        'jsonpath={.items[*].status.parents[*].conditions[?(@.type=="Accepted")].status}',
      ]);
      return got.stdout.trim() === 'False' ? true : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 1_000 },
  );
  await waitFor(
    'cert-manager to mark the unreachable ACME Issuer not Ready',
    async () => {
      const got = await cluster.kubectl(['get', 'issuer', 'acme', '-n', 'notready', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
      return got.stdout === 'False' ? true : undefined;
    },
    { timeoutMs: 60_000 },
  );

  const cases: Array<{ ns: string; status: string; code: number; cause?: string; message?: string | RegExp }> = [
    { ns: 'healthy', status: 'healthy', code: 0 },
    {
      ns: 'deadlock',
      status: 'broken',
      code: 1,
      cause: 'secret',
      message: `${listenerMessage('deadlock')} does not exist: Certificate deadlock/tls would issue it, but its HTTP-01 challenge for "${host('deadlock')}" is answered through this Gateway, which Traefik ≤ 3.0 does not serve while a listener is unresolved and current controllers report as not accepted or not programmed until the Secret exists. Fix: enable placeholder mode (policies.gateway-listener-tls.mode: placeholder) so certguard creates a temporary self-signed one, or add this listener once Certificate deadlock/tls is Ready`,
    },
    {
      ns: 'placeholder',
      status: 'pending',
      code: 1,
      cause: 'secret',
      message:
        /^Secret placeholder\/tls still holds certguard's self-signed placeholder \(since \d{4}-\d\d-\d\dT[\d:.]+Z\): clients do not trust it until cert-manager issues the real certificate into it\. Look at the hops after this one for why it has not$/,
    },
    {
      ns: 'dns',
      status: 'broken',
      code: 1,
      cause: 'names',
      message: `Certificate dns/tls: spec.dnsNames[0] "${host('dns')}" resolves to ${ELSEWHERE_IP}, but HTTP-01 challenges arrive at the ingress ${INGRESS_IP} (gateway dns/gw), so the ACME server would never reach the solver and cert-manager would retry forever. Point ${host('dns')} at ${INGRESS_IP} first, or use a DNS-01 solver.`,
    },
    {
      ns: 'caa',
      status: 'broken',
      code: 1,
      cause: 'names',
      message: `Certificate caa/tls: spec.dnsNames[0] "${host('caa')}" may not be issued by the CA of Issuer caa/acme (CAA identity "${CAA_IDENTITY}"): the CAA records at ${host('caa')} let a CA issue certificates for it only through their issue records, and none lets this one: ${host('caa')}. CAA 0 issue "ca.example.net" names another CA (ca.example.net). The ACME order would fail its CAA check and cert-manager would retry it. Publish the CAA record ${host('caa')}. CAA 0 issue "${CAA_IDENTITY}", or use an issuer whose CA they list.`,
    },
    {
      ns: 'nosolver',
      status: 'broken',
      code: 1,
      cause: 'names',
      message: `Certificate nosolver/tls: spec.dnsNames[0] "${host('nosolver')}" matches no solver of Issuer nosolver/acme: no entry of spec.acme.solvers selects ${host('nosolver')} for HTTP-01 or DNS-01, so cert-manager creates no challenge for any name of the Certificate and it is not issued (Event "Solver" on its Order). Add a solver whose selector matches ${host('nosolver')} to the issuer, or remove ${host('nosolver')}.`,
    },
    // Exact but for the Challenge's generated name.
    {
      ns: 'cap',
      status: 'broken',
      code: 1,
      cause: 'solver-cap',
      message:
        /^namespace "cap" has reached its cap of 1 ACME HTTP-01 solver HTTPRoute owned by cert-manager Challenges \(Namespace annotation certguard\.io\/max-solver-routes\): a challenge that keeps failing leaves a new solver behind on every retry, usually because DNS for its domain does not point at the ingress, the backend Service is missing, or the route is not attached to a Gateway listener\. Look with "kubectl get challenges -n cap" and "kubectl describe challenge tls-1-\d+-\d+ -n cap"\. Remove stale solvers with "kubectl delete httproutes -n cap -l acme\.cert-manager\.io\/http01-solver=true" \(cert-manager recreates the ones its pending challenges still need\)\. Raise the cap with "kubectl annotate namespace cap certguard\.io\/max-solver-routes=<n> --overwrite"\.$/,
    },
    {
      ns: 'notready',
      status: 'broken',
      code: 1,
      cause: 'issuer',
      message:
        /^Issuer notready\/acme is not Ready: cert-manager says Ready=False reason "ErrRegisterACMEAccount": "Failed to register ACME account: .*connection refused", so it issues no certificate\. Fix: correct the issuer as the reason says \(kubectl describe issuer acme\)$/,
    },
    {
      ns: 'routefail',
      status: 'broken',
      code: 1,
      cause: 'names',
      message: `Certificate routefail/tls: spec.dnsNames[0] "${host('routefail')}": the HTTP-01 solver HTTPRoute cert-manager creates in namespace "routefail" (spec.acme.solvers[0] of Issuer routefail/acme) attaches to no listener (parentRef Gateway healthy/gw: listener "websecure" (HTTPS ${port}): allowedRoutes.namespaces.from "Same", which admits namespace "healthy" only, listener "web" (HTTP ${traefik.webPort}): allowedRoutes.namespaces.from "Same", which admits namespace "healthy" only), so the Gateway controller leaves it not Accepted, the challenge never reaches the solver and cert-manager retries forever. Fix: let listener "web" of Gateway healthy/gw admit routes from namespace "routefail" (allowedRoutes.namespaces.from: All, or Selector matching it).`,
    },
    {
      ns: 'expired',
      status: 'broken',
      code: 1,
      cause: 'secret',
      message: `${listenerMessage('expired')} is unusable: its certificate expired at 2025-02-01T00:00:00.000Z: the controller leaves this listener without a certificate, and Traefik and Contour then mark this Gateway not accepted or not programmed. Fix: renew the certificate (cmctl renew, or find out why cert-manager did not)`,
    },
  ];

  for (const c of cases) {
    await t.test(`${c.ns}: ${c.status}${c.cause ? ` at ${c.cause}` : ''}`, async (t) => {
      const result = await explainCli(cluster, configFile, ['gateway', `${c.ns}/gw`, '-o', 'json']);
      const explanation = explained(t, result);
      t.equal(result.code, c.code, `exit ${c.code}: ${result.stderr}`);
      t.equal(explanation.status, c.status);
      const chain = explanation.chains[0];
      t.equal(chain?.cause?.hop, c.cause, 'the hop named as the cause');
      if (typeof c.message === 'string') t.equal(chain?.cause?.message, c.message, 'its sentence');
      else if (c.message) t.match(chain?.cause?.message ?? '', c.message, 'its sentence');
      t.comment(`${c.ns}: ${(chain?.hops ?? []).map((hop) => `${hop.hop}=${hop.status}`).join(' ')}`);
    });
  }

  await t.test("routefail: the solver route Traefik refuses is broken on the solver-route hop, with Traefik's condition", async (t) => {
    const explanation = explained(t, await explainCli(cluster, configFile, ['gateway', 'routefail/gw', '-o', 'json']));
    const hop = explanation.chains[0]?.hops.find((found) => found.hop === 'solver-route');
    t.equal(hop?.status, 'broken');
    t.match(
      hop?.message ?? '',
      /^solver HTTPRoute routefail\/cm-acme-http-solver-\w+ \(Challenge tls-1-\d+-\d+\) is not accepted by Gateway healthy\/gw: traefik\.io\/gateway-controller reports Accepted=False reason "NotAllowedByListeners"(: "[^"]*")?, so the ACME server's HTTP-01 request never reaches the solver\. Fix: make that parent accept the route \(a listener for HTTP on port 80 whose allowedRoutes admit namespace "routefail"\), or point the issuer's gatewayHTTPRoute\.parentRefs at one that does$/,
    );
    t.comment(`routefail: cause ${explanation.chains[0]?.cause?.message ?? ''} | solver-route ${hop?.message ?? ''}`);
  });

  await t.test("lsrefused: a ListenerSet its parent's spec refuses is broken at the owner, Traefik having written no status", async (t) => {
    const result = await explainCli(cluster, configFile, ['listenerset', 'lsrefused/ls', '-o', 'json']);
    const explanation = explained(t, result);
    t.equal(result.code, 1, result.stderr);
    const chain = explanation.chains[0];
    t.equal(chain?.cause?.hop, 'owner');
    t.equal(
      chain?.cause?.message,
      'ListenerSet lsrefused/ls: spec.parentRef Gateway lsrefused/gw does not allow it: spec.allowedListeners.namespaces.from "None" (the default when unset), which admits no namespace, so the Gateway never attaches it (its Accepted condition False, reason NotAllowed) and none of its listeners is served, nor the HTTP-01 challenges routed through them. Fix: set spec.allowedListeners.namespaces.from: Same (or All) on Gateway lsrefused/gw',
    );
    t.same(
      chain?.hops.find((found) => found.hop === 'owner')?.details,
      [
        'Accepted=Unknown reason "Pending": "Waiting for controller"',
        'Programmed=Unknown reason "Pending": "Waiting for controller"',
        'no Gateway controller has decided Accepted',
      ],
      "the CRD's default status: Traefik v3.6 wrote nothing on the ListenerSet",
    );
    t.equal(chain?.hops.find((found) => found.hop === 'secret')?.status, 'ok', 'its Secret is fine: the owner alone breaks the chain');
  });

  await t.test('dns with certificate-dns off: still broken at names, the note says admission lets it in', async (t) => {
    const result = await explainCli(cluster, offConfigFile, ['gateway', 'dns/gw', '-o', 'json']);
    const chain = explained(t, result).chains[0];
    t.equal(result.code, 1, result.stderr);
    t.equal(chain?.cause?.hop, 'names');
    t.equal(chain?.cause?.message, cases.find((c) => c.ns === 'dns')?.message);
    t.equal(
      chain?.cause?.note,
      'certificate-dns is off (policies.certificate-dns.mode: off): admission does not refuse Certificate dns/tls, but this stops its issuance all the same',
    );
  });

  await t.test("the controller's own conditions are on the listener hop (Traefik on the missing Secret)", async (t) => {
    const explanation = explained(t, await explainCli(cluster, configFile, ['gateway', 'deadlock/gw', '-o', 'json']));
    const hop = explanation.chains[0]?.hops.find((found) => found.hop === 'listener');
    t.equal(hop?.status, 'broken');
    t.match(hop?.details.join('\n') ?? '', /ResolvedRefs=False/, 'Traefik reports the unresolved ref');
    // Beside the unresolved HTTPS listener the Gateway has a working HTTP one: Traefik 3.6 accepts
    // cert-manager's solver route there while it reports the Gateway not accepted.
    const route = explanation.chains[0]?.hops.find((found) => found.hop === 'solver-route');
    t.equal(route?.status, 'ok');
    t.match(route?.details.join('\n') ?? '', /^HTTPRoute cm-acme-http-solver-\w+ → Gateway deadlock\/gw: Accepted=True/m, 'accepted by the Gateway');
    t.comment(`deadlock solver route: ${route?.details.join('; ') ?? ''}`);
  });

  await t.test('healthy, as a table: one line; as kubectl certguard (the plugin), the same', async (t) => {
    const table = await explainCli(cluster, configFile, ['gateway', 'healthy/gw']);
    t.equal(table.code, 0, table.stderr);
    t.equal(
      table.stdout,
      `Gateway healthy/gw: 1 certificate chains, 0 not healthy (healthy)\n\nok  listener websecure (HTTPS ${port} ${host('healthy')}) -> Secret healthy/tls: healthy\n`,
    );
    const plugin = await explainCli(cluster, configFile, ['gateway', 'healthy/gw'], true);
    t.equal(plugin.code, 0, plugin.stderr);
    t.equal(plugin.stdout, table.stdout);
    const verbose = await explainCli(cluster, configFile, ['certificate', 'healthy/tls', '-v']);
    t.comment(`explain certificate healthy/tls -v:\n${verbose.stdout}`);
    t.match(verbose.stdout, /issuer {7}ok {9}Issuer healthy\/ca: Ready\n/);
  });

  await t.test('the placeholder scenario, as the table a user sees', async (t) => {
    const table = await explainCli(cluster, configFile, ['gateway', 'cap/gw']);
    t.equal(table.code, 1);
    t.comment(`explain gateway cap/gw:\n${table.stdout}`);
    t.match(table.stdout, /\n {4}solver-cap {3}BROKEN {5}namespace cap: 1 of 1 solver HTTPRoutes, no headroom, cluster: \d+ of 200 \(headroom \d+\)\n/);
    t.same(
      explained(t, await explainCli(cluster, configFile, ['gateway', 'cap/gw', '-o', 'yaml']), 'yaml'),
      explained(t, await explainCli(cluster, configFile, ['gateway', 'cap/gw', '-o', 'json'])),
      'YAML and JSON agree',
    );
  });

  await t.test('a user RBAC keeps from Challenges: that hop says so, the rest is still explained', async (t) => {
    const readAll = (resources: string[]) => ({ apiGroups: ['*'], resources, verbs: ['get', 'list'] });
    const granted = await cluster.kubectl(['apply', '-f', '-'], {
      input: yamlOf(
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { namespace: 'healthy', name: 'explainer' } },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRole',
          metadata: { name: 'explainer' },
          rules: [
            readAll([
              'gateways',
              'listenersets',
              'referencegrants',
              'httproutes',
              'secrets',
              'namespaces',
              'services',
              'certificates',
              'certificaterequests',
              'issuers',
              'clusterissuers',
              'orders',
            ]),
          ],
        },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRoleBinding',
          metadata: { name: 'explainer' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'explainer' },
          subjects: [{ kind: 'ServiceAccount', namespace: 'healthy', name: 'explainer' }],
        },
      ),
    });
    t.equal(granted.code, 0, granted.stderr);
    const token = await cluster.kubectl(['create', 'token', 'explainer', '-n', 'healthy']);
    t.equal(token.code, 0, token.stderr);
    const kubeconfig = join(makeTempDir('explain-rbac'), 'kubeconfig');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': 'explainer',
        clusters: [{ name: 'e2e', cluster: { server: cluster.serverUrl, 'certificate-authority-data': Buffer.from(cluster.caPem).toString('base64') } }],
        users: [{ name: 'explainer', user: { token: token.stdout.trim() } }],
        contexts: [{ name: 'explainer', context: { cluster: 'e2e', user: 'explainer' } }],
      }),
    );
    const result = await run(NODE, [
      join(repoRoot, 'bin/certguard.js'),
      'explain',
      'gateway',
      'cap/gw',
      '-o',
      'json',
      '--kubeconfig',
      kubeconfig,
      '--config',
      configFile,
    ]);
    const chain = explained(t, result).chains[0];
    const hop = (id: string) => chain?.hops.find((found) => found.hop === id);
    t.equal(hop('cert-manager')?.status, 'unreadable');
    t.equal(hop('cert-manager')?.message, 'cannot read Challenges in namespace cap: forbidden');
    t.equal(hop('solver-route')?.status, 'unreadable', 'the solver routes of those Challenges cannot be told either');
    t.same([hop('secret')?.status, hop('issuer')?.status, hop('names')?.status], ['pending', 'ok', 'ok'], 'the other hops are read');
    t.equal(chain?.cause?.hop, 'solver-cap', 'the cap is still named');
    t.equal(result.code, 1);
  });

  await t.test(`a ${BENCH_LISTENERS}-listener Gateway (measured, not asserted)`, async (t) => {
    const client = new KubeClient(loadCredentials(cluster.kubeconfigPath));
    t.teardown(() => client.close());
    const config = parseConfig(configObject);
    const resolver = createNameResolver(resolverOptionsFrom(config.policies['certificate-dns']));
    const certificatePolicies = certificatePoliciesOf(config, resolver);
    const timings: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const source = liveSource(client);
      const started = performance.now();
      const explanation = await explain(
        { kind: 'Gateway', namespace: 'bench', name: 'gw' },
        { source, config, certificatePolicies, resolver, now: new Date() },
      );
      timings.push(`${(performance.now() - started).toFixed(0)} ms, ${source.reads()} API reads`);
      t.equal(explanation.chains.length, BENCH_LISTENERS, `${BENCH_LISTENERS} chains`);
      t.equal(explanation.status, 'healthy');
      t.same(explanationProblems(JSON.parse(JSON.stringify(explanation))), [], 'fits docs/explain.schema.json');
    }
    const started = performance.now();
    const cli = await explainCli(cluster, configFile, ['gateway', 'bench/gw']);
    const cliMs = performance.now() - started;
    t.equal(cli.code, 0, cli.stderr);
    t.comment(`explain of ${BENCH_LISTENERS} listeners in process: ${timings.join('; ')}; the CLI process end to end: ${cliMs.toFixed(0)} ms`);
  });
});
