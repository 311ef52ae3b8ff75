// tls-secret-in-use's counter, registered by the composition root on serve's registry.
import { Counter, type Registry } from 'prom-client';
import { IN_USE_DELETION_REASONS, type InUseDeletionReason } from './system-users.ts';

export const registerInUseMetrics = (registry: Registry) => {
  const deletions = new Counter({
    name: 'certguard_in_use_deletions_total',
    help: 'TLS Secrets (and CA bundles) a listener or TLS field still referenced whose deletion tls-secret-in-use let through, by reason (garbage-collector, namespace-deletion, kube-controller-manager, break-glass). Dry runs are not counted.',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  // Every reason present from the start, so increase() and alerts see the first deletion.
  for (const reason of IN_USE_DELETION_REASONS) deletions.inc({ reason }, 0);
  return (reason: InUseDeletionReason): void => deletions.inc({ reason });
};
