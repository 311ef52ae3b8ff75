// Break glass: an annotation on the object (certguard.io/skip-dns-check, allow-delete,
// allow-unusable, skip-issuable-check) that lets it past a policy. The developer whose object was refused can
// always add it, so it counts only for a requester an admin allowed to (verb "use" on
// breakglass.certguard.io/<policy> in the namespace), in the spirit of Kyverno's RBAC-fenced
// PolicyException. The question goes to the API server through an injected check (a
// SubjectAccessReview): the policy stays a function of what it is handed.
import { annotationOf } from '../kube/accessors.ts';
import type { KubeObject, UserInfo } from '../kube/object.ts';

export const BREAK_GLASS_GROUP = 'certguard.io';
export const BREAK_GLASS_RESOURCE = 'breakglass';
export const BREAK_GLASS_VERB = 'use';

/** May `user` use the break glass of `policy` in `namespace`? Throws a ViewReadError when it cannot tell. */
export type BreakGlassQuestion = { user: UserInfo; namespace: string; policy: string };
export type AccessCheck = (question: BreakGlassQuestion, signal: AbortSignal) => Promise<boolean>;

/**
 * annotation: the annotation alone counts (the old behaviour, and the offline commands, which
 * judge objects with no requester to ask about). rbac: only for a requester allowed to.
 */
export type BreakGlassGate = { mode: 'annotation' } | { mode: 'rbac'; clusterRole: string; isAllowed: AccessCheck };

export const ANNOTATION_ALONE: BreakGlassGate = { mode: 'annotation' };

/** One policy's break glass: its annotation, what it skips, and its message for an empty value. */
export type BreakGlassSpec = {
  policy: string;
  annotation: string;
  /** "the DNS check": for the message when the annotation is ignored. */
  skips: string;
  withoutReason: (object: string) => string;
};

/**
 * A break glass that took effect: what the admission layer makes visible (Event, metric).
 * `message` is the warning the policy returns for it (the audit reports it as its own rule).
 */
export type BreakGlassUse = { annotation: string; reason: string; user?: string; message?: string };

/** use: honour it; warning: the annotation is there but does not count, and why. */
export type BreakGlass = { use?: BreakGlassUse; warning?: string };

const userOf = (user: UserInfo | undefined): string => user?.username ?? '(unknown user)';

/** The warning when the requester may not: who may grant it, and the command. */
export const notAllowed = (spec: BreakGlassSpec, object: string, namespace: string, user: UserInfo | undefined, clusterRole: string): string =>
  `${object}: annotation ${spec.annotation} is ignored, so ${spec.skips} ran: user "${userOf(user)}" may not use certguard's break glass for ${spec.policy} in namespace "${namespace}" ` +
  `(verb ${BREAK_GLASS_VERB} on ${BREAK_GLASS_RESOURCE}.${BREAK_GLASS_GROUP} "${spec.policy}"). ` +
  `A cluster admin, or anyone who may bind ClusterRole ${clusterRole} there, grants it with "kubectl create rolebinding <name> -n ${namespace} --clusterrole=${clusterRole} --user=${userOf(user)}"`;

/** Reads the annotation on `object` and decides whether it counts for this request's user. */
export const readBreakGlass = async (
  spec: BreakGlassSpec,
  target: { object: KubeObject | undefined; description: string; namespace: string; user: UserInfo | undefined },
  gate: BreakGlassGate,
  signal: AbortSignal,
): Promise<BreakGlass> => {
  const value = annotationOf(target.object, spec.annotation);
  if (value === undefined) return {};
  const reason = value.trim();
  if (reason === '') return { warning: spec.withoutReason(target.description) };
  const use: BreakGlassUse = { annotation: spec.annotation, reason, ...(target.user?.username ? { user: target.user.username } : {}) };
  if (gate.mode === 'annotation') return { use };
  const allowed = target.user !== undefined && (await gate.isAllowed({ user: target.user, namespace: target.namespace, policy: spec.policy }, signal));
  return allowed ? { use } : { warning: notAllowed(spec, target.description, target.namespace, target.user, gate.clusterRole) };
};
