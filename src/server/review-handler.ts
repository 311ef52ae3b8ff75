// One admission request: decode, pick the policies for this endpoint, review, log, answer.
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import { review } from '../admission/complete.ts';
import { decodeReview } from '../admission/decode.ts';
import type { AdmissionRequest, AdmissionReviewResponse } from '../admission/types.ts';
import type { Policy } from '../policies/types.ts';
import type { AppOptions } from './app.ts';

export type Endpoint = 'validate' | 'mutate';

/** A mutating policy creates Secrets: only the mutating webhook may do that (sideEffects NoneOnDryRun). */
export const servedBy = (policy: Policy): Endpoint => (policy.admission === 'mutating' ? 'mutate' : 'validate');

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

export const handleReview = async (
  request: FastifyRequest,
  reply: FastifyReply,
  options: AppOptions & { endpoint: Endpoint; policyId?: string },
): Promise<FastifyReply> => {
  const decoded = decodeReview(request.body);
  if (!decoded.ok) return reply.code(400).send({ error: 'Bad Request', message: decoded.reason });
  if (options.policyId !== undefined && !options.policies.some((policy) => policy.id === options.policyId)) {
    return reply.code(404).send({ error: 'Not Found', message: `unknown policy "${options.policyId}"` });
  }
  const { review: incoming } = decoded;
  const started = process.hrtime.bigint();
  const policies = selectPolicies(options.policies, options.endpoint, options.policyId);
  const outcome = await review(incoming.request, policies, {
    view: options.view,
    writer: options.writer,
    onPolicyError: (policy, error) => request.log.error({ uid: incoming.request.uid, policy, err: { message: (error as Error)?.message } }, 'policy failed'),
  });
  for (const decision of outcome.decisions) {
    options.recordDecision?.({ ...decision, operation: incoming.request.operation, kind: incoming.request.kind.kind });
  }
  logDecision(request.log, incoming.request, {
    endpoint: options.endpoint,
    policies: outcome.decisions.map((decision) => `${decision.policy}=${decision.decision}`),
    allowed: outcome.response.allowed,
    reason: outcome.response.status?.message,
    warnings: outcome.response.warnings?.length ?? 0,
    // Break-glass skips (e.g. certguard.io/skip-dns-check) leave their reason here and in the audit log.
    audit: outcome.response.auditAnnotations,
    durationMs: Number(process.hrtime.bigint() - started) / 1e6,
  });
  const answer: AdmissionReviewResponse = { apiVersion: incoming.apiVersion, kind: 'AdmissionReview', response: outcome.response };
  return reply.code(200).send(answer);
};
