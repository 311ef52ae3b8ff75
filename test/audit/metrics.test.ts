// The audit metrics: findings by policy/namespace/result replaced each audit, last success, duration.
import { Registry } from 'prom-client';
import t from 'tap';
import type { Finding } from '../../src/audit/findings.ts';
import { FindingCounts, registerAuditMetrics } from '../../src/audit/metrics.ts';

const gateway = (namespace: string, result: 'fail' | 'warn'): Finding => ({
  policy: 'gateway-listener-tls',
  rule: 'admission',
  result,
  object: { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', namespace, name: 'gw' },
  message: 'm',
});

t.test('findings are counted per policy, namespace and result, and a fixed one goes away', async (t) => {
  const registry = new Registry();
  const metrics = registerAuditMetrics(registry);
  metrics.recordSuccess(new FindingCounts().add([gateway('a', 'fail'), gateway('a', 'fail'), gateway('b', 'warn')]), 1.5, new Date('2027-01-01T00:00:00Z'));
  let text = await registry.metrics();
  t.match(text, /certguard_audit_findings\{policy="gateway-listener-tls",namespace="a",result="fail"\} 2\n/);
  t.match(text, /certguard_audit_findings\{policy="gateway-listener-tls",namespace="b",result="warn"\} 1\n/);
  t.match(text, /certguard_audit_last_success_timestamp_seconds 1798761600\n/);
  t.match(text, /certguard_audit_duration_seconds 1.5\n/);
  metrics.recordSuccess(new FindingCounts().add([gateway('b', 'warn')]), 0.5, new Date('2027-01-01T00:10:00Z'));
  text = await registry.metrics();
  t.notMatch(text, /namespace="a"/);
  t.match(text, /certguard_audit_last_success_timestamp_seconds 1798762200\n/);
  metrics.clearFindings();
  t.notMatch(await registry.metrics(), /certguard_audit_findings\{/, 'a replica that lost the Lease reports no findings');
});
