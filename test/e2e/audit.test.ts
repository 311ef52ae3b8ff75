// The periodic audit on a real API server (issue 18): a Secret deleted after its Gateway was
// admitted shows up, within one audit interval, in the namespace's PolicyReport and as a Warning
// Event on the Gateway; putting it back clears both. Two certguard replicas: one holds the Lease
// and audits, and when it stops (releasing the Lease) the other takes over.
// certguard runs with a token of the chart's ServiceAccount under the chart's RBAC (audit.enabled),
// so the test also shows that RBAC is enough.
// The report CRDs are the upstream ones (Kyverno's wgpolicyk8s.io PolicyReports, the OpenReports
// project's Reports, from their Go modules: scripts/e2e-binaries.sh report-crds), so the API
// server's schema validation checks every report the audit writes, in both formats.
import t from 'tap';
import { startCertguard, type Certguard } from './harness/certguard.ts';
import { applyChartIdentity } from './harness/chart-identity.ts';
import { appsPolicyReport, expectWebFinding, type Report } from './harness/audit-reports.ts';
import { ensureReportCrds } from './harness/binaries.ts';
import { startCluster } from './harness/cluster.ts';
import { gateway, httpsListener, namespace, tlsSecret, yamlOf } from './harness/objects.ts';
import { issueCa, issueServing } from './harness/pki.ts';
import { NODE, repoRoot } from './harness/paths.ts';
import { run, waitFor } from './harness/processes.ts';
import { waitForWebhooks } from './harness/stack.ts';
import { CERTGUARD_NAMESPACE, registerWebhooks } from './harness/webhooks.ts';

// 3 s: the whole scenario fits in a test run. The harness issues one-day certificates:
// expiringWithin 0 keeps them out of the report. Versioned, as the chart writes it.
const REPORT_CRDS = ['policyreports.wgpolicyk8s.io', 'clusterpolicyreports.wgpolicyk8s.io', 'reports.openreports.io', 'clusterreports.openreports.io'];

const CONFIG = { apiVersion: 'certguard.io/v1alpha1', kind: 'Configuration', audit: { interval: '3s', expiringWithin: '0' } };
const auditArgs = (identity: string) => ['--audit', `--audit-namespace=${CERTGUARD_NAMESPACE}`, `--audit-identity=${identity}`];

type EventList = { items: Array<{ type: string; reason: string; message: string; involvedObject: { kind: string; name: string } }> };

t.test('the audit reports a Secret deleted after admission, and clears it once fixed', async (t) => {
  const cluster = await startCluster();
  t.teardown(() => cluster.stop());
  const crds = await cluster.kubectl(['apply', '--server-side', '-f', await ensureReportCrds()]);
  t.equal(crds.code, 0, crds.stderr);
  const established = await cluster.kubectl(['wait', '--for=condition=Established', ...REPORT_CRDS.map((name) => `crd/${name}`), '--timeout=30s']);
  t.equal(established.code, 0, established.stderr);
  // Established comes a moment before a new CRD's storage answers (HTTP 429 "storage is (re)initializing").
  await waitFor('the report CRDs to serve lists', async () => ((await cluster.kubectl(['get', REPORT_CRDS.join(','), '-A'])).code === 0 ? true : undefined), {
    timeoutMs: 30_000,
    intervalMs: 250,
  });
  const setup = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(namespace(CERTGUARD_NAMESPACE), namespace('apps')) });
  t.equal(setup.code, 0, setup.stderr);

  // The chart's RBAC with audit.enabled (what --audit is passed for), and a token of its ServiceAccount.
  const { kubeconfigPath } = await applyChartIdentity(cluster, { config: CONFIG, extraArgs: auditArgs('certguard-a') });

  const replicas: Certguard[] = [];
  for (const identity of ['certguard-a', 'certguard-b']) {
    const replica = await startCertguard({ kubeconfigPath, config: CONFIG, extraArgs: auditArgs(identity) });
    t.teardown(() => replica.stop());
    replicas.push(replica);
  }
  const [first] = replicas;
  if (!first) throw new Error('no replica');
  await registerWebhooks(cluster, { url: first.url, caBundle: first.caBundle, config: CONFIG });
  await waitForWebhooks(cluster);

  const ca = await issueCa('apps-ca');
  const secret = tlsSecret('apps', 'web-tls', await issueServing(ca, 'app.example.com', ['app.example.com']));
  const web = gateway('apps', 'web', [httpsListener('websecure', 'app.example.com', 'web-tls')]);
  const admitted = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(secret, web) });
  t.equal(admitted.code, 0, admitted.stderr);

  const holder = await waitFor(
    'the audit Lease to have a holder',
    async () => {
      const lease = await cluster.kubectl(['get', 'lease', 'certguard-audit', '-n', CERTGUARD_NAMESPACE, '-o', 'jsonpath={.spec.holderIdentity}']);
      return lease.code === 0 && lease.stdout ? lease.stdout : undefined;
    },
    { timeoutMs: 30_000 },
  );
  t.ok(['certguard-a', 'certguard-b'].includes(holder), `holder ${holder}`);

  // tls-secret-in-use refuses this delete; its break glass lets it through, as a clean-up by hand would.
  const annotated = await cluster.kubectl(['annotate', 'secret', 'web-tls', '-n', 'apps', 'certguard.io/allow-delete=audit end-to-end test']);
  t.equal(annotated.code, 0, annotated.stderr);
  const deleted = await cluster.kubectl(['delete', 'secret', 'web-tls', '-n', 'apps']);
  t.equal(deleted.code, 0, deleted.stderr);

  const report = () => appsPolicyReport(cluster);
  await expectWebFinding(t, cluster, 30_000);

  // The one-shot CLI over the same live cluster, with the same token: the same finding, exit 1.
  const cli = await run(NODE, ['bin/certguard.js', 'audit', '--kubeconfig', kubeconfigPath, '--config', '/dev/null', '-o', 'json'], {
    cwd: repoRoot,
    timeoutMs: 150_000,
  });
  t.equal(cli.code, 1, cli.stderr);
  const output = JSON.parse(cli.stdout) as {
    judged: number;
    findings: Array<{ policy: string; rule: string; result: string; object?: { kind: string; name: string } }>;
  };
  t.same(
    output.findings.map((finding) => [finding.policy, finding.rule, finding.result, finding.object?.kind, finding.object?.name]),
    [['gateway-listener-tls', 'admission', 'fail', 'Gateway', 'web']],
  );

  const events = async (): Promise<EventList['items']> => {
    const got = await cluster.kubectl(['get', 'events', '-n', 'apps', '--field-selector', 'reason=CertguardAudit,involvedObject.name=web', '-o', 'json']);
    return got.code === 0 ? (JSON.parse(got.stdout) as EventList).items : [];
  };
  const warned = await waitFor(
    'a Warning Event on the Gateway',
    async () => {
      const found = await events();
      return found.some((event) => event.type === 'Warning') ? found : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 500 },
  );
  t.equal(warned.length, 1, 'one Event, however many audits ran');
  t.match(warned[0]?.message, /^gateway-listener-tls\/admission: spec\.listeners\[0\] "websecure" \(Gateway apps\/web/);
  t.equal(warned[0]?.involvedObject.kind, 'Gateway');

  const restored = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(secret) });
  t.equal(restored.code, 0, restored.stderr);
  let last: Report | undefined;
  await waitFor('the PolicyReport to clear', async () => (((last = await report())?.results ?? []).length === 0 ? true : undefined), {
    timeoutMs: 30_000,
    intervalMs: 500,
  }).catch((error: Error) => {
    throw new Error(
      `${error.message}: ${JSON.stringify(last)}\n${replicas.map((replica) => replica.logs().split('\n').slice(-15).join('\n')).join('\n---\n')}`,
    );
  });
  const cleared = await waitFor(
    'the Event to turn Normal',
    async () => {
      const found = await events();
      return found.length > 0 && found.every((event) => event.type === 'Normal') ? found : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 500 },
  );
  t.match(cleared[0]?.message, /^resolved: no longer found by the audit at /);

  const auditors = replicas.filter((replica) => replica.logs().includes('"msg":"audit done"'));
  t.equal(auditors.length, 1, 'exactly one replica audits');
  const leader = replicas[holder === 'certguard-a' ? 0 : 1];
  const other = replicas[holder === 'certguard-a' ? 1 : 0];
  t.equal(auditors[0], leader, 'the one holding the Lease');
  t.notMatch(other?.logs() ?? '', /"msg":"audit done"/);

  for (const replica of replicas)
    t.notMatch(
      replica.logs(),
      /audit failed|audit Event not|Lease not (renewed|released)|reports not written|not written, its CRDs/,
      "no audit step failed (the chart's RBAC is enough)",
    );

  await leader?.stop();
  const next = await waitFor(
    'the other replica to take the Lease over',
    async () => {
      const lease = await cluster.kubectl(['get', 'lease', 'certguard-audit', '-n', CERTGUARD_NAMESPACE, '-o', 'jsonpath={.spec.holderIdentity}']);
      return lease.stdout && lease.stdout !== holder ? lease.stdout : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 500 },
  );
  t.not(next, holder);
  await waitFor('the new leader to audit', async () => ((other?.logs() ?? '').includes('"msg":"audit done"') ? true : undefined), {
    timeoutMs: 30_000,
    intervalMs: 500,
  });
});
