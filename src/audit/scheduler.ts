// The audit inside `serve`: every audit.interval (jittered, so replicas restarted together do
// not audit in step), only on the replica holding the Lease, over the webhook's own live view.
// Results go to PolicyReports, Warning Events and the metrics.
import type { Logger } from 'pino';
import type { ClusterView, StatefulView } from '../cluster/view.ts';
import type { Config } from '../config/schema.ts';
import type { Policy } from '../policies/types.ts';
import { auditByNamespace, type AuditSource } from './audit.ts';
import type { EventRecorder } from './events.ts';
import type { LeaderLease } from './lease.ts';
import type { MemorySaver } from './memory-saver.ts';
import { FindingCounts, type AuditMetrics } from './metrics.ts';
import type { ReportWriter } from './report-writer.ts';

// client-go's leader election retries every 2 s with a 15 s lease; every 5 s keeps a 15 s lease
// renewed three times over.
const LEASE_RETRY_MS = 5000;
// ±10 %: enough to spread replicas, small enough that "one interval" stays a promise.
const JITTER = 0.1;

export type AuditLoopOptions = {
  view: ClusterView & Pick<StatefulView, 'status'>;
  /** What to judge: the view's Gateways plus each namespace's Certificates and Ingresses, listed as the audit reaches them. */
  source: AuditSource;
  config: Config;
  policies: Policy[];
  lease: LeaderLease;
  reports: ReportWriter;
  events: EventRecorder;
  metrics: AuditMetrics;
  logger: Logger;
  intervalMs: number;
  random?: () => number;
  /** Runs each audit in V8's memory-saving mode (absent: as the process runs). */
  memorySaver?: MemorySaver;
};

export const jittered = (intervalMs: number, random: () => number): number => Math.round(intervalMs * (1 - JITTER + 2 * JITTER * random()));

export class AuditLoop {
  readonly #options: AuditLoopOptions;
  #leaseTimer: NodeJS.Timeout | undefined;
  #auditTimer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(options: AuditLoopOptions) {
    this.#options = options;
  }

  start(): void {
    this.#leaseTick();
  }

  /** Renews (or tries for) the Lease; a new leader audits at once, then every jittered interval. */
  #leaseTick(): void {
    if (this.#stopped) return;
    const wasLeader = this.#options.lease.isLeader;
    this.#options.lease
      .tryAcquireOrRenew()
      .then((leader) => {
        if (leader && !wasLeader) this.#options.logger.info('audit: this replica holds the Lease and audits');
        if (!leader && wasLeader) {
          this.#options.logger.info('audit: lost the Lease, another replica audits');
          this.#options.metrics.clearFindings();
        }
        if (leader && !this.#auditTimer && !this.#running) this.#schedule(0);
      })
      .catch((error: unknown) => this.#options.logger.warn({ err: { message: (error as Error).message } }, 'audit: Lease not renewed'))
      .finally(() => {
        if (!this.#stopped) this.#leaseTimer = setTimeout(() => this.#leaseTick(), LEASE_RETRY_MS);
      });
  }

  #schedule(delayMs: number): void {
    this.#auditTimer = setTimeout(() => {
      this.#auditTimer = undefined;
      let audited = false;
      this.#running = this.#tick()
        .then((done) => void (audited = done))
        .finally(() => {
          this.#running = undefined;
          // Not ready yet: try again soon rather than a whole interval later.
          const next = audited ? jittered(this.#options.intervalMs, this.#options.random ?? Math.random) : LEASE_RETRY_MS;
          if (!this.#stopped && this.#options.lease.isLeader) this.#schedule(next);
        });
    }, delayMs);
  }

  /** True when an audit ran (even a failed one: the next waits an interval). */
  async #tick(): Promise<boolean> {
    // Not the leader, or the view has not synced (an audit over a half-filled cache would report
    // every Secret as missing): not now.
    if (!this.#options.lease.isLeader || !this.#options.view.status().ready) return false;
    try {
      const saving = this.#options.memorySaver ?? ((audit) => audit());
      await saving(() => this.auditOnce());
    } catch (error) {
      this.#options.logger.warn({ err: { message: (error as Error).message } }, 'audit failed');
    }
    return true;
  }

  /**
   * One audit: each namespace's findings go to its report, its Events and the counts as soon as the
   * namespace is judged, and are dropped; returns the counts.
   */
  async auditOnce(): Promise<FindingCounts> {
    const { view, config, policies, logger } = this.#options;
    const started = process.hrtime.bigint();
    const now = new Date();
    const reports = await this.#options.reports.begin(now);
    const events = this.#options.events.begin(now);
    const counts = new FindingCounts();
    await auditByNamespace({ source: this.#options.source, view, config, policies, now }, async (namespace, findings) => {
      counts.add(findings);
      await reports?.write(namespace, findings);
      await events.record(namespace, findings);
    });
    await reports?.finish();
    await events.finish();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    this.#options.metrics.recordSuccess(counts, seconds, new Date());
    logger.info({ findings: counts.total, failed: counts.failed, seconds, reports: reports ? 'written' : 'no-crd' }, 'audit done');
    return counts;
  }

  /** Stops both loops, lets a running audit finish, and releases the Lease. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#leaseTimer);
    clearTimeout(this.#auditTimer);
    await this.#running;
    await this.#options.lease
      .release()
      .catch((error: unknown) => this.#options.logger.warn({ err: { message: (error as Error).message } }, 'audit: Lease not released'));
  }
}
