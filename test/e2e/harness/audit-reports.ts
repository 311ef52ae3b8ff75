// What the audit writes for the audit scenarios' one broken listener (Gateway apps/web, listener
// "websecure", its Secret apps/web-tls deleted after admission): a PolicyReport and an OpenReports
// Report naming it, read and asserted alike whether certguard runs as a process or from the chart.
import type { Cluster } from './cluster.ts';
import { waitFor } from './processes.ts';

export type Report = {
  results?: Array<{
    source?: string;
    policy: string;
    rule: string;
    result: string;
    message: string;
    properties?: Record<string, string>;
    resources?: Array<{ kind: string; name: string }>;
  }>;
  summary?: { fail: number };
  source?: string;
};

type Asserts = {
  same(found: unknown, wanted: unknown, ...rest: [] | [string]): unknown;
  match(found: unknown, pattern: RegExp): unknown;
  equal(found: unknown, wanted: unknown, ...rest: [] | [string]): unknown;
};

/** certguard's PolicyReport in namespace apps, or undefined while there is none. */
export const appsPolicyReport = async (cluster: Cluster): Promise<Report | undefined> => {
  const got = await cluster.kubectl(['get', 'policyreport', 'certguard', '-n', 'apps', '-o', 'json']);
  return got.code === 0 ? (JSON.parse(got.stdout) as Report) : undefined;
};

/** Waits for the PolicyReport to fail the Gateway, then asserts it and the OpenReports Report. */
export const expectWebFinding = async (t: Asserts, cluster: Cluster, timeoutMs: number): Promise<void> => {
  const failing = await waitFor(
    'the PolicyReport to name the Gateway',
    async () => {
      const found = await appsPolicyReport(cluster);
      return found?.results?.some((result) => result.result === 'fail') ? found : undefined;
    },
    { timeoutMs, intervalMs: 500 },
  );
  t.same(
    failing.results?.map((result) => [result.policy, result.rule, result.result, result.resources?.[0]?.kind, result.resources?.[0]?.name]),
    [['gateway-listener-tls', 'admission', 'fail', 'Gateway', 'web']],
  );
  t.match(
    failing.results?.[0]?.message,
    /^spec\.listeners\[0\] "websecure" \(Gateway apps\/web, hostname "app\.example\.com"\): certificateRefs\[0\] Secret "apps\/web-tls" does not exist and no Certificate or cert-manager annotation will create it: /,
  );
  t.equal(failing.summary?.fail, 1);
  const openReport = await cluster.kubectl(['get', 'reports.openreports.io', 'certguard', '-n', 'apps', '-o', 'json']);
  t.equal(openReport.code, 0, openReport.stderr);
  const written = JSON.parse(openReport.stdout) as Report;
  t.same(
    [
      written.source,
      written.results?.map((result) => [result.source, result.policy, result.rule, result.result, result.resources?.[0]?.name, result.properties]),
    ],
    ['certguard', [['certguard', 'gateway-listener-tls', 'admission', 'fail', 'web', { process: 'background scan' }]]],
    'the same finding as an OpenReports Report',
  );
};
