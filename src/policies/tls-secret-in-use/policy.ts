// tls-secret-in-use: refuses to delete a Secret that a Gateway or ListenerSet listener serves as
// its certificate, or a Secret or ConfigMap a Gateway's spec.tls or a BackendTLSPolicy uses (CA
// bundles, the backend client certificate), and to update it to content they cannot use
// (update.ts). The listener-side outage of incidents 000/001 starts just as well from this side: a
// clean-up `kubectl delete secret`, a GitOps prune, or cert-manager's owner-ref deletion removes
// the Secret while the listener stays.
//
// The lookup is the view's reverse index (Secret/ConfigMap → references), so an object nothing
// references (nearly every DELETE) costs one map lookup and no API call. The object arrives in
// oldObject with its data: a DELETE reads only its name and annotations, and nothing of it is
// logged or echoed.
import type { ClusterView } from '../../cluster/view.ts';
import { ANNOTATION_ALONE, readBreakGlass, type BreakGlassGate, type BreakGlassSpec } from '../break-glass.ts';
import { emptyResult, type Policy, type PolicyRequest, type PolicyResult, type ReviewContext } from '../types.ts';
import * as messages from './messages.ts';
import { TLS_SECRET_IN_USE, type TlsSecretInUseSettings } from './settings.ts';
import { systemDeletionReason, type InUseDeletionReason } from './system-users.ts';
import { isUnused, permittedUses, secretNameOf, unsyncedKinds } from './in-use.ts';
import type { Uses } from './messages.ts';
import { checkUpdate } from './update.ts';

export type TlsSecretInUseDeps = {
  /** certguard_in_use_deletions_total{reason}: an in-use Secret deleted and allowed (never on dry run). */
  recordAllowedDeletion?: (reason: InUseDeletionReason) => void;
  /** Who the allow-delete and allow-unusable annotations count for (default: the annotation alone). */
  breakGlass?: BreakGlassGate;
  /** The clock certificates are judged by on UPDATE. */
  now?: () => Date;
  /** The CA bundle kinds the Gateway controller reads (gateway-listener-tls's caCertificateRefKinds; default ConfigMap). */
  caCertificateRefKinds?: readonly string[];
};

const isCoreSecretOrConfigMap = (request: PolicyRequest): boolean =>
  request.kind.group === '' && (request.kind.kind === 'Secret' || request.kind.kind === 'ConfigMap');

/** DELETE, and UPDATE (the content check): a CREATE replaces nothing a listener or field uses. */
const isJudged = (request: PolicyRequest): boolean => isCoreSecretOrConfigMap(request) && (request.operation === 'DELETE' || request.operation === 'UPDATE');

const BREAK_GLASS: BreakGlassSpec = {
  policy: TLS_SECRET_IN_USE,
  annotation: messages.ALLOW_DELETE_ANNOTATION,
  skips: 'the in-use check',
  withoutReason: (description) => messages.allowDeleteWithoutReason(description),
};

const auditOf = (reason: InUseDeletionReason, uses: Uses): Record<string, string> => ({
  [messages.AUDIT_ALLOWED_BY]: reason,
  [messages.AUDIT_LISTENERS]: messages.describeUses(uses),
});

const checkDelete = async (request: PolicyRequest, view: ClusterView, deps: TlsSecretInUseDeps, context?: ReviewContext): Promise<PolicyResult> => {
  const secret = secretNameOf(request);
  const pending = unsyncedKinds(view);
  // Rather than guess from a partial cache (a denial could block a namespace's deletion).
  if (pending.length > 0) return { violations: [], warnings: [messages.notSynced(secret, pending)] };
  const uses = permittedUses(view, secret, deps.caCertificateRefKinds);
  if (isUnused(uses)) return emptyResult();
  const allow = (reason: InUseDeletionReason, result: PolicyResult): PolicyResult => {
    if (!request.dryRun) deps.recordAllowedDeletion?.(reason);
    return { ...result, auditAnnotations: { ...auditOf(reason, uses), ...result.auditAnnotations } };
  };
  const system = await systemDeletionReason(request, secret.namespace, view, context?.signal);
  if (system) return allow(system, emptyResult());
  const gate = deps.breakGlass ?? ANNOTATION_ALONE;
  const description = messages.describeSecret(secret);
  const breakGlass = await readBreakGlass(
    BREAK_GLASS,
    { object: request.oldObject, description, namespace: secret.namespace, user: request.userInfo },
    gate,
    context?.signal ?? new AbortController().signal,
  );
  if (breakGlass.use) {
    const warnings = [messages.deletedAnyway(secret, uses, breakGlass.use.reason)];
    return {
      ...allow('break-glass', { violations: [], warnings, auditAnnotations: { [messages.AUDIT_REASON]: breakGlass.use.reason } }),
      breakGlass: { ...breakGlass.use, message: warnings[0] },
    };
  }
  return { violations: [messages.inUse(secret, uses, gate.mode === 'rbac')], warnings: breakGlass.warning ? [breakGlass.warning] : [] };
};

export const createTlsSecretInUsePolicy = (settings: TlsSecretInUseSettings, deps: TlsSecretInUseDeps = {}): Policy => ({
  id: TLS_SECRET_IN_USE,
  mode: settings.mode,
  admission: 'validating',
  matches: isJudged,
  check: (request, view, context) =>
    request.operation === 'UPDATE'
      ? checkUpdate(request, view, { gate: deps.breakGlass ?? ANNOTATION_ALONE, now: deps.now?.() ?? new Date(), caKinds: deps.caCertificateRefKinds }, context)
      : checkDelete(request, view, deps, context),
});
