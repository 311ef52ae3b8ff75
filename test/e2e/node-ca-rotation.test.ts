// The bootstrap CronJob's CA rotation on the real node, as a cluster reaches it, in placeholder
// mode (the chart's one mutating configuration next to its validating one): the release was
// installed long ago and its CA crosses `bootstrap.caRenewBeforeDays` (chart defaults, 365 days)
// between two CronJob runs. The test stands in for the years by planting, before `helm install`,
// a CA Secret whose notAfter is 365 days and 75 s away: the install's hooks keep it, and once
// those seconds are over the next CronJob run is due to rotate it. Two runs are triggered
// (`kubectl create job --from=cronjob/…`): the first makes the new CA and puts old + new into
// every webhook's caBundle, mutating and validating, keeping the serving certificate; the second re-signs the serving
// certificate with the new CA, which the pods load from their Secret volume without a restart
// (how soon depends on the kubelet's syncFrequency: 10 s on the test node, 1 min by default).
// All the while a client creates Gateways 4 times a second through the mutating webhook: a quarter
// get a placeholder Secret, half are denied by certguard on purpose; every answer must be certguard's
// (the mutating webhook fails open, so a call that fails shows as an admission without its verdict).
import { X509Certificate } from 'node:crypto';
import t from 'tap';
import { issueSelfSigned } from '../../src/certs/x509.ts';
import { startAdmissionClient } from './harness/admission-client.ts';
import { RELEASE, certguardPods, installCertguard, waitForMode, type Pod } from './harness/chart.ts';
import { startNodeCluster, type NodeCluster } from './harness/node-cluster.ts';
import { namespace, tlsSecret, yamlOf } from './harness/objects.ts';
import { base64, issueCa, issueServing } from './harness/pki.ts';
import { run, waitFor } from './harness/processes.ts';
import { CERTGUARD_NAMESPACE } from './harness/webhooks.ts';

const APPS = 'apps';
const APP_SECRET = 'app-tls';
const CA_SECRET = `${RELEASE}-ca`;
const TLS_SECRET = `${RELEASE}-tls`;
const CRONJOB = `${RELEASE}-renew`;
const DAY_MS = 24 * 60 * 60 * 1000;
// The chart's default bootstrap.caRenewBeforeDays.
const CA_RENEW_BEFORE_DAYS = 365;
// Long enough for `helm install --wait` (20–26 s measured; its hooks must still keep the CA, which
// is asserted), short enough to wait out.
const DUE_AFTER_MS = 75_000;
// A cert-manager issuer for the load client's shim Gateways: no controller runs, nothing is issued,
// so each of their Secrets stays certguard's placeholder.
const SHIM_ISSUER = 'e2e-selfsigned';
const PLACEHOLDER_MODE = { policies: { 'gateway-listener-tls': { mode: 'placeholder' } } };
const SERVE_PORT = 8443;

const fingerprint = (pem: string): string => new X509Certificate(pem).fingerprint256;
const PEM = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const pemsOf = (text: string): string[] => (text.match(PEM) ?? []).map((pem) => `${pem}\n`);
const short = (fp: string | undefined): string => (fp ?? '-').slice(0, 11);
const signedBy = (certificatePem: string, caPem: string): boolean => {
  const certificate = new X509Certificate(certificatePem);
  const ca = new X509Certificate(caPem);
  return certificate.checkIssued(ca) && certificate.verify(ca.publicKey);
};

const secretData = async (cluster: NodeCluster, name: string): Promise<Record<string, string>> => {
  const got = await cluster.kubectl(['get', 'secret', name, '-n', CERTGUARD_NAMESPACE, '-o', 'json']);
  if (got.code !== 0) throw new Error(`reading secret ${name}: ${got.stderr}`);
  const data = (JSON.parse(got.stdout) as { data: Record<string, string> }).data;
  return Object.fromEntries(Object.entries(data).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
};

/** Every webhook of the release's two configurations: its name and the CA fingerprints of its caBundle, in order. */
const caBundles = async (cluster: NodeCluster): Promise<Array<{ webhook: string; fingerprints: string[] }>> => {
  const got = await cluster.kubectl([
    'get',
    'validatingwebhookconfigurations,mutatingwebhookconfigurations',
    '-l',
    `app.kubernetes.io/instance=${RELEASE}`,
    '-o',
    'json',
  ]);
  if (got.code !== 0) throw new Error(`reading webhook configurations: ${got.stderr}`);
  const items = (JSON.parse(got.stdout) as { items: Array<{ kind: string; webhooks?: Array<{ name: string; clientConfig: { caBundle?: string } }> }> }).items;
  return items.flatMap((item) =>
    (item.webhooks ?? []).map((webhook) => ({
      webhook: `${item.kind}/${webhook.name}`,
      fingerprints: pemsOf(Buffer.from(webhook.clientConfig.caBundle ?? '', 'base64').toString('utf8')).map(fingerprint),
    })),
  );
};

/** The certificate a pod presents on its serving port, read by a TLS handshake from inside the node's network namespace. */
const servedBy = async (cluster: NodeCluster, pod: Pod): Promise<string | undefined> => {
  const got = await run(
    'nsenter',
    [
      `--net=${cluster.netnsPath}`,
      'openssl',
      's_client',
      '-connect',
      `${pod.status.podIP}:${SERVE_PORT}`,
      '-servername',
      `${RELEASE}.${CERTGUARD_NAMESPACE}.svc`,
    ],
    { input: '', timeoutMs: 15_000 },
  );
  return pemsOf(got.stdout)[0];
};

const runRenewal = async (cluster: NodeCluster, name: string): Promise<string> => {
  const created = await cluster.kubectl(['create', 'job', name, `--from=cronjob/${CRONJOB}`, '-n', CERTGUARD_NAMESPACE]);
  if (created.code !== 0) throw new Error(`kubectl create job: ${created.stderr}`);
  await waitFor(
    `job ${name} to complete`,
    async () => {
      const got = await cluster.kubectl(['get', 'job', name, '-n', CERTGUARD_NAMESPACE, '-o', 'jsonpath={.status.succeeded}/{.status.failed}']);
      const [succeeded, failed] = got.stdout.split('/');
      if (Number(failed) > 0) throw new Error(`job ${name} failed: ${(await cluster.kubectl(['logs', `job/${name}`, '-n', CERTGUARD_NAMESPACE])).stdout}`);
      return Number(succeeded) > 0 ? true : undefined;
    },
    { timeoutMs: 180_000, intervalMs: 1_000 },
  );
  return (await cluster.kubectl(['logs', `job/${name}`, '-n', CERTGUARD_NAMESPACE])).stdout.trim();
};

/** A CA as an install of long ago left it: its notAfter `dueAfterMs` beyond the renew-before threshold. */
const plantAgedCa = async (cluster: NodeCluster, dueAfterMs: number) => {
  const now = Date.now();
  const ca = await issueSelfSigned({
    commonName: `${RELEASE} CA (planted, aged)`,
    organization: 'certguard',
    isCA: true,
    notBefore: new Date(now - 4 * 365 * DAY_MS),
    notAfter: new Date(now + CA_RENEW_BEFORE_DAYS * DAY_MS + dueAfterMs),
  });
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: {
      name: CA_SECRET,
      namespace: CERTGUARD_NAMESPACE,
      // The labels `certguard bootstrap` writes (the chart README's clean-up selects on managed-by).
      labels: {
        'app.kubernetes.io/managed-by': 'certguard-bootstrap',
        'app.kubernetes.io/name': 'certguard',
        'app.kubernetes.io/instance': RELEASE,
        'app.kubernetes.io/component': 'webhook-ca',
      },
    },
    data: { 'tls.crt': base64(ca.certificatePem), 'tls.key': base64(ca.privateKeyPem), 'ca.crt': base64(ca.certificatePem) },
  };
  const applied = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(namespace(CERTGUARD_NAMESPACE), secret) });
  if (applied.code !== 0) throw new Error(`planting the CA: ${applied.stderr}`);
  return { ca, dueAt: now + dueAfterMs };
};

/** The placeholder Secrets certguard created in a namespace (its labels, placeholder-labels.ts). */
const placeholderSecrets = async (cluster: NodeCluster, ns: string): Promise<string[]> => {
  const got = await cluster.kubectl(['get', 'secret', '-n', ns, '-l', 'certguard.io/placeholder=true,app.kubernetes.io/managed-by=certguard', '-o', 'name']);
  if (got.code !== 0) throw new Error(`listing placeholders: ${got.stderr}`);
  return got.stdout.split('\n').filter(Boolean);
};

const kindsOf = (entries: Array<{ webhook: string }>): string[] =>
  [...new Set(entries.map((entry) => entry.webhook.slice(0, entry.webhook.indexOf('/'))))].sort();
const BOTH_KINDS = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'];

const ready = (pod: Pod) => pod.status.phase === 'Running' && (pod.status.containerStatuses ?? []).every((status) => status.ready);

t.test('the renewal CronJob rotates the CA in placeholder mode without a failed admission', async (t) => {
  const cluster = await startNodeCluster();
  t.teardown(() => cluster.stop());
  const appCa = await issueCa('apps-ca');
  const issuer = { apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', metadata: { name: SHIM_ISSUER }, spec: { selfSigned: {} } };
  const setup = await cluster.kubectl(['apply', '-f', '-'], {
    input: yamlOf(namespace(APPS), tlsSecret(APPS, APP_SECRET, await issueServing(appCa, 'app')), issuer),
  });
  t.equal(setup.code, 0, setup.stderr);

  const { ca: oldCa, dueAt } = await plantAgedCa(cluster, DUE_AFTER_MS);
  const oldFp = fingerprint(oldCa.certificatePem);
  const installStart = Date.now();
  await installCertguard(cluster, { config: PLACEHOLDER_MODE });
  await waitForMode(cluster, 'placeholder');
  const pods = await waitFor(
    'two ready replicas',
    async () => {
      const found = await certguardPods(cluster);
      return found.length === 2 && found.every(ready) ? found : undefined;
    },
    { timeoutMs: 180_000, intervalMs: 500 },
  );
  t.comment(`helm install --wait and both replicas ready: ${((Date.now() - installStart) / 1000).toFixed(0)} s`);
  t.ok(Date.now() < dueAt, 'the install finished before the planted CA became due (else its hooks rotated it)');

  const installed = await secretData(cluster, CA_SECRET);
  t.equal(fingerprint(installed['tls.crt'] ?? ''), oldFp, "the install's bootstrap hooks kept the planted CA");
  const servingBefore = (await secretData(cluster, TLS_SECRET))['tls.crt'] ?? '';
  t.ok(signedBy(servingBefore, oldCa.certificatePem), 'the serving certificate the install issued is signed by the planted CA');
  const installedBundles = await caBundles(cluster);
  t.same(kindsOf(installedBundles), BOTH_KINDS, 'placeholder mode: the release has a mutating and a validating configuration');
  for (const entry of installedBundles) t.same(entry.fingerprints, [oldFp], `${entry.webhook} trusts the planted CA alone`);

  const client = startAdmissionClient(cluster, { namespace: APPS, secret: APP_SECRET, placeholderIssuer: SHIM_ISSUER });
  const waitMs = dueAt - Date.now() + 5_000;
  t.comment(`waiting ${(waitMs / 1000).toFixed(0)} s for the planted CA to cross caRenewBeforeDays (${CA_RENEW_BEFORE_DAYS}), the client applying meanwhile`);
  await new Promise((resolve) => setTimeout(resolve, Math.max(waitMs, 3_000)));

  // Run 1: a new CA, trusted next to the old one; the serving certificate waits.
  const log1 = await runRenewal(cluster, 'renew-e2e-1');
  t.comment(`run 1: ${log1.replaceAll('\n', ' | ')}`);
  const rotated = await secretData(cluster, CA_SECRET);
  const newCaPem = rotated['tls.crt'] ?? '';
  const newFp = fingerprint(newCaPem);
  t.not(newFp, oldFp, 'run 1 replaced the CA');
  t.same(pemsOf(rotated['ca.crt'] ?? '').map(fingerprint), [newFp, oldFp], 'the CA Secret ca.crt holds the new CA, then the old');
  const overlap = await caBundles(cluster);
  t.same(kindsOf(overlap), BOTH_KINDS, 'both configurations are checked');
  for (const entry of overlap) t.same(entry.fingerprints, [newFp, oldFp], `${entry.webhook}: caBundle holds new and old CA`);
  const servingOverlap = (await secretData(cluster, TLS_SECRET))['tls.crt'] ?? '';
  t.equal(fingerprint(servingOverlap), fingerprint(servingBefore), 'run 1 kept the serving certificate (signed by the old CA)');
  for (const pod of pods) {
    const served = await servedBy(cluster, pod);
    t.ok(served && signedBy(served, oldCa.certificatePem), `${pod.metadata.name} still serves the certificate of the old CA`);
  }

  // Run 2: every webhook trusts the new CA, so the serving certificate is re-signed by it.
  const log2 = await runRenewal(cluster, 'renew-e2e-2');
  const run2Done = Date.now();
  t.comment(`run 2: ${log2.replaceAll('\n', ' | ')}`);
  const servingAfter = (await secretData(cluster, TLS_SECRET))['tls.crt'] ?? '';
  t.ok(signedBy(servingAfter, newCaPem), 'run 2 re-signed the serving certificate with the new CA');
  const after = await caBundles(cluster);
  t.same(kindsOf(after), BOTH_KINDS, 'both configurations are checked');
  for (const entry of after) t.same(entry.fingerprints, [newFp, oldFp], `${entry.webhook}: the old CA stays trusted until it expires`);

  // The pods load it from their Secret volume (kubelet refresh + cert watcher), no restart. Both
  // are polled at once, so each delay is that pod's own.
  const reloads = await Promise.all(
    pods.map((pod) =>
      waitFor(
        `${pod.metadata.name} to serve the new certificate`,
        async () => {
          const pem = await servedBy(cluster, pod);
          return pem && fingerprint(pem) === fingerprint(servingAfter) ? { pod, pem, afterMs: Date.now() - run2Done } : undefined;
        },
        { timeoutMs: 240_000, intervalMs: 1_000 },
      ),
    ),
  );
  for (const { pod, pem, afterMs } of reloads) {
    t.ok(signedBy(pem, newCaPem), `${pod.metadata.name} serves the certificate signed by the new CA`);
    t.comment(`${pod.metadata.name} served it ${(afterMs / 1000).toFixed(1)} s after run 2 was seen complete`);
    const log = await cluster.kubectl(['logs', '-n', CERTGUARD_NAMESPACE, pod.metadata.name]);
    const reloaded = log.stdout.split('\n').filter((line) => line.includes('serving certificate reloaded'));
    t.comment(`${pod.metadata.name}: ${reloaded.length} reload(s) logged: ${reloaded.join(' ')}`);
  }
  const identities = (list: Pod[]) => list.map((pod) => `${pod.metadata.uid} restarts ${pod.status.containerStatuses?.[0]?.restartCount}`).sort();
  t.same(identities(await certguardPods(cluster)), identities(pods), 'same pods, no restart: the certificate was hot-reloaded');

  await new Promise((resolve) => setTimeout(resolve, 5_000));
  const counts = await client.stop();
  t.comment(
    `admitted ${counts.admitted}, admitted with a placeholder ${counts.placeholders}, denied by certguard ${counts.denied}, failed because of the webhook ${counts.failed}`,
  );
  t.ok(counts.admitted > 10 && counts.placeholders > 10 && counts.denied > 10, 'the client kept applying throughout');
  for (const failure of counts.failures) t.comment(`failed: ${failure}`);
  t.same(counts.failures, [], 'no apply failed because of the webhook');
  t.equal((await placeholderSecrets(cluster, APPS)).length, counts.placeholders, 'each placeholder warning stands for a Secret certguard created');
  t.comment(`old CA ${short(oldFp)}, new CA ${short(newFp)}`);
});
