// Runs the selected policies on one request and folds their results into one answer.
// All violations of one request go into one message (cert-manager PluginChain).
// Never throws: whatever breaks after decoding becomes an `errored` answer carrying the uid
// (controller-runtime recovers a panicking handler into Errored the same way).
import type { ClusterView } from '../cluster/view.ts';
import type { SecretWriter } from '../cluster/writer.ts';
import type { PlannedEffect, Policy, PolicyRequest, PolicyResult } from '../policies/types.ts';
import { shapeProblem } from '../kube/shape.ts';
import { allowed, denied, describeError, errored, invalid, withAuditAnnotations, withWarnings } from './responses.ts';
import type { AdmissionRequest, AdmissionResponse } from './types.ts';

export type Decision = 'allowed' | 'denied' | 'warned' | 'errored';

export type PolicyDecision = { policy: string; decision: Decision; seconds: number; reason?: string };

/** `violations` are the denial's parts (also joined into response.status.message). */
export type ReviewOutcome = { response: AdmissionResponse; decisions: PolicyDecision[]; violations: string[] };

export type ReviewDependencies = {
  view: ClusterView;
  /** Performs planned side effects (placeholder Secrets); absent = none are performed. */
  writer?: SecretWriter;
  /** Told about a policy that threw, with the error (the caller logs it, with its stack). */
  onPolicyError?: (policy: string, error: unknown) => void;
};

export const toPolicyRequest = (request: AdmissionRequest): PolicyRequest => ({
  operation: request.operation,
  kind: request.kind,
  namespace: request.namespace || undefined,
  name: request.name || undefined,
  object: request.object ?? undefined,
  oldObject: request.oldObject ?? undefined,
  dryRun: request.dryRun === true,
  userInfo: request.userInfo,
});

export const MESSAGE_SEPARATOR = '; ';

type Folded = { violations: string[]; warnings: string[]; effects: Array<{ policy: string; effect: PlannedEffect }>; audit: Record<string, string> };

/** Which policy the review is busy with, so an error thrown anywhere is blamed on the right one. */
type Step = { policy?: string; decisions: PolicyDecision[] };

const runPolicy = async (policy: Policy, request: PolicyRequest, deps: ReviewDependencies): Promise<{ result?: PolicyResult; error?: unknown; seconds: number }> => {
  const started = process.hrtime.bigint();
  const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
  try {
    const result = await policy.check(request, deps.view);
    return { result, seconds: seconds() };
  } catch (error) {
    return { error, seconds: seconds() };
  }
};

/** Creates the planned Secrets; a refused create turns into that policy's denial. */
const performEffects = async (folded: Folded, decisions: PolicyDecision[], writer: SecretWriter | undefined, step: Step): Promise<void> => {
  if (!writer) return;
  for (const { policy, effect } of folded.effects) {
    step.policy = policy;
    const outcome = await writer.createSecret(effect.secret);
    if (outcome.outcome !== 'refused') {
      folded.warnings.push(effect.warningOnCreate);
      continue;
    }
    const violation = effect.denyOnFailure.replace('{reason}', outcome.reason);
    if (effect.onFailure === 'warn') {
      folded.warnings.push(violation);
      continue;
    }
    folded.violations.push(violation);
    const decision = decisions.find((candidate) => candidate.policy === policy);
    if (decision) Object.assign(decision, { decision: 'denied', reason: [decision.reason, violation].filter(Boolean).join(MESSAGE_SEPARATOR) });
  }
};

const fold = (folded: Folded, policy: Policy, result: PolicyResult): Decision => {
  const enforcing = policy.mode !== 'warn';
  if (enforcing) folded.violations.push(...result.violations);
  else folded.warnings.push(...result.violations);
  folded.warnings.push(...result.warnings);
  folded.effects.push(...(result.effects ?? []).map((effect) => ({ policy: policy.id, effect })));
  Object.assign(folded.audit, result.auditAnnotations);
  return result.violations.length === 0 ? 'allowed' : enforcing ? 'denied' : 'warned';
};

const selectMatching = (policies: Policy[], request: PolicyRequest, step: Step): Policy[] =>
  policies.filter((policy) => {
    step.policy = policy.id;
    return policy.mode !== 'off' && policy.matches(request);
  });

/** Why the request's object (or old object) cannot be read as its kind, naming the object and field. */
export const unreadableObject = (request: AdmissionRequest): string | undefined => {
  const described = `${request.kind.kind} ${request.namespace ? `${request.namespace}/` : ''}${request.name || '(unnamed)'}`;
  const problem = request.object == null ? undefined : shapeProblem(request.kind, request.object);
  if (problem) return `cannot read ${described}: ${problem}`;
  const oldProblem = request.oldObject == null ? undefined : shapeProblem(request.kind, request.oldObject);
  return oldProblem ? `cannot read the old ${described} (oldObject): ${oldProblem}` : undefined;
};

const reviewSteps = async (request: AdmissionRequest, policies: Policy[], deps: ReviewDependencies, step: Step): Promise<ReviewOutcome> => {
  // Before any policy: a policy may assume the fields it reads have their kind's types.
  const unreadable = unreadableObject(request);
  if (unreadable) return { response: invalid(request.uid, unreadable), decisions: [], violations: [] };
  const policyRequest = toPolicyRequest(request);
  const folded: Folded = { violations: [], warnings: [], effects: [], audit: {} };
  const { decisions } = step;
  for (const policy of selectMatching(policies, policyRequest, step)) {
    step.policy = policy.id;
    const { result, error, seconds } = await runPolicy(policy, policyRequest, deps);
    if (!result) {
      decisions.push({ policy: policy.id, decision: 'errored', seconds, reason: describeError(error) });
      throw error;
    }
    const decision = fold(folded, policy, result);
    decisions.push({ policy: policy.id, decision, seconds, reason: result.violations.join(MESSAGE_SEPARATOR) || undefined });
  }
  // Side effects only for a request that will be admitted: a denied Gateway needs no placeholder.
  if (folded.violations.length === 0 && !policyRequest.dryRun) await performEffects(folded, decisions, deps.writer, step);
  step.policy = undefined;
  const base = folded.violations.length > 0 ? denied(request.uid, folded.violations.join(MESSAGE_SEPARATOR)) : allowed(request.uid);
  return { response: withAuditAnnotations(withWarnings(base, folded.warnings), folded.audit), decisions, violations: folded.violations };
};

/** The answer to a review that broke: the uid, code 500, the policy named; reported once. */
export const erroredOutcome = (uid: string, policy: string | undefined, error: unknown, decisions: PolicyDecision[] = []): ReviewOutcome => {
  const reason = describeError(error);
  const settled = decisions.some((decision) => decision.policy === policy && decision.decision === 'errored');
  const recorded = policy && !settled ? [...decisions, { policy, decision: 'errored' as const, seconds: 0, reason }] : decisions;
  return { response: errored(uid, policy ? `policy ${policy}: ${reason}` : reason), decisions: recorded, violations: [] };
};

/** Runs `policies` (already selected for this endpoint) on `request`. Never throws. */
export const review = async (request: AdmissionRequest, policies: Policy[], deps: ReviewDependencies): Promise<ReviewOutcome> => {
  const step: Step = { decisions: [] };
  try {
    return await reviewSteps(request, policies, deps, step);
  } catch (error) {
    deps.onPolicyError?.(step.policy ?? 'certguard', error);
    return erroredOutcome(request.uid, step.policy, error, step.decisions);
  }
};
