// In-use protection, the audit, incident 002 and the secret fence against certguard as a cluster
// admin runs it (issue 32): its image on the real node, installed once by `helm install` (2
// replicas, failurePolicy Fail, audit every 3 s), so the chart's webhook rules, CEL
// matchConditions, ServiceAccount RBAC, audit Lease and ValidatingAdmissionPolicy are what is
// exercised. The secret fence needs placeholder mode: a `helm upgrade` switches to it last.
// Messages are the ones the local-process scenarios assert (in-use-protection, audit,
// seed-002-api-outage, secret-fence), verbatim.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parseManifests } from '../../src/cluster/manifest-view.ts';
import type { KubeObject } from '../../src/kube/object.ts';
import { expectWebFinding } from './harness/audit-reports.ts';
import { ensureReportCrds } from './harness/binaries.ts';
import { certguardPods, installCertguard, waitForMode, type Pod } from './harness/chart.ts';
import { startNodeCluster, type NodeCluster } from './harness/node-cluster.ts';
import { gateway, httpsListener, namespace, tlsSecret, yamlOf } from './harness/objects.ts';
import { issueCa, issueServing } from './harness/pki.ts';
import { run, waitFor } from './harness/processes.ts';
import { CERTGUARD_NAMESPACE } from './harness/webhooks.ts';

type Obj = Record<string, unknown>;

const UPDATE_FIXTURES = join(import.meta.dirname, '../../src/policies/tls-secret-in-use/fixtures/update');
const IN_USE_WEBHOOK = 'tls-secret-in-use.certguard.io';
// 3 s: findings show within the test; the harness's one-day certificates stay out (expiringWithin 0).
// staleAfter 10 s (default 2 min): the API server outage below outlasts it, so readiness drops and must come back.
const CONFIG = { audit: { interval: '3s', expiringWithin: '0' }, cluster: { staleAfter: '10s' } };
const REPORT_CRDS = ['policyreports.wgpolicyk8s.io', 'clusterpolicyreports.wgpolicyk8s.io', 'reports.openreports.io', 'clusterreports.openreports.io'];
const METRICS_PORT = 8080;
const SERVICE_ACCOUNT = `system:serviceaccount:${CERTGUARD_NAMESPACE}:certguard`;

// From in-use-protection.test.ts (the chart's default breakGlass.authorization is rbac).
const denial = (namespace: string, name: string, listener: string): string =>
  `secret "${namespace}/${name}" is the certificate of a TLS listener: ${listener}. ` +
  'Without it that listener has no certificate to serve. Remove or change the listener first, or delete it anyway after ' +
  `"kubectl annotate secret ${name} -n ${namespace} certguard.io/allow-delete='<reason>'" (it counts only for a user allowed verb use on breakglass.certguard.io "tls-secret-in-use" in namespace "${namespace}", and the reason goes to certguard's decision log and the audit log).`;
const APP_DENIAL = denial('traefik', 'app-tls', 'Gateway traefik/web listener "websecure-app" (hostname app.example.com)');
const forbidden = (message: string): string => `Error from server (Forbidden): admission webhook "${IN_USE_WEBHOOK}" denied the request: ${message}\n`;
const replaceForbidden = (message: string): string =>
  `Error from server (Forbidden): error when replacing "STDIN": admission webhook "${IN_USE_WEBHOOK}" denied the request: ${message}\n`;
const KEY_MISMATCH =
  'secret "traefik/app-tls" is the certificate of a TLS listener: Gateway traefik/web listener "websecure-app" (hostname app.example.com). ' +
  'This update would make it unusable for that listener: data.tls.key: "tls.key" does not match the certificate in "tls.crt". ' +
  'Fix: put the private key that belongs to the certificate in "tls.key", or reissue both together, or remove or change the listener first, ' +
  "or update it anyway with the annotation certguard.io/allow-unusable='<reason>' on the updated Secret " +
  `(it counts only for a user allowed verb use on breakglass.certguard.io "tls-secret-in-use" in namespace "traefik", and the reason goes to certguard's decision log and the audit log).`;

// From seed-002-api-outage.test.ts.
const OUTAGE = 'outage';
const missingMessage = (listener: string, secret: string) =>
  `admission webhook "gateway-listener-tls.certguard.io" denied the request: spec.listeners[0] "${listener}" (Gateway ${OUTAGE}/${listener}, hostname "${listener}.example.com"): ` +
  `certificateRefs[0] Secret "${OUTAGE}/${secret}" does not exist and no Certificate or cert-manager annotation will create it: ` +
  'the controller leaves this listener without a certificate, and Traefik and Contour then mark this Gateway not accepted or not programmed. Fix: check the Secret name, or create the Secret\n';

// From secret-fence.test.ts: the names the chart renders for release certguard.
const POLICY = "ValidatingAdmissionPolicy 'certguard-secret-fence' with binding 'certguard-secret-fence' denied request";
const fenceMessage = (operation: string, ns: string, name: string, violations: string[]): string =>
  `${POLICY}: certguard secret fence (docs/security.md): certguard's ServiceAccount may only create placeholder TLS Secrets, ${operation} of Secret "${ns}/${name}" refused: ${violations.join('; ')}`;
const refusedCreate = (ns: string, name: string, violations: string[]): string =>
  `Error from server (Forbidden): error when creating "STDIN": secrets "${name}" is forbidden: ${fenceMessage('CREATE', ns, name, violations)}\n`;
const RULE = {
  type: (type: string) => `rule tls-type: type is "${type}", must be kubernetes.io/tls`,
  keys: (keys: string[]) => `rule tls-keys: data keys are [${keys.join(', ')}], must be exactly tls.crt and tls.key`,
  labels: 'rule placeholder-labels: labels app.kubernetes.io/managed-by=certguard and certguard.io/placeholder=true are required',
  issuer:
    'rule sentinel-issuer: annotations cert-manager.io/issuer-name=certguard.io/placeholder, cert-manager.io/issuer-kind=CertguardPlaceholder and cert-manager.io/issuer-group=placeholder.certguard.io are required',
};

type EventList = { items: Array<{ type: string; reason: string; message: string; involvedObject: { kind: string; name: string } }> };

/** The stored Secret and its update, from a tls-secret-in-use update fixture. */
const updateFixture = (name: string): { stored: KubeObject; updated: KubeObject } => {
  const [stored, updated] = parseManifests(readFileSync(join(UPDATE_FIXTURES, name), 'utf8'), name);
  if (!stored || !updated) throw new Error(`${name}: needs the stored object and the update`);
  return { stored, updated };
};

const apply = async (cluster: NodeCluster, ...objects: Obj[]) => {
  const applied = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(...objects) });
  if (applied.code !== 0) throw new Error(`apply failed: ${applied.stderr}`);
};

const replace = async (cluster: NodeCluster, object: KubeObject) => {
  const result = await cluster.kubectl(['replace', '-f', '-'], { input: yamlOf(object as Obj) });
  // The API server's own warning on a key that does not match ("Warning: tls: …"): it stores the Secret all the same.
  return { ...result, stderr: result.stderr.replace(/^Warning: tls: .*\n/gm, '') };
};

/** Both replicas judge: the Service picks one per call, so several denials in a row mean both indexes have the Gateway. */
const waitForDeleteDenied = async (cluster: NodeCluster, ns: string, name: string) => {
  let inARow = 0;
  await waitFor(
    `dry-run deletes of secret ${ns}/${name} to be denied`,
    async () => {
      const result = await cluster.kubectl(['delete', 'secret', name, '-n', ns, '--dry-run=server']);
      inARow = result.stderr.includes(IN_USE_WEBHOOK) ? inARow + 1 : 0;
      return inARow >= 6 ? true : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  );
};

// The node's network namespace, where pod IPs route; set once the cluster runs.
let nodeNetns = '';

/** An HTTP GET of a pod's metrics port from the node's network namespace (where pod IPs route). */
const podGet = async (pod: Pod, path: string): Promise<{ status: string; body: string }> => {
  const got = await run(
    'nsenter',
    [`--net=${nodeNetns}`, 'curl', '-s', '-m', '3', '-w', '\n%{http_code}', `http://${pod.status.podIP}:${METRICS_PORT}${path}`],
    {
      timeoutMs: 10_000,
    },
  );
  const lines = got.stdout.split('\n');
  return { status: lines.pop() ?? '', body: lines.join('\n') };
};
const viewSecrets = async (pod: Pod): Promise<number | undefined> => {
  const match = /^certguard_cluster_view_objects\{[^}]*resource="secrets"[^}]*\} (\d+)/m.exec((await podGet(pod, '/metrics')).body);
  return match ? Number(match[1]) : undefined;
};

const ready = (pod: Pod) => pod.status.phase === 'Running' && (pod.status.containerStatuses ?? []).every((status) => status.ready);
const restarts = (pods: Pod[]) => pods.flatMap((pod) => (pod.status.containerStatuses ?? []).map((status) => status.restartCount));

t.test('in-use protection, the audit, incident 002 and the secret fence through the installed chart', async (t) => {
  const started = Date.now();
  const cluster = await startNodeCluster();
  t.teardown(() => cluster.stop());
  nodeNetns = cluster.netnsPath;
  // The upstream report CRDs before certguard starts, so the audit finds them at once.
  const crds = await cluster.kubectl(['apply', '--server-side', '-f', await ensureReportCrds()]);
  t.equal(crds.code, 0, crds.stderr);
  const established = await cluster.kubectl(['wait', '--for=condition=Established', ...REPORT_CRDS.map((name) => `crd/${name}`), '--timeout=30s']);
  t.equal(established.code, 0, established.stderr);
  // Established comes a moment before a new CRD's storage answers (HTTP 429 "storage is (re)initializing").
  await waitFor('the report CRDs to serve lists', async () => ((await cluster.kubectl(['get', REPORT_CRDS.join(','), '-A'])).code === 0 ? true : undefined), {
    timeoutMs: 30_000,
    intervalMs: 250,
  });
  await installCertguard(cluster, { config: CONFIG });
  await waitForMode(cluster, 'enforce');
  t.comment(`node cluster up and chart installed: ${((Date.now() - started) / 1000).toFixed(0)} s`);

  await t.test('in-use protection: the chart sends Secret deletes and updates to certguard, which refuses those that break a listener', async (t) => {
    const mismatch = updateFixture('bad/key-mismatch.yaml');
    const rotation = updateFixture('good/rotation.yaml');
    await apply(cluster, namespace('traefik'));
    await apply(cluster, mismatch.stored as Obj, gateway('traefik', 'web', [httpsListener('websecure-app', 'app.example.com', 'app-tls')]));
    await waitForDeleteDenied(cluster, 'traefik', 'app-tls');

    const deleted = await cluster.kubectl(['delete', 'secret', 'app-tls', '-n', 'traefik']);
    t.same([deleted.code, deleted.stderr], [1, forbidden(APP_DENIAL)], 'kubectl delete: refused, the message verbatim');

    const refused = await replace(cluster, mismatch.updated);
    t.same([refused.code, refused.stderr], [1, replaceForbidden(KEY_MISMATCH)], 'an update to a key of another certificate: refused, verbatim');
    const key = await cluster.kubectl(['get', 'secret', 'app-tls', '-n', 'traefik', '-o', 'jsonpath={.data.tls\\.key}']);
    t.equal(
      Buffer.from(key.stdout, 'base64').toString(),
      (mismatch.stored as { stringData: Record<string, string> }).stringData['tls.key'],
      'the stored key is unchanged',
    );

    const rotated = await replace(cluster, rotation.updated);
    t.same([rotated.code, rotated.stdout, rotated.stderr], [0, 'secret/app-tls replaced\n', ''], 'a new certificate and its key: admitted');

    await apply(cluster, { ...(rotation.updated as Obj), metadata: { namespace: 'traefik', name: 'unused-tls' } });
    const unused = await cluster.kubectl(['delete', 'secret', 'unused-tls', '-n', 'traefik']);
    t.same([unused.code, unused.stdout, unused.stderr], [0, 'secret "unused-tls" deleted\n', ''], 'a Secret no listener uses is deleted freely');
  });

  await t.test('the audit: the replica holding the Lease reports a Secret deleted after admission, as a PolicyReport, a Report and an Event', async (t) => {
    const ca = await issueCa('apps-ca');
    const secret = tlsSecret('apps', 'web-tls', await issueServing(ca, 'app.example.com', ['app.example.com']));
    await apply(cluster, namespace('apps'));
    await apply(cluster, secret, gateway('apps', 'web', [httpsListener('websecure', 'app.example.com', 'web-tls')]));
    await waitForDeleteDenied(cluster, 'apps', 'web-tls');
    // tls-secret-in-use refuses this delete; its break glass (the admin holds every verb) lets it through.
    const annotated = await cluster.kubectl(['annotate', 'secret', 'web-tls', '-n', 'apps', 'certguard.io/allow-delete=audit end-to-end test']);
    t.equal(annotated.code, 0, annotated.stderr);
    const deleted = await cluster.kubectl(['delete', 'secret', 'web-tls', '-n', 'apps']);
    t.equal(deleted.code, 0, deleted.stderr);

    const pods = await certguardPods(cluster);
    const holder = await waitFor(
      'the audit Lease to have a holder',
      async () => {
        const lease = await cluster.kubectl(['get', 'lease', 'certguard-audit', '-n', CERTGUARD_NAMESPACE, '-o', 'jsonpath={.spec.holderIdentity}']);
        return lease.code === 0 && lease.stdout ? lease.stdout : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    t.ok(
      pods.some((pod) => pod.metadata.name === holder),
      `the Lease is held by one of the two pods (${holder})`,
    );

    await expectWebFinding(t, cluster, 60_000);

    const warned = await waitFor(
      'a Warning Event on the Gateway',
      async () => {
        const got = await cluster.kubectl(['get', 'events', '-n', 'apps', '--field-selector', 'reason=CertguardAudit,involvedObject.name=web', '-o', 'json']);
        const found = got.code === 0 ? (JSON.parse(got.stdout) as EventList).items : [];
        return found.some((event) => event.type === 'Warning') ? found : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    t.equal(warned.length, 1, 'one Event, however many audits ran');
    t.match(warned[0]?.message, /^gateway-listener-tls\/admission: spec\.listeners\[0\] "websecure" \(Gateway apps\/web/);
    t.equal(warned[0]?.involvedObject.kind, 'Gateway');

    const logs = await Promise.all(pods.map(async (pod) => (await cluster.kubectl(['logs', pod.metadata.name, '-n', CERTGUARD_NAMESPACE])).stdout));
    const auditors = pods.filter((_, index) => logs[index]?.includes('"msg":"audit done"')).map((pod) => pod.metadata.name);
    t.same(auditors, [holder], 'exactly one pod audits: the one holding the Lease');
    for (const log of logs)
      t.notMatch(
        log,
        /audit failed|audit Event not|Lease not (renewed|released)|reports not written|not written, its CRDs/,
        "no audit step failed (the chart's RBAC is enough)",
      );
  });

  await t.test('incident 002: the API server stops and starts under the running pods; they stay, recover and decide right', async (t) => {
    await apply(cluster, namespace(OUTAGE));
    const before = await certguardPods(cluster);
    t.same(restarts(before), [0, 0], 'two pods, never restarted');
    const outageStart = Date.now();
    const since = () => `${((Date.now() - outageStart) / 1000).toFixed(0)} s`;
    await cluster.stopApiServer();
    // 35 s: past staleAfter (readiness must drop) and past the liveness probe's three failures
    // (3 × 10 s would restart a pod whose /healthz failed).
    const during: string[] = [];
    let last: Array<{ healthz: string; readyz: string; body: string }> = [];
    while (Date.now() - outageStart < 35_000) {
      last = await Promise.all(
        before.map(async (pod) => {
          const [healthz, readyz] = await Promise.all([podGet(pod, '/healthz'), podGet(pod, '/readyz')]);
          return { healthz: healthz.status, readyz: readyz.status, body: readyz.body };
        }),
      );
      during.push(`${since()}: healthz ${last.map((probe) => probe.healthz).join(' ')}, readyz ${last.map((probe) => probe.readyz).join(' ')}`);
      t.same(
        last.map((probe) => probe.healthz),
        ['200', '200'],
        `both pods alive without the API server (${since()})`,
      );
      await new Promise((resolve) => setTimeout(resolve, 2_500));
    }
    t.comment(during.join('\n'));
    t.same(
      last.map((probe) => probe.readyz),
      ['503', '503'],
      'both pods not ready once their views are stale',
    );
    t.match(last[0]?.body, /disconnected for [\d.]+ s \(stale after 10 s\)/, `/readyz says why: ${last[0]?.body}`);
    await cluster.startApiServer();
    t.comment(`API server back after ${since()}`);
    await waitFor(
      'both pods to answer /readyz 200 again',
      async () => ((await Promise.all(before.map((pod) => podGet(pod, '/readyz')))).every((probe) => probe.status === '200') ? true : undefined),
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    t.comment(`both pods ready again (their /readyz) after ${since()}`);
    // When each watch came back is set by its back-off (capped at 30 s): printed, not asserted.
    const podLog = (await cluster.kubectl(['logs', before[0]?.metadata.name ?? '', '-n', CERTGUARD_NAMESPACE])).stdout;
    const entries = podLog
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { time: number; msg: string });
    t.comment(
      entries
        .filter((entry) => entry.time >= outageStart && /connected again|TooManyRequests/.test(entry.msg))
        .map((entry) => `${((entry.time - outageStart) / 1000).toFixed(1)} s: ${entry.msg}`)
        .join('\n'),
    );

    const pair = await issueServing(await issueCa('outage-ca'), 'after.example.com', ['after.example.com']);
    await apply(cluster, tlsSecret(OUTAGE, 'after-tls', pair));
    // Each pod's view (its watch, not a live GET) must learn about the Secret created after the restart.
    await waitFor(
      "both pods' views to count every Secret",
      async () => {
        const total = (await cluster.kubectl(['get', 'secrets', '-A', '--no-headers'])).stdout.trim().split('\n').filter(Boolean).length;
        const seen = await Promise.all(before.map(viewSecrets));
        return seen.every((count) => count === total) ? true : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 1_000 },
    );
    t.comment(`both views count every Secret after ${since()}`);
    const after = await waitFor(
      'both pods ready in the API server',
      async () => {
        const found = await certguardPods(cluster);
        return found.length === 2 && found.every(ready) ? found : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 1_000 },
    );
    t.same(after.map((pod) => pod.metadata.uid).sort(), before.map((pod) => pod.metadata.uid).sort(), 'the same pods');
    t.same(restarts(after), [0, 0], 'restartCount 0: readiness recovered without a restart');
    t.comment(`both pods Ready in the API server after ${since()}`);
    await waitForMode(cluster, 'enforce');

    const good = await cluster.kubectl(['apply', '-f', '-'], {
      input: yamlOf(gateway(OUTAGE, 'after', [httpsListener('after', 'after.example.com', 'after-tls')])),
    });
    t.same([good.code, good.stdout, good.stderr], [0, 'gateway.gateway.networking.k8s.io/after created\n', ''], 'a good Gateway is admitted');
    const missing = await cluster.kubectl(['apply', '-f', '-'], {
      input: yamlOf(gateway(OUTAGE, 'still', [httpsListener('still', 'still.example.com', 'still-missing')])),
    });
    t.equal(missing.code, 1);
    t.ok(missing.stderr.endsWith(missingMessage('still', 'still-missing')), `denied, the message verbatim:\n${missing.stderr}`);
  });

  await t.test('the secret fence (helm upgrade to placeholder): the pods create a placeholder, the ServiceAccount nothing else', async (t) => {
    const old = (await certguardPods(cluster)).map((pod) => pod.metadata.name);
    await installCertguard(cluster, { config: { ...CONFIG, policies: { 'gateway-listener-tls': { mode: 'placeholder' } } } });
    await waitForMode(cluster, 'placeholder');
    const rolled = async () => ((await certguardPods(cluster)).some((pod) => old.includes(pod.metadata.name)) ? undefined : true);
    t.ok(await waitFor('the old certguard pods to be gone', rolled, { timeoutMs: 120_000, intervalMs: 500 }), 'the config change rolled both pods');
    const fence = await cluster.kubectl(['get', 'validatingadmissionpolicy,validatingadmissionpolicybinding', 'certguard-secret-fence', '-o', 'name']);
    t.equal(
      fence.stdout,
      'validatingadmissionpolicy.admissionregistration.k8s.io/certguard-secret-fence\nvalidatingadmissionpolicybinding.admissionregistration.k8s.io/certguard-secret-fence\n',
      'the chart installed the fence',
    );

    // A Certificate will fill web-tls (no cert-manager runs here: the placeholder stays).
    await apply(cluster, namespace('fence'));
    await apply(
      cluster,
      { apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', metadata: { name: 'e2e-selfsigned' }, spec: { selfSigned: {} } },
      {
        apiVersion: 'cert-manager.io/v1',
        kind: 'Certificate',
        metadata: { namespace: 'fence', name: 'web' },
        spec: { secretName: 'web-tls', dnsNames: ['web.example.com'], issuerRef: { name: 'e2e-selfsigned', kind: 'ClusterIssuer' } },
      },
    );
    const applied = await cluster.kubectl(['apply', '-f', '-'], {
      input: yamlOf(gateway('fence', 'web', [httpsListener('https', 'web.example.com', 'web-tls')])),
    });
    t.equal(applied.code, 0, applied.stderr);
    t.equal(applied.stdout, 'gateway.gateway.networking.k8s.io/web created\n');
    t.match(applied.stderr, /^Warning: .*web-tls/m, `kubectl warns about the placeholder:\n${applied.stderr}`);
    const got = await cluster.kubectl(['get', 'secret', 'web-tls', '-n', 'fence', '-o', 'json']);
    t.equal(got.code, 0, `the placeholder exists: ${got.stderr}`);
    const secret = JSON.parse(got.stdout) as { type: string; data: Record<string, string>; metadata: { labels?: Obj; annotations?: Obj } };
    t.equal(secret.type, 'kubernetes.io/tls');
    t.same(Object.keys(secret.data).sort(), ['tls.crt', 'tls.key']);
    t.match(secret.metadata.labels, { 'app.kubernetes.io/managed-by': 'certguard', 'certguard.io/placeholder': 'true' });
    t.match(secret.metadata.annotations, { 'cert-manager.io/issuer-name': 'certguard.io/placeholder', 'certguard.io/placeholder-for': 'Gateway fence/web' });
    const logs = await Promise.all(
      (await certguardPods(cluster)).map(async (pod) => (await cluster.kubectl(['logs', pod.metadata.name, '-n', CERTGUARD_NAMESPACE])).stdout),
    );
    t.notMatch(logs.join('\n'), 'secret fence', 'the pods never ran into the fence');

    const canCreate = await cluster.kubectl(['auth', 'can-i', 'create', 'secrets', '-n', 'fence', `--as=${SERVICE_ACCOUNT}`]);
    t.equal(canCreate.stdout, 'yes\n', "the chart's RBAC lets the ServiceAccount create Secrets in placeholder mode");
    const opaque = { apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { namespace: 'fence', name: 'opaque' }, data: { password: 'aHVudGVyMg==' } };
    const created = await cluster.kubectl(['create', `--as=${SERVICE_ACCOUNT}`, '-f', '-'], { input: yamlOf(opaque) });
    t.same(
      [created.code, created.stderr],
      [1, refusedCreate('fence', 'opaque', [RULE.type('Opaque'), RULE.keys(['password']), RULE.labels, RULE.issuer])],
      "an arbitrary Secret as certguard's ServiceAccount: refused by the fence, verbatim",
    );
    const secrets = await cluster.kubectl(['get', 'secrets', '-n', 'fence', '-o', 'jsonpath={.items[*].metadata.name}']);
    t.equal(secrets.stdout, 'web-tls', 'nothing but the placeholder was stored');
  });
  t.comment(`whole file: ${((Date.now() - started) / 1000).toFixed(0)} s`);
});
