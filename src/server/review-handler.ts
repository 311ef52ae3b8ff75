// One admission request: decode, pick the policies for this endpoint, review, log, answer.
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import { erroredOutcome, review, type ReviewOutcome } from '../admission/complete.ts';
import { decodeReview } from '../admission/decode.ts';
import { describeError } from '../admission/responses.ts';
import type { AdmissionRequest, AdmissionResponse, AdmissionReviewResponse } from '../admission/types.ts';
import type { Policy } from '../policies/types.ts';
import type { AppOptions } from './app.ts';

export type Endpoint = 'validate' | 'mutate';

/** Placeholder mode creates Secrets: only the mutating webhook may do that (sideEffects NoneOnDryRun). */
export const servedBy = (policy: Policy): Endpoint => (policy.mode === 'placeholder' ? 'mutate' : 'validate');

export const selectPolicies = (policies: Policy[], endpoint: Endpoint, policyId: string | undefined): Policy[] =>
  policies.filter((policy) => servedBy(policy) === endpoint && (policyId === undefined || policy.id === policyId));

const logDecision = (log: FastifyBaseLogger, request: AdmissionRequest, fields: Record<string, unknown>): void => {
  log.info(
    {
      uid: request.uid,
      operation: request.operation,
      kind: `${request.kind.group || 'core'}/${request.kind.kind}`,
      object: `${request.namespace ?? ''}/${request.name || request.object?.metadata?.generateName || ''}`,
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

type ReviewOptions = AppOptions & { endpoint: Endpoint; policyId?: string };

/** Review, metrics, log line: anything thrown here still ends in an AdmissionReview with the uid. */
const answerReview = async (request: FastifyRequest, incoming: AdmissionRequest, options: ReviewOptions): Promise<ReviewOutcome> => {
  const started = process.hrtime.bigint();
  const policies = selectPolicies(options.policies, options.endpoint, options.policyId);
  const outcome = await review(incoming, policies, {
    view: options.view,
    writer: options.writer,
    onPolicyError: (policy, error) => request.log.error({ uid: incoming.uid, policy, err: loggedError(error) }, 'policy failed'),
  });
  for (const decision of outcome.decisions) {
    options.recordDecision?.({ ...decision, operation: incoming.operation, kind: incoming.kind.kind });
  }
  logDecision(request.log, incoming, {
    endpoint: options.endpoint,
    policies: outcome.decisions.map((decision) => `${decision.policy}=${decision.decision}`),
    allowed: outcome.response.allowed,
    reason: outcome.response.status?.message,
    warnings: outcome.response.warnings?.length ?? 0,
    // Break-glass skips (e.g. certguard.io/skip-dns-check) leave their reason here and in the audit log.
    audit: outcome.response.auditAnnotations,
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
  try {
    response = (await answerReview(request, incoming.request, options)).response;
  } catch (error) {
    request.log.error({ uid: incoming.request.uid, err: loggedError(error) }, 'review failed after decoding');
    response = erroredOutcome(incoming.request.uid, undefined, error).response;
  }
  const answer: AdmissionReviewResponse = { apiVersion: incoming.apiVersion, kind: 'AdmissionReview', response };
  return reply.code(200).send(answer);
};
