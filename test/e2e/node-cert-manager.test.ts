// certguard installed by its chart with certManager.enabled on the real node: the serving
// certificate comes from the real cert-manager (the chart's self-signed Issuer → CA Certificate →
// CA Issuer → serving Certificate), and the real cainjector fills every webhook's caBundle from the
// serving Secret's ca.crt. cert-manager's controller and cainjector run out of cluster with the
// cluster's admin kubeconfig, as every scenario runs cert-manager (docs/e2e.md).
// Then renewals while a client creates Gateways 4 times a second (half denied by certguard on
// purpose): a re-issue under the same CA, then under a new CA (its Secret deleted, so cert-manager
// makes a new one); the pods serve each new certificate without a restart, and every answer must
// be certguard's. Last, helm uninstall and install again.
import { X509Certificate } from 'node:crypto';
import t from 'tap';
import { startAdmissionClient } from './harness/admission-client.ts';
import { startCainjector, startCertManager } from './harness/cert-manager.ts';
import { RELEASE, certguardPods, installCertguard, waitForMode, type Pod } from './harness/chart.ts';
import { startNodeCluster, type NodeCluster } from './harness/node-cluster.ts';
import { currentCondition, namespace, tlsSecret, yamlOf, type WithConditions } from './harness/objects.ts';
import { issueCa, issueServing } from './harness/pki.ts';
import { run, waitFor } from './harness/processes.ts';
import { CERTGUARD_NAMESPACE } from './harness/webhooks.ts';
import { clusterState, DENIAL, grownGateway, workingGateway } from './fixtures/seed-000.ts';

const APPS = 'apps';
const APP_SECRET = 'app-tls';
const TLS = `${RELEASE}-tls`;
const CA = `${RELEASE}-ca`;
const SERVE_PORT = 8443;
// The field manager cainjector applies caBundle with: its user agent's prefix (pkg/util/useragent.go).
const CAINJECTOR_MANAGER = 'cert-manager-cainjector';

const values = (extraDnsNames: string[] = []) => ({
  certManager: { enabled: true },
  bootstrap: { enabled: false, extraDnsNames },
});

const PEM = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const pemsOf = (text: string): string[] => (text.match(PEM) ?? []).map((pem) => `${pem}\n`);
const fingerprint = (pem: string): string => new X509Certificate(pem).fingerprint256;
const serial = (pem: string): string => new X509Certificate(pem).serialNumber;
const signedBy = (certificatePem: string, caPem: string): boolean => {
  const certificate = new X509Certificate(certificatePem);
  const ca = new X509Certificate(caPem);
  return certificate.checkIssued(ca) && certificate.verify(ca.publicKey);
};
const ready = (pod: Pod) => pod.status.phase === 'Running' && (pod.status.containerStatuses ?? []).every((status) => status.ready);
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

const secretData = async (cluster: NodeCluster, name: string): Promise<Record<string, string> | undefined> => {
  const got = await cluster.kubectl(['get', 'secret', name, '-n', CERTGUARD_NAMESPACE, '-o', 'json', '--ignore-not-found']);
  if (got.code !== 0) throw new Error(`reading secret ${name}: ${got.stderr}`);
  if (got.stdout.trim() === '') return undefined;
  const data = (JSON.parse(got.stdout) as { data?: Record<string, string> }).data ?? {};
  return Object.fromEntries(Object.entries(data).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
};

type Certificate = WithConditions & { status?: { revision?: number } };
const certificate = async (cluster: NodeCluster, name: string): Promise<Certificate> => {
  const got = await cluster.kubectl(['get', 'certificate', name, '-n', CERTGUARD_NAMESPACE, '-o', 'json']);
  if (got.code !== 0) throw new Error(`reading certificate ${name}: ${got.stderr}`);
  return JSON.parse(got.stdout) as Certificate;
};

/** Waits until the Certificate is Ready and its Secret holds a tls.crt other than `previous`; returns the Secret's data. */
const untilIssued = (cluster: NodeCluster, name: string, previous?: string) =>
  waitFor(
    `Certificate ${name} Ready with a new certificate`,
    async () => {
      const data = await secretData(cluster, name);
      const pem = data?.['tls.crt'];
      if (!pem || (previous && fingerprint(pem) === fingerprint(previous))) return undefined;
      return currentCondition(await certificate(cluster, name), 'Ready') === 'True' ? data : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 500 },
  );

type WebhookConfiguration = {
  kind: string;
  metadata: { name: string; annotations?: Record<string, string>; managedFields?: Array<{ manager: string; operation: string; fieldsV1?: object }> };
  webhooks?: Array<{ name: string; clientConfig: { caBundle?: string; service?: { name: string; namespace: string } } }>;
};

const webhookConfigurations = async (cluster: NodeCluster): Promise<WebhookConfiguration[]> => {
  const got = await cluster.kubectl([
    'get',
    'validatingwebhookconfigurations,mutatingwebhookconfigurations',
    '-l',
    `app.kubernetes.io/instance=${RELEASE}`,
    '-o',
    'json',
    '--show-managed-fields',
  ]);
  if (got.code !== 0) throw new Error(`reading webhook configurations: ${got.stderr}`);
  return (JSON.parse(got.stdout) as { items: WebhookConfiguration[] }).items;
};

/** Every webhook of the release: its name and the fingerprints of its caBundle's certificates, in order. */
const caBundles = async (cluster: NodeCluster) =>
  (await webhookConfigurations(cluster)).flatMap((item) =>
    (item.webhooks ?? []).map((webhook) => ({
      webhook: `${item.kind}/${webhook.name}`,
      fingerprints: pemsOf(Buffer.from(webhook.clientConfig.caBundle ?? '', 'base64').toString('utf8')).map(fingerprint),
    })),
  );

const untilBundles = (cluster: NodeCluster, fingerprints: string[], what: string) =>
  waitFor(
    what,
    async () => {
      const bundles = await caBundles(cluster);
      return bundles.length > 0 && bundles.every((entry) => JSON.stringify(entry.fingerprints) === JSON.stringify(fingerprints)) ? bundles : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  );

/** The certificate a pod presents, read by a TLS handshake to its IP from inside the node's network namespace. */
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

/** Polls every pod at once until each serves `pem`; returns each pod's delay after `since`. */
const untilServed = (cluster: NodeCluster, pods: Pod[], pem: string, since: number) =>
  Promise.all(
    pods.map((pod) =>
      waitFor(
        `${pod.metadata.name} to serve serial ${serial(pem)}`,
        async () => {
          const served = await servedBy(cluster, pod);
          return served && serial(served) === serial(pem) ? { pod, afterMs: Date.now() - since } : undefined;
        },
        { timeoutMs: 180_000, intervalMs: 1_000 },
      ),
    ),
  );

const identities = (list: Pod[]) => list.map((pod) => `${pod.metadata.uid} restarts ${pod.status.containerStatuses?.[0]?.restartCount}`).sort();

t.test('certManager.enabled: cert-manager issues, cainjector injects, renewals reload without a failed admission', async (t) => {
  const cluster = await startNodeCluster();
  t.teardown(() => cluster.stop());
  // Both settle before either failure is thrown, so the one that started is stopped too.
  const controllers = await Promise.allSettled([startCertManager(cluster), startCainjector(cluster)]);
  for (const result of controllers) if (result.status === 'fulfilled') t.teardown(result.value.stop);
  for (const result of controllers) if (result.status === 'rejected') throw result.reason;
  const appCa = await issueCa('apps-ca');
  const setup = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(namespace(APPS), tlsSecret(APPS, APP_SECRET, await issueServing(appCa, 'app'))) });
  t.equal(setup.code, 0, setup.stderr);

  const installStart = Date.now();
  await installCertguard(cluster, { values: values() });
  await waitForMode(cluster, 'enforce');
  const pods = await waitFor(
    'two ready replicas',
    async () => {
      const found = await certguardPods(cluster);
      return found.length === 2 && found.every(ready) ? found : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 500 },
  );
  t.comment(`helm install --wait until the API server calls certguard: ${seconds(installStart)}`);

  const caPem = (await secretData(cluster, CA))?.['tls.crt'] ?? '';
  const serving = (await secretData(cluster, TLS)) ?? {};
  const leafPem = serving['tls.crt'] ?? '';
  const caFp = fingerprint(caPem);

  await t.test('cert-manager issued the serving certificate, and it is what the pods serve', async (t) => {
    t.equal(currentCondition(await certificate(cluster, CA), 'Ready'), 'True', `Certificate ${CA} (the chart's CA) is Ready`);
    t.equal(currentCondition(await certificate(cluster, TLS), 'Ready'), 'True', `Certificate ${TLS} is Ready`);
    t.ok(new X509Certificate(caPem).ca, 'the CA Secret holds a CA certificate');
    t.same(pemsOf(serving['ca.crt'] ?? '').map(fingerprint), [caFp], "the serving Secret's ca.crt is the chart's CA");
    t.ok(signedBy(leafPem, caPem), 'the serving certificate is signed by that CA');
    const names = new X509Certificate(leafPem).subjectAltName ?? '';
    t.match(names, `DNS:${RELEASE}.${CERTGUARD_NAMESPACE}.svc`, 'it names the Service as the API server dials it (<service>.<namespace>.svc)');
    for (const pod of pods) {
      const served = await servedBy(cluster, pod);
      t.equal(served && serial(served), serial(leafPem), `${pod.metadata.name} (${pod.status.podIP}) serves the Secret's certificate`);
    }
  });

  await t.test("cainjector filled every webhook's caBundle with the CA that signed it", async (t) => {
    const configurations = await webhookConfigurations(cluster);
    t.ok(configurations.length > 0, 'the release has webhook configurations');
    for (const item of configurations) {
      t.equal(
        item.metadata.annotations?.['cert-manager.io/inject-ca-from'],
        `${CERTGUARD_NAMESPACE}/${TLS}`,
        `${item.kind} asks for the serving Certificate's CA`,
      );
      const manager = item.metadata.managedFields?.find((field) => field.manager === CAINJECTOR_MANAGER);
      t.equal(manager?.operation, 'Apply', `${item.kind}: caBundle applied by ${CAINJECTOR_MANAGER}`);
      for (const webhook of item.webhooks ?? []) t.same(webhook.clientConfig.service?.name, RELEASE, `${webhook.name} calls the Service`);
    }
    for (const entry of await caBundles(cluster)) t.same(entry.fingerprints, [caFp], `${entry.webhook} trusts the chart's CA alone`);
  });

  await t.test("the API server calls certguard through its Service: certguard's denial, verbatim", async (t) => {
    const endpoints = await cluster.kubectl([
      'get',
      'endpointslices',
      '-n',
      CERTGUARD_NAMESPACE,
      '-l',
      `kubernetes.io/service-name=${RELEASE}`,
      '-o',
      'jsonpath={.items[*].endpoints[*].addresses[0]}',
    ]);
    t.same(endpoints.stdout.split(' ').sort(), pods.map((pod) => pod.status.podIP).sort(), "the Service's endpoints are the two pods");
    const base = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(...(await clusterState()), workingGateway()) });
    t.equal(base.code, 0, base.code === 0 ? 'the working Gateway is admitted' : base.stderr);
    const applied = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(grownGateway()) });
    t.equal(applied.code, 1, 'the Gateway with missing Secrets is refused');
    t.ok(applied.stderr.endsWith(DENIAL()), applied.stderr.endsWith(DENIAL()) ? "certguard's message, verbatim" : applied.stderr);
  });

  const client = startAdmissionClient(cluster, { namespace: APPS, secret: APP_SECRET });

  await t.test('a re-issue under the same CA: the pods serve it without a restart', async (t) => {
    const started = Date.now();
    // A changed spec is one of cert-manager's re-issue triggers (CurrentCertificateRequestMismatchesSpec).
    await installCertguard(cluster, { values: values(['renewal-1.certguard.test']) });
    const renewed = await untilIssued(cluster, TLS, leafPem);
    const renewedPem = renewed['tls.crt'] ?? '';
    t.comment(`re-issued ${seconds(started)} after helm upgrade started; revision ${(await certificate(cluster, TLS)).status?.revision}`);
    t.not(serial(renewedPem), serial(leafPem), 'a new certificate');
    t.match(new X509Certificate(renewedPem).subjectAltName ?? '', 'DNS:renewal-1.certguard.test', 'with the added name');
    t.ok(signedBy(renewedPem, caPem), 'signed by the same CA');
    const issuedAt = Date.now();
    for (const { pod, afterMs } of await untilServed(cluster, pods, renewedPem, issuedAt)) {
      t.pass(`${pod.metadata.name} serves it`);
      t.comment(`${pod.metadata.name} served it ${(afterMs / 1000).toFixed(1)} s after the Secret was seen updated`);
    }
    for (const entry of await caBundles(cluster)) t.same(entry.fingerprints, [caFp], `${entry.webhook}: caBundle unchanged`);
    t.same(identities(await certguardPods(cluster)), identities(pods), 'same pods, no restart');
  });

  await t.test('a new CA: cainjector adds it next to the old one, the pods serve the certificate it signed', async (t) => {
    const before = (await secretData(cluster, TLS))?.['tls.crt'] ?? '';
    // cert-manager re-issues a Certificate whose Secret is gone (SecretDoesNotExist): a new CA, new key.
    const deleted = await cluster.kubectl(['delete', 'secret', CA, '-n', CERTGUARD_NAMESPACE]);
    t.equal(deleted.code, 0, deleted.stderr);
    const newCaPem = (await untilIssued(cluster, CA, caPem))['tls.crt'] ?? '';
    const newCaFp = fingerprint(newCaPem);
    t.not(newCaFp, caFp, 'cert-manager made a new CA');
    for (const entry of await caBundles(cluster))
      t.same(entry.fingerprints, [caFp], `${entry.webhook}: still the old CA alone (the serving Secret is unchanged)`);

    const started = Date.now();
    await installCertguard(cluster, { values: values(['renewal-1.certguard.test', 'renewal-2.certguard.test']) });
    const renewed = await untilIssued(cluster, TLS, before);
    const issuedAt = Date.now();
    const renewedPem = renewed['tls.crt'] ?? '';
    t.comment(`re-issued under the new CA ${seconds(started)} after helm upgrade started`);
    t.ok(signedBy(renewedPem, newCaPem), 'the serving certificate is signed by the new CA');
    t.same(pemsOf(renewed['ca.crt'] ?? '').map(fingerprint), [newCaFp], "the serving Secret's ca.crt is the new CA alone");
    // CAInjectorMerging (GA, on by default in v1.21): the new CA is appended, the old kept until it expires.
    const bundles = await untilBundles(cluster, [caFp, newCaFp], 'every caBundle to hold the old and the new CA');
    t.comment(`every caBundle held both CAs ${seconds(issuedAt)} after the Secret was seen updated`);
    for (const entry of bundles) t.same(entry.fingerprints, [caFp, newCaFp], `${entry.webhook}: old CA, then new CA`);
    for (const { pod, afterMs } of await untilServed(cluster, pods, renewedPem, issuedAt)) {
      t.pass(`${pod.metadata.name} serves the certificate of the new CA`);
      t.comment(`${pod.metadata.name} served it ${(afterMs / 1000).toFixed(1)} s after the Secret was seen updated`);
    }
    t.same(identities(await certguardPods(cluster)), identities(pods), 'same pods, no restart');
  });

  await t.test('no admission failed because of the webhook during the renewals', async (t) => {
    const counts = await client.stop();
    t.comment(`admitted ${counts.admitted}, denied by certguard ${counts.denied}, failed because of the webhook ${counts.failed}`);
    t.ok(counts.admitted > 10 && counts.denied > 10, 'the client kept applying throughout');
    for (const failure of counts.failures) t.comment(`failed: ${failure}`);
    t.same(counts.failures, [], 'no apply failed because of the webhook');
  });

  await t.test('helm uninstall leaves nothing that blocks a reinstall', async (t) => {
    const uninstalled = await cluster.helm(['uninstall', RELEASE, '--namespace', CERTGUARD_NAMESPACE, '--wait', '--timeout=3m']);
    t.equal(uninstalled.code, 0, uninstalled.stderr);
    t.same(await webhookConfigurations(cluster), [], 'no webhook configuration of the release is left');
    const left = await cluster.kubectl(['get', 'certificates,issuers,secrets', '-n', CERTGUARD_NAMESPACE, '-o', 'name']);
    t.comment(`left in ${CERTGUARD_NAMESPACE}: ${left.stdout.trim().split('\n').join(', ')}`);
    t.notMatch(left.stdout, /certificate\.cert-manager\.io|issuer\.cert-manager\.io/, "the release's Certificates and Issuers are gone");
    const started = Date.now();
    await installCertguard(cluster, { values: values() });
    await waitForMode(cluster, 'enforce');
    t.comment(`reinstalled, the API server calling certguard again, after ${seconds(started)}`);
    const caAfter = (await secretData(cluster, TLS))?.['ca.crt'] ?? '';
    for (const entry of await untilBundles(cluster, pemsOf(caAfter).map(fingerprint), 'the new webhook configurations to get caBundle')) {
      t.ok(entry.fingerprints.length > 0, `${entry.webhook}: caBundle injected again`);
    }
    const applied = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(grownGateway()) });
    t.ok(
      applied.stderr.endsWith(DENIAL()),
      applied.stderr.endsWith(DENIAL()) ? "the reinstalled release answers with certguard's message, verbatim" : applied.stderr,
    );
  });
});
