// Builds serve's audit loop from what serve already has (its live view and config): the Lease in
// certguard's own namespace, PolicyReports, Events and metrics, with one API client of its own.
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ClusterView, StatefulView } from '../cluster/view.ts';
import type { Config } from '../config/schema.ts';
import type { Policy } from '../policies/types.ts';
import { EventRecorder } from './events.ts';
import { LeaderLease } from './lease.ts';
import { v8MemorySaver } from './memory-saver.ts';
import { createAuditClient, liveSource } from './live-source.ts';
import { registerAuditMetrics } from './metrics.ts';
import { ReportWriter } from './report-writer.ts';
import { AuditLoop } from './scheduler.ts';

export const LEASE_NAME = 'certguard-audit';

export type ServeAuditOptions = {
  view: ClusterView & Pick<StatefulView, 'status'>;
  config: Config;
  kubeconfig?: string;
  /** The kubeconfig context (serve --context). */
  context?: string;
  /** certguard's namespace, where the Lease lives. */
  namespace: string;
  /** This replica's name in the Lease (the pod name). */
  identity?: string;
  registry: Registry;
  logger: Logger;
  /** The policies as the audit runs them (compose.ts buildAuditPolicies). */
  policies: Policy[];
};

export type ServeAudit = { stop(): Promise<void> };

export const startServeAudit = (options: ServeAuditOptions): ServeAudit => {
  const client = createAuditClient(options.kubeconfig, options.context);
  const identity = options.identity ?? hostname();
  const logger = options.logger.child({ component: 'audit' });
  const metrics = registerAuditMetrics(options.registry);
  const loop = new AuditLoop({
    view: options.view,
    source: liveSource(options.view, client),
    config: options.config,
    policies: options.policies,
    lease: new LeaderLease({ client, namespace: options.namespace, name: LEASE_NAME, identity }),
    reports: new ReportWriter(client, logger, { formats: options.config.audit.reportFormat, recordFormats: metrics.recordReportFormats }),
    events: new EventRecorder(client, logger, identity, options.config.audit.eventsPerAudit),
    metrics,
    logger,
    intervalMs: options.config.audit.intervalMinutes * 60_000,
    memorySaver: v8MemorySaver(),
  });
  loop.start();
  logger.info(
    { namespace: options.namespace, lease: LEASE_NAME, identity, intervalMinutes: options.config.audit.intervalMinutes },
    'audit: periodic audit on (leader elected)',
  );
  return {
    stop: async () => {
      await loop.stop();
      client.close();
    },
  };
};
