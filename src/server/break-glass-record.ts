// Every break glass that took effect is seen where admins look: the audit annotation (the policy
// sets it), the decision log, the metric certguard_break_glass_total{policy,namespace}, and a
// Warning Event on the object (`kubectl describe`, `kubectl get events`). The Event is posted
// after the answer and never delays or changes it; a refused post is logged.
import { hostname } from 'node:os';
import type { FastifyBaseLogger } from 'fastify';
import type { PolicyBreakGlass } from '../admission/complete.ts';
import type { AdmissionRequest } from '../admission/types.ts';
import { apiErrorOf, type ApiResponse, type RequestOptions } from '../cluster/live/kube-client.ts';

export const BREAK_GLASS_EVENT_REASON = 'CertguardBreakGlass';
// events.k8s.io caps a note at 1 kB; core Events are kept to the same (as the audit's).
const MAX_MESSAGE = 1024;
// One small create; nothing waits on it.
const TIMEOUT_MS = 5000;

export type Requester = { request(path: string, options: RequestOptions): Promise<ApiResponse> };

export type BreakGlassRecorder = (use: PolicyBreakGlass, request: AdmissionRequest, log: FastifyBaseLogger) => void;

/** The object the request is about: on DELETE the old object (the one that goes). */
const involvedObjectOf = (request: AdmissionRequest): Record<string, string> => {
  const object = request.operation === 'DELETE' ? request.oldObject : request.object;
  const { group, version, kind } = request.kind;
  const name = object?.metadata?.name ?? request.name ?? '';
  return {
    apiVersion: group ? `${group}/${version}` : version,
    kind,
    ...(request.namespace ? { namespace: request.namespace } : {}),
    name,
    // A validating webhook sees the UID the API server gave a new object, so kubectl describe finds the Event.
    ...(object?.metadata?.uid ? { uid: object.metadata.uid } : {}),
  };
};

export const breakGlassMessage = (use: PolicyBreakGlass): string => {
  const message = `${use.policy} let this through for user "${use.user ?? '(unknown)'}" because of ${use.annotation}: "${use.reason}"`;
  return message.length <= MAX_MESSAGE ? message : `${message.slice(0, MAX_MESSAGE - 3)}...`;
};

export const breakGlassEventOf = (use: PolicyBreakGlass, request: AdmissionRequest, now: Date, instance: string): Record<string, unknown> => {
  const involvedObject = involvedObjectOf(request);
  const time = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    apiVersion: 'v1',
    kind: 'Event',
    // One Event per use: generateName, never deduplicated (each use is a person's decision).
    metadata: { generateName: `${involvedObject.name?.slice(0, 200)}.certguard-break-glass.`, namespace: request.namespace || 'default' },
    involvedObject,
    reason: BREAK_GLASS_EVENT_REASON,
    message: breakGlassMessage(use),
    type: 'Warning',
    source: { component: 'certguard' },
    reportingComponent: 'certguard',
    reportingInstance: instance,
    firstTimestamp: time,
    lastTimestamp: time,
    count: 1,
  };
};

export type BreakGlassRecorderOptions = {
  /** Absent (serve --manifests): no Events, only the metric and the log. */
  client?: Requester;
  count: (policy: string, namespace: string) => void;
  now?: () => Date;
};

export const createBreakGlassRecorder = (options: BreakGlassRecorderOptions): BreakGlassRecorder => {
  const instance = hostname();
  return (use, request, log) => {
    const namespace = request.namespace || '';
    options.count(use.policy, namespace);
    if (!options.client) return;
    const event = breakGlassEventOf(use, request, options.now?.() ?? new Date(), instance);
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace || 'default')}/events`;
    const warn = (reason: string) => log.warn({ uid: request.uid, policy: use.policy, reason }, 'break glass: could not post its Event');
    void options.client.request(path, { method: 'POST', body: event, timeoutMs: TIMEOUT_MS }).then(
      (response) => (response.status >= 300 ? warn(apiErrorOf(response.status, response.body).message) : undefined),
      (error: unknown) => warn((error as Error).message),
    );
  };
};
