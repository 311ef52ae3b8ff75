// The policy seam. A policy is a function of (request, read-only cluster view, its settings)
// and never sees HTTP, JSON bytes, UIDs or the Kubernetes client (CONTRIBUTING.md).
import type { Finding } from '../audit/findings.ts';
import type { AuditSettings } from '../audit/settings.ts';
import type { ClusterView } from '../cluster/view.ts';
import type { GroupVersionKind, KubeObject, Operation, UserInfo } from '../kube/object.ts';
import type { BreakGlassUse } from './break-glass.ts';

/** What a policy knows about one admission request: no UID, no bytes. */
export type PolicyRequest = {
  operation: Operation;
  kind: GroupVersionKind;
  namespace?: string;
  name?: string;
  object?: KubeObject;
  oldObject?: KubeObject;
  dryRun: boolean;
  userInfo?: UserInfo;
};

/** A Secret a mutating policy wants created (placeholder mode). Executed outside the policy. */
export type PlannedSecret = {
  type: 'create-secret';
  /** Builds the Secret (key generation included): called by the admission layer only when it is
   *  really going to create it (the request is admitted and is not a dry run). */
  buildSecret: () => Promise<KubeObject>;
  /** Warning returned when the Secret was created (or already existed: a 409 is fine). */
  warningOnCreate: string;
  /** Returned when the create was refused; `{reason}` is replaced by the API's reason. */
  denyOnFailure: string;
  /** 'warn': a refused create only warns (healing a ref the request did not change must never
   *  deny it). Default 'deny'. */
  onFailure?: 'deny' | 'warn';
};

export type PlannedEffect = PlannedSecret;

export type PolicyResult = {
  /** Each a full sentence for a person: which object, which field, what is wrong, how to fix it. */
  violations: string[];
  warnings: string[];
  effects?: PlannedEffect[];
  auditAnnotations?: Record<string, string>;
  /** A break glass that took effect: the admission layer records an Event and a metric for it. */
  breakGlass?: BreakGlassUse;
};

/** enforce: deny; warn: allow with the violations as warnings; off: not run;
 *  placeholder: (gateway-listener-tls only) creates missing Secrets, so the policy is mutating. */
export type PolicyMode = 'enforce' | 'warn' | 'off' | 'placeholder';

/** What the API server calls the policy through: a mutating webhook may have side effects
 *  (sideEffects NoneOnDryRun), a validating one may not. */
export type AdmissionKind = 'validating' | 'mutating';

export type Policy = {
  /** Stable kebab-case id: appears in config, metrics, logs and webhook names. */
  readonly id: string;
  readonly mode: PolicyMode;
  /** Decides the endpoint (/mutate or /validate) and, in the chart, the webhook configuration. */
  readonly admission: AdmissionKind;
  /** Selection by group/kind/operation (and cheap object checks such as a label). */
  matches(request: PolicyRequest): boolean;
  check(request: PolicyRequest, view: ClusterView, context: ReviewContext): Promise<PolicyResult>;
  /** Its verdict when it could not decide (a read failed, the deadline passed): allow with a
   *  warning (default), or deny, as its `setting` says (certificate-dns: onLookupError). */
  readonly whenUndecided?: { verdict: 'allow' | 'deny'; setting: string };
  /** Its audit-only rules: what admission cannot see because time or a controller breaks it. */
  readonly audit?: PolicyAudit;
};

/** What an audit rule reads: the view, the audit's clock and its `audit:` settings. */
export type AuditContext = { view: ClusterView; now: Date; settings: AuditSettings };

/** A policy's rules beyond judging each object as a CREATE. The audit runs them, knowing none. */
export type PolicyAudit = {
  /** Objects this policy reports as a group in `view` (a flood is 100,000): never judged one by one. */
  groups?(object: KubeObject): boolean;
  /** Findings over the whole view at once. */
  view?(context: AuditContext): Promise<Finding[]>;
  /** Findings on one object (any kind: the rule picks its own), beyond its admission verdict. */
  object?(object: KubeObject, context: AuditContext): Promise<Finding[]>;
};

/** What one review hands every step (controller-runtime's ctx): the signal aborts when the request's
 *  deadline passes or the API server hangs up, and reaches every lookup, GET and create. */
export type ReviewContext = { signal: AbortSignal };

/** A context without a deadline: the offline check and policy tests. */
export const withoutDeadline = (): ReviewContext => ({ signal: new AbortController().signal });

export const emptyResult = (): PolicyResult => ({ violations: [], warnings: [] });
