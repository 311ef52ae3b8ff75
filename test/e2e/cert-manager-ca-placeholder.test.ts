// Placeholders real cert-manager accepts. certguard (placeholder mode) creates a self-signed
// Secret for a Gateway listener whose Secret does not exist yet; the placeholder carries
// cert-manager's issuer annotations set to a sentinel issuer, so cert-manager v1.21.1 reads it as
// issued by another issuer and issues into it at once, whatever the issuer kind (issue 12). Here
// with a namespaced CA Issuer (a Certificate applied, one made by cert-manager's gateway-shim
// from an annotated Gateway, one made by its ListenerSet shim from an annotated ListenerSet) — the case where, without the sentinel, cert-manager marks the
// Certificate Ready with the placeholder still in it — and with ECDSA + rotationPolicy Never.
// An RSA placeholder there stuck cert-manager v1.21.1 for good (event CannotRegenerateKey, "User
// intervention required: existing private key in Secret ... mismatching fields:
// [spec.privateKey.algorithm]"); certguard now makes the placeholder's key as the Certificate asks
// (issue 12), so it issues, and under rotationPolicy Never cert-manager keeps that key (the
// policy README says so).
//
// Placeholders are made only for Secrets a Certificate or a cert-manager shim will fill (issue
// 12), so the Certificates are applied before the Gateways, and cert-manager starts after them:
// the placeholder is what serves until cert-manager gets to it (incident 000's pending issuance).
//
// Every version of the Certificates is recorded by a watch, so a Ready=True that lasted a moment
// would still be seen.
import { X509Certificate } from 'node:crypto';
import t from 'tap';
import { startCertManager } from './harness/cert-manager.ts';
import type { Cluster } from './harness/cluster.ts';
import { currentCondition, gateway, httpsListener, namespace, tlsSecret, yamlOf, type Condition } from './harness/objects.ts';
import { issueCa } from './harness/pki.ts';
import { waitFor } from './harness/processes.ts';
import { startStack } from './harness/stack.ts';
import { watchObjects } from './harness/watch.ts';

const NS = 'app-prod';
const EC_NS = 'app-ec';
const SHIM_NS = 'app-shim';
const LS_NS = 'app-ls';
const CA_NAME = 'certguard-e2e-app-ca';

type Obj = Record<string, unknown>;
type Certificate = { metadata: { name: string; generation?: number }; status?: { conditions?: Condition[]; notAfter?: string } };
type Secret = { metadata: { uid: string; labels?: Record<string, string>; annotations?: Record<string, string> }; data: Record<string, string> };

const caIssuer = (ns: string): Obj => ({
  apiVersion: 'cert-manager.io/v1',
  kind: 'Issuer',
  metadata: { namespace: ns, name: 'app-ca' },
  spec: { ca: { secretName: 'app-ca' } },
});

const certificate = (ns: string, name: string, hostname: string, privateKey?: Obj): Obj => ({
  apiVersion: 'cert-manager.io/v1',
  kind: 'Certificate',
  metadata: { namespace: ns, name },
  spec: { secretName: name, dnsNames: [hostname], issuerRef: { kind: 'Issuer', name: 'app-ca' }, ...(privateKey ? { privateKey } : {}) },
});

// shim: the Gateway (or, with listenerSet, a ListenerSet attached to it) carries
// cert-manager.io/issuer and cert-manager's shim makes the Certificate (named after the Secret);
// otherwise the test applies the Certificate.
const CASES = [
  { ns: NS, secret: 'app-tls', hostname: 'app.example.com', privateKey: undefined, keyType: 'rsa', timeoutMs: 60_000, shim: false, listenerSet: false },
  { ns: SHIM_NS, secret: 'shim-tls', hostname: 'shim.example.com', privateKey: undefined, keyType: 'rsa', timeoutMs: 60_000, shim: true, listenerSet: false },
  { ns: LS_NS, secret: 'ls-tls', hostname: 'ls.example.com', privateKey: undefined, keyType: 'rsa', timeoutMs: 60_000, shim: true, listenerSet: true },
  {
    ns: EC_NS,
    secret: 'app-ec-tls',
    hostname: 'app-ec.example.com',
    privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Never' },
    keyType: 'ec',
    timeoutMs: 20_000,
    shim: false,
    listenerSet: false,
  },
] as const;

const ISSUER_ANNOTATION = { 'cert-manager.io/issuer': 'app-ca' };

/** The Gateway holding case c's listener, or an HTTP-only parent plus the ListenerSet holding it. */
const owners = (c: (typeof CASES)[number]): Obj[] => {
  const listener = httpsListener(`websecure-${c.secret}`, c.hostname, c.secret);
  if (!c.listenerSet) return [gateway(c.ns, 'traefik-gateway', [listener], c.shim ? ISSUER_ANNOTATION : undefined)];
  const listenerSet = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'ListenerSet',
    metadata: { namespace: c.ns, name: 'apps', annotations: ISSUER_ANNOTATION },
    spec: { parentRef: { name: 'traefik-gateway' }, listeners: [{ ...(gateway(c.ns, '', [listener]).spec as { listeners: Obj[] }).listeners[0] }] },
  };
  // Gateway API v1.5+: a Gateway admits no ListenerSet unless allowedListeners says so.
  const parent = gateway(c.ns, 'traefik-gateway', [{ name: 'web', protocol: 'HTTP' }]) as { spec: Obj };
  parent.spec.allowedListeners = { namespaces: { from: 'Same' } };
  return [parent as unknown as Obj, listenerSet];
};

const getSecret = async (cluster: Cluster, ns: string, name: string): Promise<Secret | undefined> => {
  const got = await cluster.kubectl(['get', 'secret', name, '-n', ns, '-o', 'json']);
  return got.code === 0 ? (JSON.parse(got.stdout) as Secret) : undefined;
};

const certOf = (secret: Secret): X509Certificate => new X509Certificate(Buffer.from(secret.data['tls.crt'] ?? '', 'base64'));

// Any version saying Ready counts for "never Ready with the placeholder", whichever spec it describes.
const ready = (certificate: Certificate): string | undefined => certificate.status?.conditions?.find((c) => c.type === 'Ready')?.status;

t.test('cert-manager issues into certguard placeholders for a namespaced CA Issuer', async (t) => {
  const stack = await startStack(t, { config: { policies: { 'gateway-listener-tls': { mode: 'placeholder' } } } });
  const { cluster, certguard } = stack;
  const ca = await issueCa(CA_NAME);
  const prepared = await cluster.kubectl(['apply', '-f', '-'], {
    input: yamlOf(
      namespace('cert-manager'),
      ...[NS, EC_NS, SHIM_NS, LS_NS].flatMap((ns) => [namespace(ns), tlsSecret(ns, 'app-ca', ca), caIssuer(ns)]),
      // The Certificates come with the Gateways, as a GitOps sync applies them; cert-manager is not
      // running yet, so each Secret is still missing when its listener is admitted.
      ...CASES.filter((c) => !c.shim).map((c) => certificate(c.ns, c.secret, c.hostname, c.privateKey)),
    ),
  });
  t.equal(prepared.code, 0, prepared.stderr);

  // The Gateways: certguard creates the placeholders, as in incident 000.
  const gateways = CASES.flatMap(owners);
  // Watched from before the Gateways exist: with the gateway-shim, cert-manager may issue into a
  // placeholder before a test could read it, and every version must be seen anyway.
  const watch = watchObjects<Certificate>(cluster, ['certificates', '-A']);
  t.teardown(() => watch.stop());
  const secrets = watchObjects<Secret & { metadata: { name: string; namespace: string } }>(cluster, ['secrets', '-A']);
  t.teardown(() => secrets.stop());
  const gatewaysApplied = Date.now();
  const applied = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(...gateways) });
  t.equal(applied.code, 0, 'the Gateways are admitted (with placeholder warnings)');
  const placeholders = new Map<string, Secret>();
  for (const c of CASES) {
    // The first version of the Secret: what certguard created while admitting the Gateway.
    const secret = await waitFor(
      `the first version of ${c.ns}/${c.secret}`,
      async () => secrets.events().find((e) => e.object.metadata.namespace === c.ns && e.object.metadata.name === c.secret)?.object,
    );
    t.match(
      secret.metadata.annotations,
      { 'cert-manager.io/issuer-name': 'certguard.io/placeholder', 'cert-manager.io/issuer-kind': 'CertguardPlaceholder' },
      `${c.secret} was created by certguard with the sentinel issuer`,
    );
    t.equal(certOf(secret).subject.includes('O=certguard placeholder'), true, 'a certguard placeholder certificate');
    placeholders.set(c.secret, secret);
  }
  t.equal(certOf(placeholders.get('app-ec-tls') as Secret).publicKey.asymmetricKeyType, 'ec', 'the ECDSA Certificate gets an ECDSA placeholder');
  t.equal(await certguard.metric('certguard_placeholder_secrets', { namespace: NS }), 1, 'the gauge counts the placeholder');

  const started = Date.now();
  const certManager = await startCertManager(cluster, { gatewayApi: true, listenerSets: true });
  t.teardown(() => certManager.stop());

  for (const c of CASES) {
    const how = c.listenerSet
      ? "ListenerSet shim's Certificate"
      : c.shim
        ? "gateway-shim's Certificate"
        : c.privateKey
          ? 'ECDSA, rotationPolicy Never'
          : 'defaults';
    await t.test(`${c.ns}/${c.secret} (${how}): replaced, never Ready with the placeholder`, async (t) => {
      const placeholder = placeholders.get(c.secret) as Secret;
      const issued = await waitFor(
        `cert-manager to issue into ${c.secret}`,
        async () => {
          const secret = await getSecret(cluster, c.ns, c.secret);
          return secret?.metadata.annotations?.['cert-manager.io/certificate-name'] === c.secret ? secret : undefined;
        },
        { timeoutMs: c.timeoutMs, intervalMs: 250 },
      );
      t.comment(
        `${c.secret} replaced ${((Date.now() - started) / 1000).toFixed(1)} s after cert-manager started (the owners were applied ${((started - gatewaysApplied) / 1000).toFixed(1)} s before)`,
      );
      const cert = certOf(issued);
      t.equal(cert.issuer, `CN=${CA_NAME}`, 'issued by the CA Issuer');
      t.equal(cert.subjectAltName, `DNS:${c.hostname}`);
      t.not(cert.serialNumber, certOf(placeholder).serialNumber, 'not the placeholder certificate');
      t.equal(cert.publicKey.asymmetricKeyType, c.keyType, `a ${c.keyType} key, as the Certificate asks`);
      if (c.privateKey?.rotationPolicy === 'Never') {
        // rotationPolicy Never: cert-manager reuses the key already in the Secret (its event "Reused").
        t.equal(issued.data['tls.key'], placeholder.data['tls.key'], "rotationPolicy Never: the placeholder's ECDSA key is kept as the production key");
      } else {
        t.not(issued.data['tls.key'], placeholder.data['tls.key'], 'a new private key');
      }
      t.equal(issued.metadata.uid, placeholder.metadata.uid, 'cert-manager wrote into the placeholder Secret itself');
      t.match(issued.metadata.annotations, { 'cert-manager.io/issuer-name': 'app-ca', 'cert-manager.io/issuer-kind': 'Issuer' }, 'the sentinel is gone');

      await waitFor(`${c.secret} to be Ready`, async () => {
        const got = await cluster.kubectl(['get', 'certificate', c.secret, '-n', c.ns, '-o', 'json']);
        return got.code === 0 && currentCondition(JSON.parse(got.stdout) as Certificate, 'Ready') === 'True' ? true : undefined;
      });
      const versions = watch.events().filter((event) => event.object.metadata.name === c.secret);
      const readyVersions = versions.filter((event) => ready(event.object) === 'True');
      t.ok(readyVersions.length > 0, `the watch saw it Ready (${versions.length} versions seen)`);
      const issuedNotAfter = new Date(cert.validTo).toISOString();
      t.same(
        [...new Set(readyVersions.map((event) => new Date(event.object.status?.notAfter ?? 0).toISOString()))],
        [issuedNotAfter],
        'every Ready version describes the issued certificate, none the placeholder',
      );
    });
  }

  await t.test('a typo in a Secret name is refused in placeholder mode, and nothing is created', async (t) => {
    // No Certificate and no cert-manager annotation fills "app-tsl": a placeholder would hide the
    // typo behind a self-signed certificate forever (issue 12), so placeholder mode denies as enforce does.
    const typo = gateway(NS, 'typo-gateway', [httpsListener('websecure-typo', 'app.example.com', 'app-tsl')]);
    const applied = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(typo) });
    t.equal(applied.code, 1);
    t.match(
      applied.stderr,
      /admission webhook "gateway-listener-tls\.certguard\.io" denied the request: spec\.listeners\[0\] "websecure-typo" \(Gateway app-prod\/typo-gateway, hostname "app\.example\.com"\): certificateRefs\[0\] Secret "app-prod\/app-tsl" does not exist and no Certificate or cert-manager annotation will create it: /,
    );
    t.equal(await getSecret(cluster, NS, 'app-tsl'), undefined, 'no placeholder was created');
  });

  await t.test(`the placeholder gauge of ${NS}, ${SHIM_NS} and ${LS_NS} returns to 0`, async (t) => {
    for (const ns of [NS, SHIM_NS, LS_NS]) {
      const count = await waitFor(`the placeholder gauge of ${ns} to drop`, async () => {
        const value = await certguard.metric('certguard_placeholder_secrets', { namespace: ns });
        return value === 0 || value === undefined ? (value ?? 0) : undefined;
      });
      t.equal(count, 0, ns);
    }
  });
});
