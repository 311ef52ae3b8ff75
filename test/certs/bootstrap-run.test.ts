// A bootstrap run against an in-memory cluster: install, the idempotent re-run, CA rotation in
// two runs, and years of scheduled runs during which every webhook always trusts every serving
// certificate a pod may still be presenting. The real API calls are exercised end to end (issue 7).
import t from 'tap';
import { X509Certificate } from 'node:crypto';
import { caBundleFingerprints, splitPem, type BootstrapSettings } from '../../src/certs/bootstrap.ts';
import {
  runBootstrap,
  type BootstrapCluster,
  type BootstrapOptions,
  type CaBundlePatch,
  type SecretMetadata,
  type StoredSecret,
  type WebhookEntry,
  type WebhookKind,
} from '../../src/certs/bootstrap-run.ts';
import { formatReport, parseBootstrapArgs, type BootstrapRequest } from '../../src/cli/bootstrap.ts';

const DAY = 24 * 60 * 60 * 1000;
const T0 = new Date('2030-01-01T00:00:00Z');
const at = (days: number) => new Date(T0.getTime() + days * DAY);

class FakeCluster implements BootstrapCluster {
  secrets = new Map<string, StoredSecret & { metadata: SecretMetadata }>();
  webhooks = new Map<string, WebhookEntry[]>();
  writes: string[] = [];
  private version = 0;

  async getSecret(name: string) {
    const secret = this.secrets.get(name);
    return secret && { resourceVersion: secret.resourceVersion, data: { ...secret.data } };
  }
  async writeSecret(name: string, secret: StoredSecret, metadata: SecretMetadata) {
    const stored = this.secrets.get(name);
    if (stored?.resourceVersion !== secret.resourceVersion) throw new Error(`conflict writing ${name}`);
    this.secrets.set(name, { resourceVersion: String(++this.version), data: { ...secret.data }, metadata });
    this.writes.push(name);
  }
  async getWebhooks(kind: WebhookKind, name: string) {
    return this.webhooks.get(`${kind}/${name}`)?.map((webhook) => ({ ...webhook }));
  }
  async patchCaBundles(kind: WebhookKind, name: string, patches: CaBundlePatch[]) {
    const webhooks = this.webhooks.get(`${kind}/${name}`) ?? [];
    for (const patch of patches) {
      const webhook = webhooks[patch.index];
      if (webhook?.name !== patch.name) throw new Error(`test failed: /webhooks/${patch.index}/name is not ${patch.name}`);
      webhook.caBundle = patch.caBundle;
    }
    this.writes.push(`${kind}/${name}`);
  }
  /** What `helm install` does after the pre-install hook: create the configurations without caBundle. */
  installWebhooks() {
    this.webhooks.set('validating/certguard', [{ name: 'certificate-dns.certguard.io' }, { name: 'acme-solver-cap.certguard.io' }]);
    this.webhooks.set('mutating/certguard', [{ name: 'gateway-listener-tls.certguard.io' }]);
  }
  allCaBundles() {
    return [...this.webhooks.values()].flat().map((webhook) => webhook.caBundle);
  }
  serving() {
    return new X509Certificate(this.secrets.get('certguard-tls')?.data['tls.crt'] ?? '');
  }
}

const SETTINGS: BootstrapSettings = {
  caValidityDays: 1825,
  caRenewBeforeDays: 365,
  validityDays: 365,
  renewBeforeDays: 60,
  dnsNames: ['certguard', 'certguard.certguard', 'certguard.certguard.svc', 'certguard.certguard.svc.cluster.local'],
  ipAddresses: [],
};

const OPTIONS: BootstrapOptions = {
  caSecret: 'certguard-ca',
  tlsSecret: 'certguard-tls',
  webhookConfigurations: [
    { kind: 'validating', name: 'certguard' },
    { kind: 'mutating', name: 'certguard' },
  ],
  caCommonName: 'certguard',
  servingCommonName: 'certguard.certguard.svc',
  labels: { 'app.kubernetes.io/managed-by': 'certguard-bootstrap' },
  settings: SETTINGS,
};

/** Whether a caBundle (base64) has a CA that signed `certificate` and is valid at `now`. */
const trusts = (caBundle: string | undefined, certificate: X509Certificate, now: Date): boolean =>
  splitPem(Buffer.from(caBundle ?? '', 'base64').toString('utf8')).some((pem) => {
    const ca = new X509Certificate(pem);
    return certificate.checkIssued(ca) && certificate.verify(ca.publicKey) && ca.validToDate > now && certificate.validToDate > now;
  });

t.test('install: the pre-install run makes the Secrets, the post-install run publishes the bundle', async (t) => {
  const cluster = new FakeCluster();
  const pre = await runBootstrap(cluster, OPTIONS, T0);
  t.same([pre.ca.action, pre.serving.action], ['issue', 'issue'], 'CA and serving certificate are issued');
  t.same(pre.missing, ['validating/certguard', 'mutating/certguard'], 'the webhook configurations do not exist yet');
  t.same(cluster.writes, ['certguard-ca', 'certguard-tls'], 'the CA is written before the serving certificate');
  const serving = cluster.serving();
  t.equal(serving.subjectAltName, SETTINGS.dnsNames.map((name) => `DNS:${name}`).join(', '), "the serving certificate names the Service's in-cluster names");
  t.equal(serving.validToDate.toISOString(), at(365).toISOString(), 'valid for validity-days');
  const ca = cluster.secrets.get('certguard-ca');
  t.ok(serving.verify(new X509Certificate(ca?.data['tls.crt'] ?? '').publicKey), 'signed by the stored CA');
  t.same(
    ca?.metadata,
    {
      labels: { 'app.kubernetes.io/managed-by': 'certguard-bootstrap', 'app.kubernetes.io/component': 'webhook-ca' },
      annotations: { 'certguard.io/issued-at': T0.toISOString(), 'certguard.io/issued-because': 'missing' },
    },
    'the CA Secret says who made it, when and why',
  );

  cluster.installWebhooks();
  cluster.writes = [];
  const post = await runBootstrap(cluster, OPTIONS, at(0.01));
  t.same([post.ca.action, post.serving.action], ['keep', 'keep'], 'nothing is re-issued');
  t.same(
    post.patched,
    [
      'validating/certguard: certificate-dns.certguard.io',
      'validating/certguard: acme-solver-cap.certguard.io',
      'mutating/certguard: gateway-listener-tls.certguard.io',
    ],
    'every webhook gets the caBundle',
  );
  t.ok(
    cluster.allCaBundles().every((bundle) => trusts(bundle, serving, at(0.01))),
    'every webhook trusts the serving certificate',
  );

  cluster.writes = [];
  const again = await runBootstrap(cluster, OPTIONS, at(1));
  t.same([again.patched, cluster.writes], [[], []], 'a run with nothing to do writes nothing');
});

t.test('CA rotation: trust moves first, the serving certificate follows on the next run', async (t) => {
  const cluster = new FakeCluster();
  cluster.installWebhooks();
  await runBootstrap(cluster, OPTIONS, T0);
  const day = 1825 - 364; // the CA has 364 days left: inside ca-renew-before-days
  await runBootstrap(cluster, OPTIONS, at(day - 60)); // a scheduled run renews the serving certificate
  const before = cluster.serving();
  const rotation = await runBootstrap(cluster, OPTIONS, at(day));
  t.same([rotation.ca.action, rotation.serving.action], ['issue', 'wait'], 'a new CA; the serving certificate waits');
  t.equal(cluster.serving().fingerprint256, before.fingerprint256, 'the serving certificate is unchanged in the rotation run');
  for (const bundle of cluster.allCaBundles()) t.equal(caBundleFingerprints(bundle).size, 2, 'every webhook trusts the old and the new CA');
  const ca = splitPem(cluster.secrets.get('certguard-ca')?.data['ca.crt'] ?? '');
  t.equal(
    new X509Certificate(ca[0] ?? '').fingerprint256,
    new X509Certificate(cluster.secrets.get('certguard-ca')?.data['tls.crt'] ?? '').fingerprint256,
    'the bundle lists the new CA first',
  );

  const next = await runBootstrap(cluster, OPTIONS, at(day + 1));
  t.same([next.ca.action, next.serving.action], ['keep', 'issue'], 'the next run re-signs the serving certificate');
  t.equal(next.serving.action === 'issue' && next.serving.reason, 'ca-rotated', 'because the CA rotated');
  const after = cluster.serving();
  t.ok(
    cluster.allCaBundles().every((bundle) => trusts(bundle, before, at(day + 1)) && trusts(bundle, after, at(day + 1))),
    'old and new serving certificates are both trusted while pods switch',
  );
});

t.test('years of weekly runs: every webhook always trusts what any pod may be serving', async (t) => {
  const cluster = new FakeCluster();
  cluster.installWebhooks();
  await runBootstrap(cluster, OPTIONS, T0);
  let previous = cluster.serving();
  const reasons: string[] = [];
  let broken = 0;
  for (let day = 7; day <= 9 * 365; day += 7) {
    const report = await runBootstrap(cluster, OPTIONS, at(day));
    if (report.ca.action === 'issue') reasons.push(`day ${day}: CA ${report.ca.reason}`);
    if (report.serving.action === 'issue') reasons.push(`day ${day}: serving ${report.serving.reason}`);
    const current = cluster.serving();
    // A pod reloads a mounted Secret a minute or so after it changes: until then it serves `previous`.
    if (!cluster.allCaBundles().every((bundle) => trusts(bundle, previous, at(day)) && trusts(bundle, current, at(day)))) broken++;
    previous = current;
  }
  t.equal(broken, 0, 'no run leaves a served certificate untrusted');
  t.same(
    reasons,
    [
      'day 308: serving expiring',
      'day 616: serving expiring',
      'day 924: serving expiring',
      'day 1232: serving expiring',
      'day 1463: CA expiring',
      'day 1470: serving ca-rotated',
      'day 1778: serving expiring',
      'day 2086: serving expiring',
      'day 2394: serving expiring',
      'day 2702: serving expiring',
      'day 2926: CA expiring',
      'day 2933: serving ca-rotated',
      'day 3241: serving expiring',
    ],
    'renewals happen ahead of expiry, and a CA rotation is followed one run later by the serving certificate',
  );
  t.equal(
    splitPem(cluster.secrets.get('certguard-ca')?.data['ca.crt'] ?? '').length,
    2,
    'the first CA has expired and left the bundle; the current and the previous one remain',
  );
});

t.test('dry run and bad settings', async (t) => {
  const cluster = new FakeCluster();
  const report = await runBootstrap(cluster, { ...OPTIONS, dryRun: true }, T0);
  t.same([report.ca.action, report.serving.action, cluster.writes], ['issue', 'issue', []], 'a dry run decides but writes nothing');
  await t.rejects(
    runBootstrap(cluster, { ...OPTIONS, settings: { ...SETTINGS, renewBeforeDays: 365 } }, T0),
    new Error('--renew-before (365d) must be less than --validity (365d); --renew-before (365d) must be less than --ca-renew-before (365d)'),
    'settings that would renew on every run are refused',
  );
});

t.test('a webhook list reordered since it was read is not patched by index', async (t) => {
  const cluster = new FakeCluster();
  cluster.installWebhooks();
  const original = cluster.getWebhooks.bind(cluster);
  cluster.getWebhooks = async (kind, name) => {
    const webhooks = await original(kind, name);
    cluster.webhooks.get(`${kind}/${name}`)?.reverse();
    return webhooks;
  };
  await t.rejects(
    runBootstrap(cluster, OPTIONS, T0),
    new Error('test failed: /webhooks/0/name is not certificate-dns.certguard.io'),
    'the guarded patch fails and the Job retries',
  );
});

t.test('command line', async (t) => {
  const request = parseBootstrapArgs(
    [
      '--namespace',
      'certguard',
      '--service',
      'certguard',
      '--ca-secret',
      'certguard-ca',
      '--tls-secret',
      'certguard-tls',
      '--validating-webhook-configuration',
      'certguard',
      '--mutating-webhook-configuration',
      'certguard',
      '--label',
      'app.kubernetes.io/instance=certguard',
      '--dns',
      'certguard.example',
    ],
    {},
  ) as BootstrapRequest;
  t.same(request.options.webhookConfigurations, OPTIONS.webhookConfigurations, 'webhook configurations of both kinds');
  t.same(request.options.settings, { ...SETTINGS, dnsNames: [...SETTINGS.dnsNames, 'certguard.example'] }, 'defaults and SANs');
  t.same(request.options.labels, { 'app.kubernetes.io/managed-by': 'certguard-bootstrap', 'app.kubernetes.io/instance': 'certguard' }, 'labels');
  const durations = parseBootstrapArgs(
    [
      '-n',
      'cg',
      '--context',
      'kind-a',
      '--service',
      's',
      '--ca-secret',
      'c',
      '--tls-secret',
      't',
      '--validity',
      '2160h',
      '--renew-before',
      '30d',
      '--ca-validity',
      '3650d',
      '--ca-renew-before-days',
      '400',
    ],
    {},
  ) as BootstrapRequest;
  t.same(
    [
      durations.namespace,
      durations.context,
      durations.options.settings.validityDays,
      durations.options.settings.renewBeforeDays,
      durations.options.settings.caValidityDays,
      durations.options.settings.caRenewBeforeDays,
    ],
    ['cg', 'kind-a', 90, 30, 3650, 400],
    '-n, --context, lifetimes as durations, and the older -days spelling',
  );
  t.throws(() => parseBootstrapArgs(['--service', 'certguard'], {}), new Error('--namespace is required'), 'the namespace is required');
  t.throws(
    () => parseBootstrapArgs(['--namespace', 'n', '--service', 's', '--ca-secret', 'c', '--tls-secret', 't', '--label', 'novalue'], {}),
    new Error('--label "novalue" must be key=value'),
    'labels are key=value',
  );
  t.equal(
    (parseBootstrapArgs(['--service', 's', '--ca-secret', 'c', '--tls-secret', 't'], { POD_NAMESPACE: 'from-env' }) as BootstrapRequest).namespace,
    'from-env',
    'the namespace may come from POD_NAMESPACE (downward API)',
  );
  const cluster = new FakeCluster();
  const report = await runBootstrap(cluster, request.options, T0);
  t.same(
    formatReport(report, request),
    [
      'bootstrap: CA Secret certguard/certguard-ca issued: no CA yet',
      'bootstrap: validating/certguard does not exist (the chart creates it only for the modes that need it); a run after it is created sets its caBundle',
      'bootstrap: mutating/certguard does not exist (the chart creates it only for the modes that need it); a run after it is created sets its caBundle',
      'bootstrap: serving Secret certguard/certguard-tls issued: no serving certificate yet',
    ],
    'the Job log says what happened and why',
  );
});
