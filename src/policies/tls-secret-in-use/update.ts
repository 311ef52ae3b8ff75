// The UPDATE side of tls-secret-in-use: a Secret a listener serves must stay usable. One Secret
// updated with a key that did not match its certificate took 19 of 32 listeners down (Envoy
// Gateway #9463). The content is judged by gateway-listener-tls's judge, only for a Secret in use
// whose tls.crt, tls.key or type changed: cert-manager renews every Secret it manages, and
// nothing is parsed for one no listener serves. Never blocks a fix: content that was already
// unusable may change to anything, with a warning while it stays unusable.
import type { ClusterView, ListenerUse } from '../../cluster/view.ts';
import type { KubeObject } from '../../kube/object.ts';
import { readBreakGlass, type BreakGlassGate, type BreakGlassSpec } from '../break-glass.ts';
import { judgeSecretContent, problemAt, type ContentProblem } from '../gateway-listener-tls/secret-content.ts';
import { emptyResult, type PolicyRequest, type PolicyResult, type ReviewContext } from '../types.ts';
import { permittedUses, secretNameOf, unsyncedKinds } from './in-use.ts';
import * as messages from './messages.ts';
import type { SecretName } from './messages.ts';
import { TLS_SECRET_IN_USE } from './settings.ts';

export type UpdateRun = { gate: BreakGlassGate; now: Date };

const BREAK_GLASS: BreakGlassSpec = {
  policy: TLS_SECRET_IN_USE,
  annotation: messages.ALLOW_UNUSABLE_ANNOTATION,
  skips: 'the in-use check',
  withoutReason: (description) => messages.allowUnusableWithoutReason(description),
};

type Content = { type?: unknown; data?: Record<string, string>; stringData?: Record<string, string> };

const TLS_KEYS = ['tls.crt', 'tls.key'] as const;

/** What the judge reads: the type and the two keys (stringData only in hand-written manifests). */
const sameContent = (a: KubeObject, b: KubeObject): boolean => {
  const [x, y] = [a as Content, b as Content];
  return x.type === y.type && TLS_KEYS.every((key) => x.data?.[key] === y.data?.[key] && x.stringData?.[key] === y.stringData?.[key]);
};

const problemOf = (secret: KubeObject, now: Date): ContentProblem | undefined => problemAt(judgeSecretContent(secret), now);

const denyOrBreakGlass = async (
  request: PolicyRequest,
  secret: SecretName,
  uses: ListenerUse[],
  problem: ContentProblem,
  run: UpdateRun,
  signal: AbortSignal,
): Promise<PolicyResult> => {
  const target = { object: request.object, description: messages.describeSecret(secret), namespace: secret.namespace, user: request.userInfo };
  const breakGlass = await readBreakGlass(BREAK_GLASS, target, run.gate, signal);
  if (!breakGlass.use)
    return { violations: [messages.unusableUpdate(secret, uses, problem, run.gate.mode === 'rbac')], warnings: breakGlass.warning ? [breakGlass.warning] : [] };
  const warning = messages.updatedAnyway(secret, uses, problem, breakGlass.use.reason);
  return {
    violations: [],
    warnings: [warning],
    auditAnnotations: { [messages.AUDIT_UNUSABLE_REASON]: breakGlass.use.reason },
    breakGlass: { ...breakGlass.use, message: warning },
  };
};

export const checkUpdate = async (request: PolicyRequest, view: ClusterView, run: UpdateRun, context?: ReviewContext): Promise<PolicyResult> => {
  const { object, oldObject } = request;
  if (!object || !oldObject || sameContent(object, oldObject)) return emptyResult();
  const secret = secretNameOf(request);
  const pending = unsyncedKinds(view);
  if (pending.length > 0) return { violations: [], warnings: [messages.notSynced(secret, pending, 'update')] };
  const uses = permittedUses(view, secret);
  if (uses.length === 0) return emptyResult();
  const problem = problemOf(object, run.now);
  if (!problem) return emptyResult();
  if (problemOf(oldObject, run.now)) return { violations: [], warnings: [messages.stillUnusable(secret, uses, problem)] };
  return denyOrBreakGlass(request, secret, uses, problem, run, context?.signal ?? new AbortController().signal);
};
