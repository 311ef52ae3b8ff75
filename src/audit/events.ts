// A Warning Event on each offending object (reason CertguardAudit), where `kubectl describe` shows
// it. Deduplicated by name: an Event's name is derived from the finding, so re-creating it is a 409
// and the same finding is never re-emitted, by this replica or another leader. When a finding goes
// away its Event is patched to Normal ("resolved"), so `kubectl get events --field-selector
// type=Warning` no longer lists it. Only create and patch: no list, no delete. At most
// audit.eventsPerAudit Events are created per audit (default 1000, the queue client-go's
// EventBroadcaster keeps before dropping: k8s.io/client-go v0.36.3 tools/record/event.go,
// maxQueuedEvents): a first audit of a broken cluster must not post tens of thousands of Events at
// once. The findings past it get theirs in the next audits; the reports and metrics carry all.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { apiErrorOf } from '../cluster/live/kube-client.ts';
import type { Finding } from './findings.ts';
import type { Requester } from './report-writer.ts';

export const EVENT_REASON = 'CertguardAudit';
export const EVENT_COMPONENT = 'certguard';
// Events of cluster-scoped objects live in "default", as kubectl looks for them.
const CLUSTER_EVENTS_NAMESPACE = 'default';
// events.k8s.io caps a note at 1 kB; core Events are kept to the same so every tool shows them whole.
const MAX_MESSAGE = 1024;
const TIMEOUT_MS = 5000;

type Planned = { namespace: string; name: string; body: Record<string, unknown> };

/** One audit's Events: record() once per report namespace, then finish(). */
export type EventSession = {
  record(report: string, findings: Finding[]): Promise<void>;
  /** Resolves the Events of reports the audit no longer reached. */
  finish(): Promise<void>;
};

const truncate = (message: string): string => (message.length <= MAX_MESSAGE ? message : `${message.slice(0, MAX_MESSAGE - 3)}...`);

/** Where the Event for a finding with an object goes, named after the finding (object name + a digest). */
const eventPlaceOf = (finding: Finding): { namespace: string; name: string } | undefined => {
  const object = finding.object;
  if (!object) return undefined;
  const digest = createHash('sha256')
    .update(JSON.stringify([finding.policy, finding.rule, object.kind, object.namespace, object.name, finding.message]))
    .digest('hex')
    .slice(0, 16);
  return { namespace: object.namespace ?? CLUSTER_EVENTS_NAMESPACE, name: `${object.name.slice(0, 200)}.certguard.${digest}` };
};

const eventBody = (finding: Finding, place: { namespace: string; name: string }, now: Date, instance: string): Record<string, unknown> => {
  const time = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: place.name, namespace: place.namespace },
    involvedObject: finding.object,
    reason: EVENT_REASON,
    message: truncate(`${finding.policy}/${finding.rule}: ${finding.message}`),
    type: 'Warning',
    source: { component: EVENT_COMPONENT },
    reportingComponent: EVENT_COMPONENT,
    reportingInstance: instance,
    firstTimestamp: time,
    lastTimestamp: time,
    count: 1,
  };
};

const keyOf = (planned: { namespace: string; name: string }): string => `${planned.namespace}/${planned.name}`;

const splitKey = (key: string): { namespace: string; name: string } => {
  const slash = key.indexOf('/');
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
};

export class EventRecorder {
  readonly #client: Requester;
  readonly #logger: Logger;
  readonly #instance: string;
  readonly #perAudit: number;
  /** Events this replica raised that are still Warnings, by the report (namespace) their findings are in: "namespace/name" keys. */
  #raised = new Map<string, Set<string>>();

  /** `perAudit`: at most this many Events are created in one audit (audit.eventsPerAudit). */
  constructor(client: Requester, logger: Logger, instance: string, perAudit = Number.POSITIVE_INFINITY) {
    this.#client = client;
    this.#logger = logger;
    this.#instance = instance;
    this.#perAudit = perAudit;
  }

  /**
   * One audit's Events, recorded report by report as the audit goes (each report namespace once),
   * so only one namespace's Events are ever planned at a time.
   */
  begin(now: Date): EventSession {
    const previous = this.#raised;
    const next = new Map<string, Set<string>>();
    this.#raised = next;
    let budget = this.#perAudit;
    let skipped = 0;
    return {
      record: async (report, findings) => {
        const before = previous.get(report) ?? new Set<string>();
        previous.delete(report);
        const kept = new Set<string>();
        for (const finding of findings) {
          // The body only for an Event to create: past the budget most findings need only their key.
          const place = eventPlaceOf(finding);
          if (!place) continue;
          const key = keyOf(place);
          if (kept.has(key)) continue;
          if (before.delete(key)) kept.add(key);
          else if (budget > 0) {
            budget -= 1;
            await this.#create({ ...place, body: eventBody(finding, place, now, this.#instance) });
            kept.add(key);
          } else skipped += 1;
        }
        if (kept.size > 0) next.set(report, kept);
        for (const key of before) await this.#resolve(splitKey(key), now);
      },
      finish: async () => {
        for (const keys of previous.values()) for (const key of keys) await this.#resolve(splitKey(key), now);
        previous.clear();
        // Not raised this time: not in `next`, so the next audit tries again.
        if (skipped > 0)
          this.#logger.info(
            { skipped, eventsPerAudit: this.#perAudit },
            'audit: Events past audit.eventsPerAudit are left for the next audits (the findings are in the reports and metrics)',
          );
      },
    };
  }

  async #create(planned: Planned): Promise<void> {
    const response = await this.#client.request(`/api/v1/namespaces/${planned.namespace}/events`, {
      method: 'POST',
      body: planned.body,
      timeoutMs: TIMEOUT_MS,
    });
    // 409: the same finding already has its Event (an earlier audit, or another leader's).
    if (response.status >= 300 && response.status !== 409)
      this.#logger.warn({ event: planned.name, reason: apiErrorOf(response.status, response.body).message }, 'audit Event not created');
  }

  async #resolve(gone: { namespace: string; name: string }, now: Date): Promise<void> {
    const patch = {
      type: 'Normal',
      message: `resolved: no longer found by the audit at ${now.toISOString()}`,
      lastTimestamp: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
    const response = await this.#client.request(`/api/v1/namespaces/${gone.namespace}/events/${gone.name}`, {
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: patch,
      timeoutMs: TIMEOUT_MS,
    });
    // 404: the Event expired (the API server keeps Events about an hour): nothing left to resolve.
    if (response.status >= 300 && response.status !== 404)
      this.#logger.warn({ event: gone.name, reason: apiErrorOf(response.status, response.body).message }, 'audit Event not resolved');
  }
}
