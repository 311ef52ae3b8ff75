// Whether a requester may use a policy's break glass, asked of the API server with a
// SubjectAccessReview for the request's userInfo (user, uid, groups, extra: what the authorizer
// needs to decide as it would for that user's own request). Answers are kept briefly, so a burst of
// annotated objects costs one review; a RoleBinding removed takes effect within the TTL.
import { abortedBecause, ViewReadError } from '../view.ts';
import { BREAK_GLASS_GROUP, BREAK_GLASS_RESOURCE, BREAK_GLASS_VERB, type AccessCheck, type BreakGlassQuestion } from '../../policies/break-glass.ts';
import { apiErrorOf, type ApiResponse, type RequestOptions } from './kube-client.ts';

export type Requester = { request(path: string, options: RequestOptions): Promise<ApiResponse> };

const PATH = '/apis/authorization.k8s.io/v1/subjectaccessreviews';
// 10 s: the API server's own webhook authorizer keeps answers 5 min (allowed) and 30 s (denied)
// by default (kube-apiserver --authorization-webhook-cache-*-ttl); a revoked grant should not
// outlive a few retries of kubectl.
export const ACCESS_TTL_MS = 10_000;
// Distinct (user, namespace, policy) triples kept: break glass is rare, this bounds a flood.
const MAX_ENTRIES = 1024;
// Without a review deadline (never in serve): the most one review may take.
const TIMEOUT_MS = 5000;

type Entry = { answer: Promise<boolean>; expires: number };

const keyOf = (question: BreakGlassQuestion): string =>
  JSON.stringify([question.user.username, question.user.uid, question.user.groups ?? [], question.user.extra ?? {}, question.namespace, question.policy]);

export const reviewBodyOf = (question: BreakGlassQuestion): Record<string, unknown> => ({
  apiVersion: 'authorization.k8s.io/v1',
  kind: 'SubjectAccessReview',
  spec: {
    user: question.user.username ?? '',
    ...(question.user.uid ? { uid: question.user.uid } : {}),
    groups: question.user.groups ?? [],
    ...(question.user.extra ? { extra: question.user.extra } : {}),
    resourceAttributes: {
      namespace: question.namespace,
      verb: BREAK_GLASS_VERB,
      group: BREAK_GLASS_GROUP,
      resource: BREAK_GLASS_RESOURCE,
      name: question.policy,
    },
  },
});

const what = (question: BreakGlassQuestion): string =>
  `asking the API server whether user "${question.user.username ?? ''}" may use certguard's break glass for ${question.policy} in namespace "${question.namespace}" (SubjectAccessReview)`;

const ask = async (client: Requester, question: BreakGlassQuestion, signal: AbortSignal | undefined): Promise<boolean> => {
  let response: ApiResponse;
  try {
    response = await client.request(PATH, { method: 'POST', body: reviewBodyOf(question), ...(signal ? { signal } : { timeoutMs: TIMEOUT_MS }) });
  } catch (error) {
    throw new ViewReadError(`${what(question)}: ${signal?.aborted ? abortedBecause(signal) : (error as Error).message}`);
  }
  if (response.status !== 201 && response.status !== 200) throw new ViewReadError(`${what(question)}: ${apiErrorOf(response.status, response.body).message}`);
  return (response.body as { status?: { allowed?: boolean } }).status?.allowed === true;
};

/** An AccessCheck over `client`, answers kept `ttlMs`; concurrent questions share one review, failures are not kept. */
export const createAccessReviewer = (client: Requester, options: { ttlMs?: number; now?: () => number } = {}): AccessCheck => {
  const ttl = options.ttlMs ?? ACCESS_TTL_MS;
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  return async (question, signal) => {
    const key = keyOf(question);
    const kept = entries.get(key);
    if (kept && kept.expires > now()) return kept.answer;
    entries.delete(key);
    if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
    const answer = ask(client, question, signal);
    entries.set(key, { answer, expires: now() + ttl });
    void answer.catch(() => entries.get(key)?.answer === answer && entries.delete(key));
    return answer;
  };
};
