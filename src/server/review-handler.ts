// One admission request: decode, pick the policies for this endpoint, review, log, answer.
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import { erroredOutcome, review, type ReviewOutcome } from '../admission/complete.ts';
import { decodeReview } from '../admission/decode.ts';
import { describeError } from '../admission/responses.ts';
import type { AdmissionRequest, AdmissionResponse, AdmissionReviewResponse } from '../admission/types.ts';
import type { Policy } from '../policies/types.ts';
import type { AppOptions } from './app.ts';
import { DEFAULT_REVIEW_DEADLINE_MS } from './limits.ts';

export type Endpoint = 'validate' | 'mutate';

/** A mutating policy creates Secrets: only the mutating webhook may do that (sideEffects NoneOnDryRun). */
export const servedBy = (policy: Policy): Endpoint => (policy.admission === 'mutating' ? 'mutate' : 'validate');

export const selectPolicies = (policies: Policy[], endpoint: Endpoint, policyId: string | undefined): Policy[] =>
  policies.filter((policy) => servedBy(policy) === endpoint && (policyId === undefined || policy.id === policyId));

const logDecision = (log: FastifyBaseLogger, reqId: string, request: AdmissionRequest, fields: Record<string, unknown>): void => {
  log.info(
    {
      reqId,
      uid: request.uid,
      operation: request.operation,
      kind: `${request.kind.group || 'core'}/${request.kind.kind}`,
      // A DeleteCollection's per-object DELETE has no name: the deleted object (oldObject) has it.
      object: `${request.namespace ?? ''}/${request.name || request.oldObject?.metadata?.name || request.object?.metadata?.generateName || ''}`,
      user: request.userInfo?.username,
      dryRun: request.dryRun === true,
      ...fields,
    },
    'admission decision',
  );
};

/** The error as the log shows it once: message and stack (never in an answer). */
const loggedError = (error: unknown): Record<string, unknown> =>
  error instanceof Error ? { message: error.message, stack: error.stack } : { message: describeError(error) };

type ReviewOptions = AppOptions & { endpoint: Endpoint; policyId?: string; decisionLog: FastifyBaseLogger };

type Deadline = { signal: AbortSignal; deadlineMs: number; done: () => void };

/**
 * The review's one signal (controller-runtime's ctx): it aborts when the deadline passes or the
 * client (the API server) hangs up, whichever comes first (the first reason stays). `done` clears
 * the timer. One controller for both: AbortSignal.any would add a second signal per review.
 */
const startDeadline = (reply: FastifyReply, deadlineMs: number): Deadline => {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException(`the ${deadlineMs} ms review deadline passed`, 'TimeoutError')), deadlineMs);
  const onClose = () => {
    if (!reply.raw.writableFinished) controller.abort(new DOMException('the client closed the connection', 'AbortError'));
  };
  reply.raw.once('close', onClose);
  return {
    signal: controller.signal,
    deadlineMs,
    done: () => {
      clearTimeout(timer);
      reply.raw.off('close', onClose);
    },
  };
};

/** For the log line: which policies the deadline cut short. */
const deadlineNote = (outcome: ReviewOutcome, deadlineMs: number): string | undefined => {
  const cut = outcome.decisions.filter((decision) => decision.deadlineExceeded).map((decision) => decision.policy);
  return cut.length > 0 ? `the ${deadlineMs} ms deadline cut the review short: ${cut.join(', ')} could not finish` : undefined;
};

/** Review, metrics, log line: anything thrown here still ends in an AdmissionReview with the uid. */
const answerReview = async (request: FastifyRequest, incoming: AdmissionRequest, options: ReviewOptions, deadline: Deadline): Promise<ReviewOutcome> => {
  const started = process.hrtime.bigint();
  const policies = selectPolicies(options.policies, options.endpoint, options.policyId);
  const outcome = await review(incoming, policies, {
    view: options.view,
    writer: options.writer,
    signal: deadline.signal,
    deadlineMs: deadline.deadlineMs,
    onPolicyError: (policy, error) => request.log.error({ uid: incoming.uid, policy, err: loggedError(error) }, 'policy failed'),
  });
  for (const decision of outcome.decisions) {
    options.recordDecision?.({ ...decision, operation: incoming.operation, kind: incoming.kind.kind });
  }
  // A break glass in a denied request let nothing through; a dry run changes nothing.
  if (outcome.response.allowed && incoming.dryRun !== true) {
    for (const use of outcome.breakGlass) options.recordBreakGlass?.(use, incoming, request.log);
  }
  logDecision(options.decisionLog, request.id, incoming, {
    endpoint: options.endpoint,
    policies: outcome.decisions.map((decision) => `${decision.policy}=${decision.decision}`),
    allowed: outcome.response.allowed,
    reason: outcome.response.status?.message,
    warnings: outcome.response.warnings?.length ?? 0,
    // Break-glass skips (e.g. certguard.io/skip-dns-check) leave their reason here and in the audit log.
    audit: outcome.response.auditAnnotations,
    deadline: deadlineNote(outcome, deadline.deadlineMs),
    durationMs: Number(process.hrtime.bigint() - started) / 1e6,
  });
  return outcome;
};

export const handleReview = async (request: FastifyRequest, reply: FastifyReply, options: ReviewOptions): Promise<FastifyReply> => {
  const decoded = decodeReview(request.body);
  if (!decoded.ok) return reply.code(400).send({ error: 'Bad Request', message: decoded.reason });
  if (options.policyId !== undefined && !options.policies.some((policy) => policy.id === options.policyId)) {
    return reply.code(404).send({ error: 'Not Found', message: `unknown policy "${options.policyId}"` });
  }
  const { review: incoming } = decoded;
  let response: AdmissionResponse;
  const deadline = startDeadline(reply, options.reviewDeadlineMs ?? DEFAULT_REVIEW_DEADLINE_MS);
  try {
    response = (await answerReview(request, incoming.request, options, deadline)).response;
  } catch (error) {
    request.log.error({ uid: incoming.request.uid, err: loggedError(error) }, 'review failed after decoding');
    response = erroredOutcome(incoming.request.uid, undefined, error).response;
  } finally {
    deadline.done();
  }
  const answer: AdmissionReviewResponse = { apiVersion: incoming.apiVersion, kind: 'AdmissionReview', response };
  return reply.code(200).send(answer);
};
