// The composition root's metrics half: serve's registry with each policy's own metrics on it.
// Apart from compose.ts so the commands without /metrics (check, audit, explain) never load prom-client.
import type { PolicyDependencies } from './compose.ts';
import { createMetrics, type Metrics, type MetricsOptions, type MetricsView } from './metrics/metrics.ts';
import { registerSolverMetrics } from './policies/acme-solver-cap/metrics.ts';
import { registerPlaceholderMetrics } from './policies/gateway-listener-tls/metrics.ts';
import { registerInUseMetrics } from './policies/tls-secret-in-use/metrics.ts';

export type ServeMetrics = Metrics & Required<Pick<PolicyDependencies, 'recordInUseDeletion'>>;

/** serve's metrics: the generic ones, plus each policy's own on the same registry. */
export const buildMetrics = (view: MetricsView, options: MetricsOptions = {}): ServeMetrics => {
  const metrics = createMetrics(view, options);
  registerSolverMetrics(metrics.registry, view);
  registerPlaceholderMetrics(metrics.registry, view);
  return { ...metrics, recordInUseDeletion: registerInUseMetrics(metrics.registry) };
};
