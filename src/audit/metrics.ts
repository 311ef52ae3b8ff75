// The audit's metrics, on the webhook's registry: what is wrong now (a gauge of findings, replaced
// each audit, so a fixed finding goes to 0 at once), when an audit last succeeded (for "audit
// stale") and how long the last one took.
import { Gauge, type Registry } from 'prom-client';
import type { Finding } from './findings.ts';
import { namespaceOfFinding } from './policy-report.ts';

export type AuditMetrics = {
  recordSuccess(findings: Finding[], seconds: number, now: Date): void;
  /** A replica that lost the Lease drops its findings: only the auditing replica reports any. */
  clearFindings(): void;
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
  return {
    recordSuccess(found, seconds, now) {
      const counts = new Map<string, { labels: Record<string, string>; count: number }>();
      for (const finding of found) {
        const labels = { policy: finding.policy, namespace: namespaceOfFinding(finding), result: finding.result };
        const key = JSON.stringify(labels);
        counts.set(key, { labels, count: (counts.get(key)?.count ?? 0) + 1 });
      }
      findings.reset();
      for (const { labels, count } of counts.values()) findings.set(labels, count);
      lastSuccess.set(now.getTime() / 1000);
      duration.set(seconds);
    },
    clearFindings: () => findings.reset(),
  };
};
