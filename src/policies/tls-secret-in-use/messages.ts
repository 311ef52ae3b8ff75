// The tls-secret-in-use messages: user-facing API, asserted exactly by policy.test.ts.
// One line each, and no "; " inside: complete.ts joins the violations of one request with it.
// Never Secret data: only the object's namespace/name, the listeners' names and hostnames, and the
// fields that reference it.
import type { ListenerUse, TlsRefUse, UsedKind } from '../../cluster/view.ts';
import type { CaBundleProblem } from '../gateway-listener-tls/ca-bundle.ts';
import { describeProblem } from '../gateway-listener-tls/messages.ts';
import type { ContentProblem } from '../gateway-listener-tls/secret-content.ts';
import { describeCaProblem } from '../gateway-listener-tls/tls-ref-messages.ts';

/** The break glass: a Secret annotated with a reason may be deleted while in use. */
export const ALLOW_DELETE_ANNOTATION = 'certguard.io/allow-delete';

/** The break glass of an UPDATE: a Secret annotated with a reason may be updated to unusable content while in use. */
export const ALLOW_UNUSABLE_ANNOTATION = 'certguard.io/allow-unusable';

/** Audit annotation keys (the API server prefixes them with the webhook's name). */
export const AUDIT_ALLOWED_BY = 'in-use-delete-allowed-by';
export const AUDIT_LISTENERS = 'in-use-delete-listeners';
export const AUDIT_REASON = 'allow-delete-reason';
export const AUDIT_UNUSABLE_REASON = 'allow-unusable-reason';

/** The Secret or ConfigMap a request is about (kind: Secret when absent). */
export type SecretName = { kind?: UsedKind; namespace: string; name: string };

/** What uses the object: listeners (Secrets only) and fields outside the listeners, each permitted. */
export type Uses = { listeners: ListenerUse[]; refs: TlsRefUse[] };

const kindWord = (object: SecretName): string => (object.kind === 'ConfigMap' ? 'configmap' : 'secret');

const secretOf = (secret: SecretName): string => `${kindWord(secret)} "${secret.namespace}/${secret.name}"`;

/** `secret "ns/name"` or `configmap "ns/name"`: how the break glass messages name it. */
export const describeSecret = secretOf;

/** `Gateway traefik/web listener "websecure" (hostname app.example.com)`. */
export const describeUse = (use: ListenerUse): string =>
  `${use.owner.kind} ${use.owner.namespace}/${use.owner.name} listener "${use.listener.name}" ` +
  `(${use.listener.hostname === undefined ? 'any hostname' : `hostname ${use.listener.hostname}`})`;

const ROLES: Record<TlsRefUse['tlsRef']['purpose'], string> = {
  'client-ca': 'client CA bundle',
  'backend-ca': 'backend CA bundle',
  'backend-client': 'backend client certificate',
};

/** `Gateway traefik/web spec.tls.frontend.default.validation.caCertificateRefs[0] (client CA bundle)`. */
export const describeRefUse = ({ owner, tlsRef }: TlsRefUse): string =>
  `${owner.kind} ${owner.namespace}/${owner.name} ${tlsRef.field} (${ROLES[tlsRef.purpose]})`;

/** Every use as the messages list them, for the audit annotation. */
export const describeUses = (uses: Uses): string => [...uses.listeners.map(describeUse), ...uses.refs.map(describeRefUse)].join(', ');

const counted = (count: number, one: string, many: string): string => (count === 1 ? `a ${one}` : `${count} ${many}`);

const usedBy = (secret: SecretName, { listeners, refs }: Uses): string => {
  const parts = [
    ...(listeners.length > 0
      ? [`is the certificate of ${counted(listeners.length, 'TLS listener', 'TLS listeners')}: ${listeners.map(describeUse).join(', ')}`]
      : []),
    ...(refs.length > 0 ? [`is referenced by ${counted(refs.length, 'TLS field', 'TLS fields')}: ${refs.map(describeRefUse).join(', ')}`] : []),
  ];
  return `${secretOf(secret)} ${parts.join(', and ')}`;
};

/** `that listener`, `those listeners and that field`, …: what loses the object. */
const them = ({ listeners, refs }: Uses): string =>
  [
    ...(listeners.length === 0 ? [] : [listeners.length === 1 ? 'that listener' : 'those listeners']),
    ...(refs.length === 0 ? [] : [refs.length === 1 ? 'that field' : 'those fields']),
  ].join(' and ');

/** `the listener`, `the listeners and the field`, …: what to remove or change first. */
const theUsers = ({ listeners, refs }: Uses): string =>
  [
    ...(listeners.length === 0 ? [] : [listeners.length === 1 ? 'the listener' : 'the listeners']),
    ...(refs.length === 0 ? [] : [refs.length === 1 ? 'the field' : 'the fields']),
  ].join(' and ');

const withoutIt = ({ listeners, refs }: Uses): string =>
  [
    ...(listeners.length === 0 ? [] : [listeners.length === 1 ? 'that listener has no certificate to serve' : 'those listeners have no certificate to serve']),
    ...(refs.length === 0 ? [] : [refs.length === 1 ? 'that field does not resolve' : 'those fields do not resolve']),
  ].join(' and ');

const reasonGoesTo = (secret: SecretName, gated: boolean): string =>
  gated
    ? `(it counts only for a user allowed verb use on breakglass.certguard.io "tls-secret-in-use" in namespace "${secret.namespace}", and the reason goes to certguard's decision log and the audit log).`
    : "(the reason goes to certguard's decision log and the audit log).";

/** gated: the annotation counts only for a user allowed certguard's break glass (breakGlass.authorization: rbac). */
export const inUse = (secret: SecretName, uses: Uses, gated: boolean): string =>
  `${usedBy(secret, uses)}. Without it ${withoutIt(uses)}. ` +
  `Remove or change ${theUsers(uses)} first, or delete it anyway after ` +
  `"kubectl annotate ${kindWord(secret)} ${secret.name} -n ${secret.namespace} ${ALLOW_DELETE_ANNOTATION}='<reason>'" ${reasonGoesTo(secret, gated)}`;

export const deletedAnyway = (secret: SecretName, uses: Uses, reason: string): string =>
  `${usedBy(secret, uses)}: deleted anyway (${ALLOW_DELETE_ANNOTATION}: ${JSON.stringify(reason)})`;

export const allowDeleteWithoutReason = (secret: string): string =>
  `${secret} has the annotation ${ALLOW_DELETE_ANNOTATION} without a reason, so it does not count: give one, e.g. ${ALLOW_DELETE_ANNOTATION}='certificate moved to app-tls-2'`;

export const notSynced = (secret: SecretName, pending: string[], operation: 'delete' | 'update' = 'delete'): string =>
  `${secretOf(secret)} was not checked for ${secret.kind === 'ConfigMap' ? 'TLS fields' : 'TLS listeners and fields'} that use it: certguard's ${pending.join(' and ')} cache is not synced yet, so the ${operation} is allowed`;

/** The Secret field a content problem is in. */
const fieldOf = (problem: ContentProblem): string => {
  switch (problem.code) {
    case 'wrong-type':
      return 'type';
    case 'missing-keys':
      return problem.keys.map((key) => `data.${key}`).join(' and ');
    case 'bad-key':
    case 'key-mismatch':
      return 'data.tls.key';
    default:
      return 'data.tls.crt';
  }
};

/** What is wrong with the updated content, as `<field>: <what>`, and how to fix it. */
export type Unusable = { problem: string; fix: string };

/** `data.tls.key: "tls.key" does not match the certificate in "tls.crt"`. */
export const unusableCertificate = (problem: ContentProblem): Unusable => {
  const { what, fix } = describeProblem(problem);
  return { problem: `${fieldOf(problem)}: ${what}`, fix };
};

/** `data.ca.crt: none of the 1 certificates in "ca.crt" is a CA certificate (basicConstraints CA:TRUE)`; the fix as gateway-listener-tls words it for the first field's role. */
export const unusableCaBundle = (problem: CaBundleProblem, use: TlsRefUse): Unusable => {
  const { what, fix } = describeCaProblem(problem, use);
  return { problem: `data.ca.crt: ${what}`, fix };
};

const kindName = (secret: SecretName): string => secret.kind ?? 'Secret';

export const unusableUpdate = (secret: SecretName, uses: Uses, unusable: Unusable, gated: boolean): string =>
  `${usedBy(secret, uses)}. This update would make it unusable for ${them(uses)}: ${unusable.problem}. ` +
  `Fix: ${unusable.fix}, or remove or change ${theUsers(uses)} first, or update it anyway with the annotation ` +
  `${ALLOW_UNUSABLE_ANNOTATION}='<reason>' on the updated ${kindName(secret)} ${reasonGoesTo(secret, gated)}`;

export const stillUnusable = (secret: SecretName, uses: Uses, unusable: Unusable): string =>
  `${usedBy(secret, uses)}: it is still unusable after this update: ${unusable.problem} (allowed: it was unusable before this update too, so that a fix is never blocked)`;

export const updatedAnyway = (secret: SecretName, uses: Uses, unusable: Unusable, reason: string): string =>
  `${usedBy(secret, uses)}: updated anyway to unusable content: ${unusable.problem} (${ALLOW_UNUSABLE_ANNOTATION}: ${JSON.stringify(reason)})`;

export const allowUnusableWithoutReason = (secret: string): string =>
  `${secret} has the annotation ${ALLOW_UNUSABLE_ANNOTATION} without a reason, so it does not count: give one, e.g. ${ALLOW_UNUSABLE_ANNOTATION}='new certificate follows in the next sync'`;
