// Runs the selected policies on one request and folds their results into one answer.
// All violations of one request go into one message (cert-manager PluginChain).
import type { ClusterView } from '../cluster/view.ts';
import type { SecretWriter } from '../cluster/writer.ts';
import type { PlannedEffect, Policy, PolicyRequest, PolicyResult } from '../policies/types.ts';
import { allowed, denied, describeError, errored, withAuditAnnotations, withWarnings } from './responses.ts';
import type { AdmissionRequest, AdmissionResponse } from './types.ts';

export type Decision = 'allowed' | 'denied' | 'warned' | 'errored';

export type PolicyDecision = { policy: string; decision: Decision; seconds: number; reason?: string };

/** `violations` are the denial's parts (also joined into response.status.message). */
export type ReviewOutcome = { response: AdmissionResponse; decisions: PolicyDecision[]; violations: string[] };

export type ReviewDependencies = {
  view: ClusterView;
  /** Performs planned side effects (placeholder Secrets); absent = none are performed. */
  writer?: SecretWriter;
  /** Told about a policy that threw, with the error (the caller logs it). */
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

const runPolicy = async (policy: Policy, request: PolicyRequest, deps: ReviewDependencies): Promise<{ result?: PolicyResult; error?: unknown; seconds: number }> => {
  const started = process.hrtime.bigint();
  const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
  try {
    const result = await policy.check(request, deps.view);
    return { result, seconds: seconds() };
  } catch (error) {
    deps.onPolicyError?.(policy.id, error);
    return { error, seconds: seconds() };
  }
};

/** Creates the planned Secrets; a refused create turns into that policy's denial. */
const performEffects = async (folded: Folded, decisions: PolicyDecision[], writer: SecretWriter | undefined): Promise<void> => {
  if (!writer) return;
  for (const { policy, effect } of folded.effects) {
    const outcome = await writer.createSecret(await effect.buildSecret());
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

/** Runs `policies` (already selected for this endpoint) on `request`. Never throws. */
export const review = async (request: AdmissionRequest, policies: Policy[], deps: ReviewDependencies): Promise<ReviewOutcome> => {
  const policyRequest = toPolicyRequest(request);
  const folded: Folded = { violations: [], warnings: [], effects: [], audit: {} };
  const decisions: PolicyDecision[] = [];
  const selected = policies.filter((policy) => policy.mode !== 'off' && policy.matches(policyRequest));
  for (const policy of selected) {
    const { result, error, seconds } = await runPolicy(policy, policyRequest, deps);
    if (!result) {
      decisions.push({ policy: policy.id, decision: 'errored', seconds, reason: describeError(error) });
      return { response: errored(request.uid, `policy ${policy.id}: ${describeError(error)}`), decisions, violations: [] };
    }
    const enforcing = policy.mode !== 'warn';
    if (enforcing) folded.violations.push(...result.violations);
    else folded.warnings.push(...result.violations);
    folded.warnings.push(...result.warnings);
    folded.effects.push(...(result.effects ?? []).map((effect) => ({ policy: policy.id, effect })));
    Object.assign(folded.audit, result.auditAnnotations);
    const decision: Decision = result.violations.length === 0 ? 'allowed' : enforcing ? 'denied' : 'warned';
    decisions.push({ policy: policy.id, decision, seconds, reason: result.violations.join(MESSAGE_SEPARATOR) || undefined });
  }
  // Side effects only for a request that will be admitted: a denied Gateway needs no placeholder.
  if (folded.violations.length === 0 && !policyRequest.dryRun) await performEffects(folded, decisions, deps.writer);
  const base = folded.violations.length > 0 ? denied(request.uid, folded.violations.join(MESSAGE_SEPARATOR)) : allowed(request.uid);
  return { response: withAuditAnnotations(withWarnings(base, folded.warnings), folded.audit), decisions, violations: folded.violations };
};
