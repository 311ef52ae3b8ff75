// gateway-listener-tls's placeholder gauges, from Secret metadata at scrape time.
import { Gauge, type Registry } from 'prom-client';
import type { ClusterView } from '../../cluster/view.ts';
import type { KubeObject } from '../../kube/object.ts';
import { listPlaceholders } from './placeholder-labels.ts';

const countBy = <K extends string>(objects: KubeObject[], key: (object: KubeObject) => K | undefined): Map<K, number> => {
  const counts = new Map<K, number>();
  for (const object of objects) {
    const k = key(object);
    if (k !== undefined) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
};

const namespaceOf = (object: KubeObject): string => object.metadata?.namespace ?? '';

const createdSeconds = (object: KubeObject): number | undefined => {
  const millis = Date.parse(object.metadata?.creationTimestamp ?? '');
  return Number.isNaN(millis) ? undefined : millis / 1000;
};

export const registerPlaceholderMetrics = (registry: Registry, view: Pick<ClusterView, 'isServed' | 'list'>): void => {
  const placeholders = () => (view.isServed('secrets') ? listPlaceholders(view) : []);
  new Gauge({
    name: 'certguard_placeholder_secrets',
    help: 'Placeholder TLS Secrets created by certguard that cert-manager has not replaced yet, per namespace.',
    labelNames: ['namespace'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [namespace, count] of countBy(placeholders(), namespaceOf)) this.set({ namespace }, count);
    },
  });
  new Gauge({
    name: 'certguard_placeholder_secret_oldest_timestamp_seconds',
    help: 'Creation time (Unix seconds) of the oldest placeholder Secret still in place, per namespace.',
    labelNames: ['namespace'] as const,
    registers: [registry],
    collect() {
      this.reset();
      const oldest = new Map<string, number>();
      for (const secret of placeholders()) {
        const created = createdSeconds(secret);
        const namespace = namespaceOf(secret);
        if (created !== undefined && created < (oldest.get(namespace) ?? Infinity)) oldest.set(namespace, created);
      }
      for (const [namespace, created] of oldest) this.set({ namespace }, created);
    },
  });
};
