// Runs the selected policies on one request and folds their results into one answer.
// All violations of one request go into one message (cert-manager PluginChain).
// Never throws: whatever breaks after decoding becomes an `errored` answer carrying the uid
// (controller-runtime recovers a panicking handler into Errored the same way).
import type { ClusterView } from '../cluster/view.ts';
import { abortedBecause, ViewReadError, withSignal } from '../cluster/view.ts';
import type { CreateOutcome, SecretWriter } from '../cluster/writer.ts';
import type { BreakGlassUse } from '../policies/break-glass.ts';
import type { PlannedEffect, Policy, PolicyRequest, PolicyResult } from '../policies/types.ts';
import { shapeProblem } from '../kube/shape.ts';
import { allowed, denied, describeError, errored, invalid, withAuditAnnotations, withWarnings } from './responses.ts';
import type { AdmissionRequest, AdmissionResponse } from './types.ts';

/** undecided: the policy could not decide (a read failed, the deadline passed) and gave its verdict for that. */
export type Decision = 'allowed' | 'denied' | 'warned' | 'undecided' | 'errored';

/** `deadlineExceeded`: the review's deadline cut this policy (or its side effect) short. */
export type PolicyDecision = { policy: string; decision: Decision; seconds: number; reason?: string; deadlineExceeded?: boolean };

/** A break glass that took effect in this review, and the policy it skipped. */
export type PolicyBreakGlass = BreakGlassUse & { policy: string };

/** `violations` are the denial's parts (also joined into response.status.message). */
export type ReviewOutcome = { response: AdmissionResponse; decisions: PolicyDecision[]; violations: string[]; breakGlass: PolicyBreakGlass[] };

export type ReviewDependencies = {
  view: ClusterView;
  /** Performs planned side effects (placeholder Secrets); absent = none are performed. */
  writer?: SecretWriter;
  /** Told about a policy that threw, with the error (the caller logs it, with its stack). */
  onPolicyError?: (policy: string, error: unknown) => void;
  /** Aborts at the review's deadline or when the client hangs up; absent = no deadline (the offline check). */
  signal?: AbortSignal;
  /** The deadline, for the "could not decide" message. */
  deadlineMs?: number;
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

type Folded = {
  violations: string[];
  warnings: string[];
  effects: Array<{ policy: string; effect: PlannedEffect }>;
  audit: Record<string, string>;
  breakGlass: PolicyBreakGlass[];
};

/** Which policy the review is busy with, so an error thrown anywhere is blamed on the right one. */
type Step = { policy?: string; decisions: PolicyDecision[] };

// When the signal aborts, a policy whose reads were aborted with it settles within microtasks,
// saying what it could not read; this is how long certguard waits for that before answering
// without it. Far below the margin between --request-timeout and the webhook's timeoutSeconds.
const DEADLINE_GRACE_MS = 20;

const CUT = Symbol('cut short');

/** `work`'s outcome, or CUT when `signal` aborted and `work` did not settle within the grace. */
const untilAborted = <T>(work: Promise<T>, signal: AbortSignal): Promise<T | typeof CUT> =>
  new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      timer = setTimeout(() => resolve(CUT), DEADLINE_GRACE_MS);
    };
    const settle = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => (settle(), resolve(value)),
      (error: unknown) => (settle(), reject(error)),
    );
  });

/** The deadline (not a hung-up client) aborted the signal. */
const isDeadline = (signal: AbortSignal): boolean => signal.aborted && (signal.reason as { name?: string } | undefined)?.name === 'TimeoutError';

type Ran = { seconds: number; cut: boolean } & ({ result: PolicyResult } | { undecided: string } | { error: unknown });

const runPolicy = async (policy: Policy, request: PolicyRequest, deps: ReviewDependencies, signal: AbortSignal): Promise<Ran> => {
  const started = process.hrtime.bigint();
  const finished = () => ({ seconds: Number(process.hrtime.bigint() - started) / 1e9, cut: isDeadline(signal) });
  try {
    const settled = await untilAborted(policy.check(request, withSignal(deps.view, signal), { signal }), signal);
    if (settled === CUT) return { ...finished(), undecided: cutShort(deps, signal) };
    return { ...finished(), result: settled };
  } catch (error) {
    // A read that failed, or anything aborted by the deadline: the policy could not decide. Not a bug.
    if (error instanceof ViewReadError) return { ...finished(), undecided: describeError(error) };
    if (signal.aborted) return { ...finished(), undecided: cutShort(deps, signal) };
    return { ...finished(), error };
  }
};

const cutShort = (deps: ReviewDependencies, signal: AbortSignal): string =>
  isDeadline(signal) && deps.deadlineMs !== undefined
    ? `the ${deps.deadlineMs} ms review deadline (--request-timeout) passed before it finished`
    : `it could not finish: ${abortedBecause(signal)}`;

/** A policy that could not decide: allow with a warning, or deny, as the policy's setting says. */
const undecidedResult = (policy: Policy, what: string): PolicyResult => {
  const verdict = policy.whenUndecided ?? { verdict: 'allow', setting: '' };
  if (verdict.verdict === 'deny') {
    return { violations: [`${policy.id} could not decide and denies what it cannot check (${verdict.setting}: deny): ${what}. Try again later`], warnings: [] };
  }
  return { violations: [], warnings: [`${policy.id} could not decide, so this request was admitted without its check: ${what}`] };
};

/** A create not started when time is up is not started: no Secret appears after the answer. */
const createWithin = async (writer: SecretWriter, effect: PlannedEffect, signal: AbortSignal): Promise<CreateOutcome & { cut?: boolean }> => {
  if (signal.aborted) return { outcome: 'refused', reason: `certguard did not start it: ${abortedBecause(signal)}`, cut: true };
  // The key is generated here, only for a Secret that is really going to be created.
  const secret = await untilAborted(effect.buildSecret(), signal);
  if (secret === CUT || signal.aborted) return { outcome: 'refused', reason: `certguard did not start it: ${abortedBecause(signal)}`, cut: true };
  const settled = await untilAborted(writer.createSecret(secret, { signal }), signal);
  if (settled === CUT) return { outcome: 'refused', reason: `the create was abandoned: ${abortedBecause(signal)}`, cut: true };
  return signal.aborted ? { ...settled, cut: true } : settled;
};

/** Creates the planned Secrets; a refused create turns into that policy's denial. */
const performEffects = async (folded: Folded, writer: SecretWriter | undefined, step: Step, signal: AbortSignal): Promise<void> => {
  if (!writer) return;
  for (const { policy, effect } of folded.effects) {
    step.policy = policy;
    const outcome = await createWithin(writer, effect, signal);
    const decision = step.decisions.find((candidate) => candidate.policy === policy);
    if (outcome.cut && decision) decision.deadlineExceeded = isDeadline(signal);
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
  if (result.breakGlass) folded.breakGlass.push({ ...result.breakGlass, policy: policy.id });
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
  if (unreadable) return { response: invalid(request.uid, unreadable), decisions: [], violations: [], breakGlass: [] };
  const policyRequest = toPolicyRequest(request);
  const folded: Folded = { violations: [], warnings: [], effects: [], audit: {}, breakGlass: [] };
  const { decisions } = step;
  const signal = deps.signal ?? new AbortController().signal;
  const selected = selectMatching(policies, policyRequest, step);
  // In parallel: policies are independent, and each gets all the time that is left.
  const runs = await Promise.all(selected.map((policy) => runPolicy(policy, policyRequest, deps, signal)));
  selected.forEach((policy, index) => {
    const ran = runs[index] as Ran;
    step.policy = policy.id;
    if ('error' in ran) {
      decisions.push({ policy: policy.id, decision: 'errored', seconds: ran.seconds, reason: describeError(ran.error) });
      throw ran.error;
    }
    const result = 'result' in ran ? ran.result : undecidedResult(policy, ran.undecided);
    const outcome = fold(folded, policy, result);
    const decision: Decision = 'undecided' in ran ? 'undecided' : outcome;
    const reason = [...result.violations, ...('undecided' in ran ? result.warnings : [])].join(MESSAGE_SEPARATOR) || undefined;
    decisions.push({ policy: policy.id, decision, seconds: ran.seconds, reason, ...(ran.cut ? { deadlineExceeded: true } : {}) });
  });
  // Side effects only for a request that will be admitted: a denied Gateway needs no placeholder.
  if (folded.violations.length === 0 && !policyRequest.dryRun) await performEffects(folded, deps.writer, step, signal);
  step.policy = undefined;
  const base = folded.violations.length > 0 ? denied(request.uid, folded.violations.join(MESSAGE_SEPARATOR)) : allowed(request.uid);
  return {
    response: withAuditAnnotations(withWarnings(base, folded.warnings), folded.audit),
    decisions,
    violations: folded.violations,
    breakGlass: folded.breakGlass,
  };
};

/** The answer to a review that broke: the uid, code 500, the policy named; reported once. */
export const erroredOutcome = (uid: string, policy: string | undefined, error: unknown, decisions: PolicyDecision[] = []): ReviewOutcome => {
  const reason = describeError(error);
  const settled = decisions.some((decision) => decision.policy === policy && decision.decision === 'errored');
  const recorded = policy && !settled ? [...decisions, { policy, decision: 'errored' as const, seconds: 0, reason }] : decisions;
  return { response: errored(uid, policy ? `policy ${policy}: ${reason}` : reason), decisions: recorded, violations: [], breakGlass: [] };
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
