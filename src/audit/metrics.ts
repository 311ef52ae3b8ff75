// The audit's metrics, on the webhook's registry: what is wrong now (a gauge of findings, replaced
// each audit, so a fixed finding goes to 0 at once), when an audit last succeeded (for "audit
// stale") and how long the last one took.
import { Gauge, type Registry } from 'prom-client';
import type { Finding } from './findings.ts';
import { namespaceOfFinding, REPORT_FORMATS, type ReportFormatId } from './policy-report.ts';

/** Findings counted by policy, report namespace and result as an audit goes: the findings themselves are not kept. */
export class FindingCounts {
  readonly #counts = new Map<string, { labels: Record<string, string>; count: number }>();
  total = 0;
  failed = 0;

  add(findings: Finding[]): this {
    for (const finding of findings) {
      const labels = { policy: finding.policy, namespace: namespaceOfFinding(finding), result: finding.result };
      const key = JSON.stringify(labels);
      const known = this.#counts.get(key);
      if (known) known.count += 1;
      else this.#counts.set(key, { labels, count: 1 });
      this.total += 1;
      if (finding.result === 'fail') this.failed += 1;
    }
    return this;
  }

  entries(): Iterable<{ labels: Record<string, string>; count: number }> {
    return this.#counts.values();
  }
}

export type AuditMetrics = {
  recordSuccess(counts: FindingCounts, seconds: number, now: Date): void;
  /** A replica that lost the Lease drops its findings: only the auditing replica reports any. */
  clearFindings(): void;
  /** The report formats the last audit wrote (1) or found not served (0). */
  recordReportFormats(written: ReportFormatId[]): void;
};

export const registerAuditMetrics = (registry: Registry): AuditMetrics => {
  const findings = new Gauge({
    name: 'certguard_audit_findings',
    help: 'Findings of the last audit, by policy, namespace ("" = cluster-wide) and result (fail, warn)',
    labelNames: ['policy', 'namespace', 'result'],
    registers: [registry],
  });
  const lastSuccess = new Gauge({ name: 'certguard_audit_last_success_timestamp_seconds', help: 'Unix time the last audit finished', registers: [registry] });
  const duration = new Gauge({ name: 'certguard_audit_duration_seconds', help: 'How long the last audit took', registers: [registry] });
  const formats = new Gauge({
    name: 'certguard_audit_reports_written',
    help: 'Report formats the last audit wrote: 1 when its CRDs are served (format openreports or policyreports), 0 when not (its reports were skipped)',
    labelNames: ['format'],
    registers: [registry],
  });
  return {
    recordSuccess(counts, seconds, now) {
      findings.reset();
      for (const { labels, count } of counts.entries()) findings.set(labels, count);
      lastSuccess.set(now.getTime() / 1000);
      duration.set(seconds);
    },
    clearFindings: () => findings.reset(),
    recordReportFormats(written) {
      for (const format of Object.keys(REPORT_FORMATS) as ReportFormatId[]) formats.set({ format }, written.includes(format) ? 1 : 0);
    },
  };
};
