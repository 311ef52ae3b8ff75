// The audit's findings, exactly: each object judged as if created now with the webhook's messages,
// plus the audit-only rules (expiring certificates, old placeholders, solver caps).
import { readFileSync } from 'node:fs';
import t from 'tap';
import { runAudit, sourceOf } from '../../src/audit/audit.ts';
import { buildAuditPolicies } from '../../src/compose.ts';
import type { Finding } from '../../src/audit/findings.ts';
import { buildCertificate, generateRsaKeyPair } from '../../src/certs/x509.ts';
import { ManifestView, parseManifests } from '../../src/cluster/manifest-view.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { LookupResult, NameResolver } from '../../src/dns/resolver.ts';
import type { KubeObject } from '../../src/kube/object.ts';
import { gateway, grant, https, namespace, tlsSecret, type Pem } from '../helpers/gateway-tls.ts';
import { createLogger } from '../../src/server/logger.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
const now = new Date();

const certificate = async (notBefore: Date, notAfter: Date): Promise<Pem> => {
  const keys = await generateRsaKeyPair();
  return {
    crt: buildCertificate({
      commonName: 'app.example.com',
      dnsNames: ['app.example.com'],
      notBefore,
      notAfter,
      publicKeyPem: keys.publicKeyPem,
      selfSigningKeyPem: keys.privateKeyPem,
    }),
    key: keys.privateKeyPem,
  };
};

/** DNS as a table: anything not listed is NXDOMAIN. */
const resolverOf = (table: Record<string, string[]>): NameResolver => ({
  lookup: async (name): Promise<LookupResult> => (table[name] ? { addresses: table[name], cnames: [] } : { error: 'NXDOMAIN', cnames: [] }),
  lookupCaa: async () => ({ records: [] }),
  describe: () => '192.0.2.53',
});

const audit = async (objects: KubeObject[], configValue: unknown = {}, resolver = resolverOf({})): Promise<Finding[]> => {
  const config = parseConfig(configValue);
  const policies = buildAuditPolicies(config, { logger: createLogger('silent'), resolver });
  return (await runAudit({ source: sourceOf(objects), view: new ManifestView(objects), config, policies, now })).findings;
};

const GATEWAY_REF = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', namespace: 'traefik', name: 'traefik-gateway' };
const CONSEQUENCE = 'the controller leaves this listener without a certificate, and Traefik and Contour then mark this Gateway not accepted or not programmed';
const WHERE = 'spec.listeners[0] "websecure" (Gateway traefik/traefik-gateway, hostname "app.example.com")';

t.test('the audit', async (t) => {
  const valid = await certificate(new Date(now.getTime() - 30 * DAY_MS), new Date(now.getTime() + 60 * DAY_MS));
  const expiring = await certificate(new Date(now.getTime() - 80 * DAY_MS), new Date(now.getTime() + 5 * DAY_MS + 60_000));
  const expired = await certificate(new Date(now.getTime() - 90 * DAY_MS), new Date(now.getTime() - DAY_MS));
  const site = (ref: string) => gateway([https('websecure', 'app.example.com', { name: ref })]);

  await t.test('fails a listener whose Secret is missing, with the webhook message', async (t) => {
    t.same(await audit([namespace('traefik'), site('gone-tls')]), [
      {
        policy: 'gateway-listener-tls',
        rule: 'admission',
        result: 'fail',
        object: GATEWAY_REF,
        message: `${WHERE}: certificateRefs[0] Secret "traefik/gone-tls" does not exist and no Certificate or cert-manager annotation will create it: ${CONSEQUENCE}. Fix: check the Secret name, or create the Secret`,
      },
    ]);
  });

  await t.test('fails a missing Secret in placeholder mode too (an audit creates nothing)', async (t) => {
    const findings = await audit([site('gone-tls')], { policies: { 'gateway-listener-tls': { mode: 'placeholder' } } });
    t.same(
      findings.map((finding) => [finding.rule, finding.result]),
      [['admission', 'fail']],
    );
    t.match(findings[0]?.message, /does not exist and no Certificate or cert-manager annotation will create it: /);
  });

  await t.test('fails a cross-namespace Secret no ReferenceGrant permits, and passes it once one does', async (t) => {
    const crossing = gateway([https('websecure', 'app.example.com', { name: 'app-tls', namespace: 'apps' })]);
    const findings = await audit([crossing, tlsSecret('apps', 'app-tls', valid)]);
    t.same(
      findings.map((finding) => finding.message),
      [
        `${WHERE}: certificateRefs[0] Secret "apps/app-tls" is in another namespace and no ReferenceGrant permits it (RefNotPermitted): ${CONSEQUENCE}. Fix: create a ReferenceGrant in namespace "apps" with from {group: gateway.networking.k8s.io, kind: Gateway, namespace: traefik} and to {group: "", kind: Secret, name: app-tls}`,
      ],
    );
    t.same(await audit([crossing, tlsSecret('apps', 'app-tls', valid), grant('apps', { namespace: 'traefik' })]), []);
  });

  await t.test('warns about a listener hostname its certificate does not cover, as the webhook does on CREATE', async (t) => {
    const other = gateway([https('websecure', 'www.example.com', { name: 'app-tls' })]);
    t.same(await audit([other, tlsSecret('traefik', 'app-tls', valid)]), [
      {
        policy: 'gateway-listener-tls',
        rule: 'admission',
        result: 'warn',
        object: GATEWAY_REF,
        message:
          'spec.listeners[0] "websecure" (Gateway traefik/traefik-gateway, hostname "www.example.com"): certificateRefs[0] Secret "traefik/app-tls" holds a certificate whose DNS names (app.example.com) do not cover hostname "www.example.com" (a wildcard covers exactly one label, RFC 6125), so clients that check the name reject it on this listener. Fix: reissue the certificate with www.example.com among its DNS names, or reference a Secret whose certificate covers it',
      },
    ]);
  });

  await t.test('fails an expired certificate (admission says unusable)', async (t) => {
    const findings = await audit([site('old-tls'), tlsSecret('traefik', 'old-tls', expired)]);
    const notAfter = new Date(Math.floor((now.getTime() - DAY_MS) / 1000) * 1000).toISOString();
    t.same(
      findings.map((finding) => [finding.rule, finding.result, finding.message]),
      [
        [
          'admission',
          'fail',
          `${WHERE}: certificateRefs[0] Secret "traefik/old-tls" is unusable: its certificate expired at ${notAfter}: ${CONSEQUENCE}. Fix: renew the certificate (cmctl renew, or find out why cert-manager did not)`,
        ],
      ],
    );
  });

  await t.test('warns about a certificate expiring within audit.expiringWithinDays, not about one beyond it', async (t) => {
    const notAfter = new Date(Math.floor((now.getTime() + 5 * DAY_MS + 60_000) / 1000) * 1000).toISOString();
    t.same(await audit([site('soon-tls'), tlsSecret('traefik', 'soon-tls', expiring)]), [
      {
        policy: 'gateway-listener-tls',
        rule: 'certificate-expiring',
        result: 'warn',
        object: GATEWAY_REF,
        message: `${WHERE}: certificateRefs[0] Secret "traefik/soon-tls" holds a certificate that expires at ${notAfter}, in 5 days (audit.expiringWithin is 14d): clients will reject it from then on. Fix: renew the certificate (cmctl renew, or find out why cert-manager did not)`,
      },
    ]);
    t.same(await audit([site('soon-tls'), tlsSecret('traefik', 'soon-tls', expiring)], { audit: { expiringWithinDays: 3 } }), []);
    t.same(await audit([site('app-tls'), tlsSecret('traefik', 'app-tls', valid)]), []);
  });

  const placeholder = (name: string, createdAt: Date, replaced = false): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: {
      name,
      namespace: 'traefik',
      labels: { 'app.kubernetes.io/managed-by': 'certguard', 'certguard.io/placeholder': 'true' },
      annotations: {
        'certguard.io/placeholder-for': 'Gateway traefik/traefik-gateway',
        'certguard.io/placeholder-listeners': 'websecure',
        'certguard.io/created-at': createdAt.toISOString(),
        'cert-manager.io/issuer-name': replaced ? 'letsencrypt-prod' : 'certguard.io/placeholder',
      },
    },
    data: {},
  });

  await t.test('fails a placeholder still not replaced after audit.placeholderMaxAgeHours, not a younger or a replaced one', async (t) => {
    const old = new Date(now.getTime() - 30 * 60 * 60 * 1000);
    t.same(await audit([placeholder('old-tls', old), placeholder('new-tls', new Date(now.getTime() - 60 * 60 * 1000)), placeholder('done-tls', old, true)]), [
      {
        policy: 'gateway-listener-tls',
        rule: 'placeholder-age',
        result: 'fail',
        object: { apiVersion: 'v1', kind: 'Secret', namespace: 'traefik', name: 'old-tls' },
        message: `Secret traefik/old-tls is a certguard placeholder (for Gateway traefik/traefik-gateway, listeners websecure) created at ${old.toISOString()} and still not replaced by a real certificate after 30 hours (audit.placeholderMaxAge is 24h): its listeners serve a self-signed certificate clients do not trust. Fix: find out why cert-manager has not issued it (kubectl get certificate -n traefik, and kubectl describe the one whose spec.secretName is old-tls), or put a real certificate in the Secret`,
      },
    ]);
    t.same(await audit([placeholder('old-tls', old)], { audit: { placeholderMaxAgeHours: 48 } }), []);
  });

  await t.test("fails a namespace holding its solver cap, with acme-solver-cap's message, per namespace not per solver", async (t) => {
    const objects = parseManifests(readFileSync('src/policies/acme-solver-cap/fixtures/bad/ingress-namespace-cap-reached.yaml', 'utf8'), 'fixture');
    const findings = await audit(objects);
    t.same(
      findings.map((finding) => [finding.policy, finding.rule, finding.result, finding.object]),
      [['acme-solver-cap', 'namespace-solver-cap', 'fail', { apiVersion: 'v1', kind: 'Namespace', name: 'certguard-fixture-solver-one' }]],
    );
    t.match(
      findings[0]?.message,
      /^namespace "certguard-fixture-solver-one" has reached its cap of 1 ACME HTTP-01 solver Ingress owned by cert-manager Challenges \(Namespace annotation certguard.io\/max-solver-routes\): /,
    );
    t.same(await audit(objects, { policies: { 'acme-solver-cap': { mode: 'warn' } } }).then((found) => found.map((finding) => finding.result)), ['warn']);
    t.same(await audit(objects, { policies: { 'acme-solver-cap': { mode: 'off' } } }), []);
    const cluster = await audit(objects, { policies: { 'acme-solver-cap': { maxClusterWide: 2 } } });
    t.same(
      cluster.map((finding) => [finding.rule, finding.object]),
      [
        ['cluster-solver-cap', undefined],
        ['namespace-solver-cap', { apiVersion: 'v1', kind: 'Namespace', name: 'certguard-fixture-solver-one' }],
      ],
    );
  });

  await t.test('fails an ACME Certificate whose name no longer points at the ingress (certificate-dns)', async (t) => {
    const objects = parseManifests(readFileSync('src/policies/certificate-dns/fixtures/bad/certificate-points-elsewhere.yaml', 'utf8'), 'fixture');
    const findings = await audit(objects, {}, resolverOf({ 'app.example.com': ['203.0.113.10'], 'old-host.example.com': ['198.51.100.7'] }));
    t.same(
      findings.map((finding) => [finding.policy, finding.rule, finding.result, finding.object?.kind]),
      [['certificate-dns', 'admission', 'fail', 'Certificate']],
    );
    t.equal(
      findings[0]?.message,
      'Certificate app-production/app-prod-tls: spec.dnsNames[1] "old-host.example.com" resolves to 198.51.100.7, but HTTP-01 challenges arrive at the ingress 203.0.113.10 (gateway traefik/traefik-gateway), so the ACME server would never reach the solver and cert-manager would retry forever. Point old-host.example.com at 203.0.113.10 first, or use a DNS-01 solver.',
    );
    t.same(await audit(objects, {}, resolverOf({ 'app.example.com': ['203.0.113.10'], 'old-host.example.com': ['203.0.113.10'] })), []);
  });

  await t.test('asks DNS through the audit budget: the shared cache first (peek), then a budgeted lookup', async (t) => {
    const objects = parseManifests(readFileSync('src/policies/certificate-dns/fixtures/bad/certificate-points-elsewhere.yaml', 'utf8'), 'fixture');
    const asked: string[] = [];
    const table = resolverOf({ 'app.example.com': ['203.0.113.10'], 'old-host.example.com': ['198.51.100.7'] });
    const shared: NameResolver = {
      ...table,
      lookup: (name, options) => {
        asked.push(`lookup ${name}`);
        return table.lookup(name, options);
      },
      peek: (name) => {
        asked.push(`peek ${name}`);
        return undefined;
      },
    };
    const findings = await audit(objects, {}, shared);
    t.same(
      findings.map((finding) => finding.rule),
      ['admission'],
    );
    t.same(
      asked.filter((line) => line.endsWith('old-host.example.com')),
      ['peek old-host.example.com', 'lookup old-host.example.com'],
    );
    t.equal(parseConfig({}).audit.dnsLookupsPerSecond, 50, 'the default budget');
  });

  await t.test("fails a Certificate not Ready for longer than audit.notReadyAfterMinutes, with cert-manager's reason", async (t) => {
    const since = new Date(now.getTime() - 95 * 60_000);
    const stuck = (status: string, at: Date): KubeObject => ({
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: 'app-tls', namespace: 'apps' },
      spec: { secretName: 'app-tls', dnsNames: ['app.example.com'], issuerRef: { name: 'dns-only', kind: 'ClusterIssuer' } },
      status: {
        conditions: [
          {
            type: 'Ready',
            status,
            reason: 'Failed',
            message: 'Failed to wait for order resource "app-tls-1-123" to become ready; order is in "invalid" state',
            lastTransitionTime: at.toISOString(),
          },
        ],
      },
    });
    // certificate-dns off: it would warn that the issuer is unknown; only the audit rule speaks here.
    const dnsOff = { policies: { 'certificate-dns': { mode: 'off' } } };
    t.same(await audit([stuck('False', since)], dnsOff), [
      {
        policy: 'certificate-ready',
        rule: 'certificate-not-ready',
        result: 'fail',
        object: { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', namespace: 'apps', name: 'app-tls' },
        message: `Certificate apps/app-tls has not been Ready for 95 minutes (since ${since.toISOString()}, audit.notReadyAfter is 60m): cert-manager says Ready=False reason "Failed": "Failed to wait for order resource "app-tls-1-123" to become ready, order is in "invalid" state". Look with: kubectl describe certificate app-tls -n apps, then kubectl get certificaterequests,orders,challenges -n apps`,
      },
    ]);
    t.same(await audit([stuck('False', new Date(now.getTime() - 30 * 60_000))], dnsOff), [], 'not yet an hour');
    t.same(await audit([stuck('True', since)], dnsOff), [], 'Ready');
    t.same(await audit([stuck('False', since)], { ...dnsOff, audit: { notReadyAfterMinutes: 120 } }), []);
  });

  await t.test("names a not-Ready Certificate's failing Challenge, found through Order and CertificateRequest", async (t) => {
    const since = new Date(now.getTime() - 95 * 60_000);
    const owner = (apiVersion: string, kind: string, name: string, uid: string) => ({ ownerReferences: [{ apiVersion, kind, name, uid, controller: true }] });
    const certificate: KubeObject = {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: 'app-tls', namespace: 'apps', uid: 'uid-cert' },
      spec: { secretName: 'app-tls', dnsNames: ['app.example.com', 'www.example.com'], issuerRef: { name: 'letsencrypt', kind: 'ClusterIssuer' } },
      status: {
        conditions: [
          {
            type: 'Ready',
            status: 'False',
            reason: 'DoesNotExist',
            message: 'Issuing certificate as Secret does not exist',
            lastTransitionTime: since.toISOString(),
          },
        ],
      },
    };
    const request: KubeObject = {
      apiVersion: 'cert-manager.io/v1',
      kind: 'CertificateRequest',
      metadata: { name: 'app-tls-1', namespace: 'apps', uid: 'uid-cr', ...owner('cert-manager.io/v1', 'Certificate', 'app-tls', 'uid-cert') },
    };
    const order: KubeObject = {
      apiVersion: 'acme.cert-manager.io/v1',
      kind: 'Order',
      metadata: { name: 'app-tls-1-123', namespace: 'apps', uid: 'uid-order', ...owner('cert-manager.io/v1', 'CertificateRequest', 'app-tls-1', 'uid-cr') },
    };
    const challenge = (name: string, dnsName: string, state: string, reason: string, orderName = 'app-tls-1-123', orderUid = 'uid-order'): KubeObject => ({
      apiVersion: 'acme.cert-manager.io/v1',
      kind: 'Challenge',
      metadata: { name, namespace: 'apps', ...owner('acme.cert-manager.io/v1', 'Order', orderName, orderUid) },
      spec: { dnsName, type: 'HTTP-01', wildcard: false },
      status: { state, reason },
    });
    const pending = challenge(
      'app-tls-1-123-456',
      'app.example.com',
      'pending',
      "Waiting for HTTP-01 challenge propagation: wrong status code '404', expected '200'",
    );
    const valid = challenge('app-tls-1-123-789', 'www.example.com', 'valid', 'Successfully authorized domain');
    const stale = challenge('app-tls-1-123-000', 'app.example.com', 'invalid', 'an Order since re-created', 'app-tls-1-123', 'uid-old-order');
    const dnsOff = { policies: { 'certificate-dns': { mode: 'off' } } };
    const head = `Certificate apps/app-tls has not been Ready for 95 minutes (since ${since.toISOString()}, audit.notReadyAfter is 60m): cert-manager says Ready=False reason "DoesNotExist": "Issuing certificate as Secret does not exist"`;
    const tail = '. Look with: kubectl describe certificate app-tls -n apps, then kubectl get certificaterequests,orders,challenges -n apps';
    const messages = async (objects: KubeObject[]) => (await audit(objects, dnsOff)).map((finding) => finding.message);
    t.same(
      await messages([certificate, request, order, pending, valid, stale]),
      [
        `${head}, and its Challenge apps/app-tls-1-123-456 for "app.example.com" (HTTP-01) is "pending": "Waiting for HTTP-01 challenge propagation: wrong status code '404', expected '200'"${tail}`,
      ],
      'the valid Challenge and the one of another Order (uid) are not named; the records themselves are not judged',
    );
    const second = challenge('app-tls-1-123-457', 'www.example.com', 'invalid', 'urn:ietf:params:acme:error:unauthorized: 404');
    t.same(await messages([certificate, request, order, pending, second]), [
      `${head}, and its Challenge apps/app-tls-1-123-456 for "app.example.com" (HTTP-01) is "pending": "Waiting for HTTP-01 challenge propagation: wrong status code '404', expected '200'" (1 more of its Challenges not valid)${tail}`,
    ]);
    t.same(await messages([certificate, order, pending]), [`${head}${tail}`], 'no CertificateRequest: the chain is broken, no Challenge is named');
    t.same(await messages([certificate, request, order, valid]), [`${head}${tail}`], 'only valid Challenges');
  });

  await t.test('reports a break glass in place as its own rule while the annotation stays, and the problem it hides not at all', async (t) => {
    const ns = namespace('apps');
    const mine = (name: string, annotations: Record<string, string> = {}): KubeObject => ({
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name, namespace: 'apps', annotations },
      spec: { secretName: 'shared-tls', dnsNames: ['app.example.com'], issuerRef: { name: 'ca', kind: 'ClusterIssuer' } },
    });
    const findings = await audit([ns, mine('a-tls'), mine('b-tls', { 'certguard.io/skip-issuable-check': 'moving to b-tls, INC-7' })], {
      policies: { 'certificate-dns': { mode: 'off' } },
    });
    const ofB = findings.filter((finding) => finding.object?.name === 'b-tls');
    t.same(ofB, [
      {
        policy: 'certificate-issuable',
        rule: 'break-glass',
        result: 'warn',
        object: { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', namespace: 'apps', name: 'b-tls' },
        message: 'Certificate apps/b-tls: issuability check skipped (certguard.io/skip-issuable-check: "moving to b-tls, INC-7").',
      },
    ]);
    t.same(
      findings.filter((finding) => finding.object?.name === 'a-tls').map((finding) => [finding.rule, finding.result]),
      [['admission', 'fail']],
      'the other Certificate on the Secret still fails',
    );
  });

  await t.test("reports a ListenerSet its Gateway did not attach and a solver route a parent did not accept, in the controller's words", async (t) => {
    const parent: KubeObject = {
      ...gateway([], { namespace: 'infra', name: 'shared' }),
      spec: { gatewayClassName: 'traefik', listeners: [], allowedListeners: { namespaces: { from: 'All' } } },
    };
    const listenerSet: KubeObject = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'ListenerSet',
      metadata: { namespace: 'team-a', name: 'web' },
      spec: { parentRef: { name: 'shared', namespace: 'infra' }, listeners: [{ name: 'web', port: 80, protocol: 'HTTP' }] },
      status: {
        conditions: [
          { type: 'Accepted', status: 'False', reason: 'NotAllowed', message: 'ListenerSet is not allowed by the parent Gateway;\nsee allowedListeners' },
          { type: 'Programmed', status: 'False', reason: 'Pending' },
        ],
      },
    };
    const route = (accepted: string): KubeObject => ({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: {
        namespace: 'team-a',
        name: 'cm-acme-http-solver-x1',
        labels: { 'acme.cert-manager.io/http01-solver': 'true' },
        ownerReferences: [{ apiVersion: 'acme.cert-manager.io/v1', kind: 'Challenge', name: 'web-tls-1-2-3' }],
      },
      spec: { parentRefs: [{ name: 'shared', namespace: 'infra', sectionName: 'web' }], hostnames: ['web.example.com'] },
      status: {
        parents: [
          {
            controllerName: 'traefik.io/gateway-controller',
            parentRef: { name: 'shared', namespace: 'infra', sectionName: 'web' },
            conditions: [{ type: 'Accepted', status: accepted, reason: accepted === 'True' ? 'Accepted' : 'NotAllowedByListeners' }],
          },
        ],
      },
    });
    const findings = await audit([
      parent,
      listenerSet,
      route('False'),
      { ...route('True'), metadata: { ...route('True').metadata, name: 'cm-acme-http-solver-ok' } },
    ]);
    t.same(
      findings.filter((finding) => finding.rule !== 'admission'),
      [
        {
          policy: 'certificate-dns',
          rule: 'solver-route-not-accepted',
          result: 'fail',
          object: { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace: 'team-a', name: 'cm-acme-http-solver-x1' },
          message:
            'HTTPRoute team-a/cm-acme-http-solver-x1 (solver of Challenge team-a/web-tls-1-2-3 for "web.example.com"): parentRef Gateway infra/shared sectionName "web" did not accept it: traefik.io/gateway-controller says Accepted=False reason "NotAllowedByListeners", so the challenge never reaches the solver and cert-manager retries. certificate-dns names the listener rule that refuses it when the Certificate is applied (certguard check -f <certificate>)',
        },
        {
          policy: 'gateway-listener-tls',
          rule: 'listenerset-not-accepted',
          result: 'fail',
          object: { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'ListenerSet', namespace: 'team-a', name: 'web' },
          message:
            'ListenerSet team-a/web is not attached to Gateway infra/shared: its controller says Accepted=False reason "NotAllowed": "ListenerSet is not allowed by the parent Gateway, see allowedListeners", so none of its listeners is served. Look with: kubectl get gateway shared -n infra -o yaml (spec.allowedListeners)',
        },
      ],
    );
    const off = await audit([listenerSet, route('False')], { policies: { 'gateway-listener-tls': { mode: 'off' }, 'certificate-dns': { mode: 'off' } } });
    t.same(
      off.filter((finding) => finding.rule !== 'admission'),
      [],
      'not reported when their policy is off',
    );
  });

  await t.test('judges nothing of a policy that is off', async (t) => {
    t.same(await audit([site('gone-tls')], { policies: { 'gateway-listener-tls': { mode: 'off' } } }), []);
  });
});
