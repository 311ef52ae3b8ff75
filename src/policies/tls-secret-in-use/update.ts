// The UPDATE side of tls-secret-in-use: a Secret or ConfigMap a listener or TLS field uses must
// stay usable. One Secret updated with a key that did not match its certificate took 19 of 32
// listeners down (Envoy Gateway #9463). The content is judged by gateway-listener-tls's judges:
// secret-content.ts for what a listener or a backend client certificate loads (type, tls.crt,
// tls.key), ca-bundle.ts for a CA bundle (ca.crt), each only when what it reads changed and some
// permitted use needs it: cert-manager renews every Secret it manages, and nothing is parsed for
// one nothing uses. Never blocks a fix: content that was already unusable for a use may change to
// anything, with a warning while it stays unusable.
import type { ClusterView } from '../../cluster/view.ts';
import type { KubeObject } from '../../kube/object.ts';
import { readBreakGlass, type BreakGlassGate, type BreakGlassSpec } from '../break-glass.ts';
import { CA_BUNDLE_KEY, caProblemAt, judgeCaBundle } from '../gateway-listener-tls/ca-bundle.ts';
import { judgeSecretContent, problemAt } from '../gateway-listener-tls/secret-content.ts';
import { emptyResult, type PolicyRequest, type PolicyResult, type ReviewContext } from '../types.ts';
import { isUnused, permittedUses, secretNameOf, unsyncedKinds } from './in-use.ts';
import * as messages from './messages.ts';
import type { SecretName, Unusable, Uses } from './messages.ts';
import { TLS_SECRET_IN_USE } from './settings.ts';

export type UpdateRun = { gate: BreakGlassGate; now: Date; caKinds?: readonly string[] };

const BREAK_GLASS: BreakGlassSpec = {
  policy: TLS_SECRET_IN_USE,
  annotation: messages.ALLOW_UNUSABLE_ANNOTATION,
  skips: 'the in-use check',
  withoutReason: (description) => messages.allowUnusableWithoutReason(description),
};

type Content = { type?: unknown; data?: Record<string, string>; stringData?: Record<string, string>; binaryData?: Record<string, string> };

const TLS_KEYS = ['tls.crt', 'tls.key'] as const;

const sameKey = (x: Content, y: Content, key: string): boolean =>
  x.data?.[key] === y.data?.[key] && x.stringData?.[key] === y.stringData?.[key] && x.binaryData?.[key] === y.binaryData?.[key];

/** What the certificate judge reads: the type and the two keys (stringData only in hand-written manifests). */
const sameCertificate = (a: KubeObject, b: KubeObject): boolean => {
  const [x, y] = [a as Content, b as Content];
  return x.type === y.type && TLS_KEYS.every((key) => sameKey(x, y, key));
};

/** What the CA bundle judge reads: "ca.crt". */
const sameCaBundle = (a: KubeObject, b: KubeObject): boolean => sameKey(a as Content, b as Content, CA_BUNDLE_KEY);

/** One judge's part of an update: the uses it speaks for, and the content's problem before and after. */
type Verdict = { uses: Uses; now?: Unusable; before?: Unusable };

/** Listeners and backend client certificates load tls.crt + tls.key (the listener judge). */
const certificateVerdict = (object: KubeObject, oldObject: KubeObject, uses: Uses, now: Date): Verdict | undefined => {
  const mine = { listeners: uses.listeners, refs: uses.refs.filter((use) => use.tlsRef.purpose === 'backend-client') };
  if (isUnused(mine) || sameCertificate(object, oldObject)) return undefined;
  const [after, before] = [problemAt(judgeSecretContent(object), now), problemAt(judgeSecretContent(oldObject), now)];
  return { uses: mine, now: after && messages.unusableCertificate(after), before: before && messages.unusableCertificate(before) };
};

/** Client and backend CA bundles load ca.crt (gateway-listener-tls's CA bundle judge). */
const caVerdict = (object: KubeObject, oldObject: KubeObject, uses: Uses, now: Date): Verdict | undefined => {
  const refs = uses.refs.filter((use) => use.tlsRef.purpose !== 'backend-client');
  const [first] = refs;
  if (!first || sameCaBundle(object, oldObject)) return undefined;
  const [after, before] = [caProblemAt(judgeCaBundle(object), now), caProblemAt(judgeCaBundle(oldObject), now)];
  return { uses: { listeners: [], refs }, now: after && messages.unusableCaBundle(after, first), before: before && messages.unusableCaBundle(before, first) };
};

type Broken = { uses: Uses; unusable: Unusable };

const denyOrBreakGlass = async (request: PolicyRequest, secret: SecretName, broken: Broken[], run: UpdateRun, signal: AbortSignal): Promise<PolicyResult> => {
  const target = { object: request.object, description: messages.describeSecret(secret), namespace: secret.namespace, user: request.userInfo };
  const breakGlass = await readBreakGlass(BREAK_GLASS, target, run.gate, signal);
  if (!breakGlass.use)
    return {
      violations: broken.map(({ uses, unusable }) => messages.unusableUpdate(secret, uses, unusable, run.gate.mode === 'rbac')),
      warnings: breakGlass.warning ? [breakGlass.warning] : [],
    };
  const reason = breakGlass.use.reason;
  const warnings = broken.map(({ uses, unusable }) => messages.updatedAnyway(secret, uses, unusable, reason));
  return {
    violations: [],
    warnings,
    auditAnnotations: { [messages.AUDIT_UNUSABLE_REASON]: reason },
    breakGlass: { ...breakGlass.use, message: warnings.join('; ') },
  };
};

export const checkUpdate = async (request: PolicyRequest, view: ClusterView, run: UpdateRun, context?: ReviewContext): Promise<PolicyResult> => {
  const { object, oldObject } = request;
  if (!object || !oldObject || (sameCertificate(object, oldObject) && sameCaBundle(object, oldObject))) return emptyResult();
  const secret = secretNameOf(request);
  const pending = unsyncedKinds(view);
  if (pending.length > 0) return { violations: [], warnings: [messages.notSynced(secret, pending, 'update')] };
  const uses = permittedUses(view, secret, run.caKinds);
  if (isUnused(uses)) return emptyResult();
  const verdicts = [
    secret.kind === 'ConfigMap' ? undefined : certificateVerdict(object, oldObject, uses, run.now),
    caVerdict(object, oldObject, uses, run.now),
  ];
  const still: string[] = [];
  const broken: Broken[] = [];
  for (const verdict of verdicts) {
    if (!verdict?.now) continue;
    if (verdict.before) still.push(messages.stillUnusable(secret, verdict.uses, verdict.now));
    else broken.push({ uses: verdict.uses, unusable: verdict.now });
  }
  if (broken.length === 0) return { violations: [], warnings: still };
  const result = await denyOrBreakGlass(request, secret, broken, run, context?.signal ?? new AbortController().signal);
  return { ...result, warnings: [...result.warnings, ...still] };
};
