// A Warning Event on each offending object (reason CertguardAudit), where `kubectl describe` shows
// it. Deduplicated by name: an Event's name is derived from the finding, so re-creating it is a 409
// and the same finding is never re-emitted, by this replica or another leader. When a finding goes
// away its Event is patched to Normal ("resolved"), so `kubectl get events --field-selector
// type=Warning` no longer lists it. Only create and patch: no list, no delete.
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

const truncate = (message: string): string => (message.length <= MAX_MESSAGE ? message : `${message.slice(0, MAX_MESSAGE - 3)}...`);

/** The Event for a finding with an object, named after the finding (object name + a digest). */
export const eventFor = (finding: Finding, now: Date, instance: string): Planned | undefined => {
  const object = finding.object;
  if (!object) return undefined;
  const digest = createHash('sha256').update(JSON.stringify([finding.policy, finding.rule, object.kind, object.namespace, object.name, finding.message])).digest('hex').slice(0, 16);
  const namespace = object.namespace ?? CLUSTER_EVENTS_NAMESPACE;
  const name = `${object.name.slice(0, 200)}.certguard.${digest}`;
  const time = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    namespace,
    name,
    body: {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: object,
      reason: EVENT_REASON,
      message: truncate(`${finding.policy}/${finding.rule}: ${finding.message}`),
      type: 'Warning',
      source: { component: EVENT_COMPONENT },
      reportingComponent: EVENT_COMPONENT,
      reportingInstance: instance,
      firstTimestamp: time,
      lastTimestamp: time,
      count: 1,
    },
  };
};

export class EventRecorder {
  readonly #client: Requester;
  readonly #logger: Logger;
  readonly #instance: string;
  /** Events this replica raised that are still Warnings: namespace/name → its finding still holds. */
  #raised = new Map<string, { namespace: string; name: string }>();

  constructor(client: Requester, logger: Logger, instance: string) {
    this.#client = client;
    this.#logger = logger;
    this.#instance = instance;
  }

  /** Raises an Event for each new finding and resolves the ones of findings that went away. */
  async record(findings: Finding[], now: Date): Promise<void> {
    const current = new Map<string, Planned>();
    for (const finding of findings) {
      const planned = eventFor(finding, now, this.#instance);
      if (planned) current.set(`${planned.namespace}/${planned.name}`, planned);
    }
    for (const [key, planned] of current) if (!this.#raised.has(key)) await this.#create(planned);
    for (const [key, gone] of this.#raised) if (!current.has(key)) await this.#resolve(gone, now);
    this.#raised = new Map([...current].map(([key, planned]) => [key, { namespace: planned.namespace, name: planned.name }]));
  }

  async #create(planned: Planned): Promise<void> {
    const response = await this.#client.request(`/api/v1/namespaces/${planned.namespace}/events`, { method: 'POST', body: planned.body, timeoutMs: TIMEOUT_MS });
    // 409: the same finding already has its Event (an earlier audit, or another leader's).
    if (response.status >= 300 && response.status !== 409) this.#logger.warn({ event: planned.name, reason: apiErrorOf(response.status, response.body).message }, 'audit Event not created');
  }

  async #resolve(gone: { namespace: string; name: string }, now: Date): Promise<void> {
    const patch = { type: 'Normal', message: `resolved: no longer found by the audit at ${now.toISOString()}`, lastTimestamp: now.toISOString().replace(/\.\d{3}Z$/, 'Z') };
    const response = await this.#client.request(`/api/v1/namespaces/${gone.namespace}/events/${gone.name}`, { method: 'PATCH', contentType: 'application/merge-patch+json', body: patch, timeoutMs: TIMEOUT_MS });
    // 404: the Event expired (the API server keeps Events about an hour): nothing left to resolve.
    if (response.status >= 300 && response.status !== 404) this.#logger.warn({ event: gone.name, reason: apiErrorOf(response.status, response.body).message }, 'audit Event not resolved');
  }
}
