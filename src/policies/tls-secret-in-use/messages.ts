// The tls-secret-in-use messages: user-facing API, asserted exactly by policy.test.ts.
// One line each, and no "; " inside: complete.ts joins the violations of one request with it.
// Never Secret data: only the Secret's namespace/name and the listeners' names and hostnames.
import type { ListenerUse } from '../../cluster/view.ts';
import { describeProblem } from '../gateway-listener-tls/messages.ts';
import type { ContentProblem } from '../gateway-listener-tls/secret-content.ts';

/** The break glass: a Secret annotated with a reason may be deleted while in use. */
export const ALLOW_DELETE_ANNOTATION = 'certguard.io/allow-delete';

/** The break glass of an UPDATE: a Secret annotated with a reason may be updated to unusable content while in use. */
export const ALLOW_UNUSABLE_ANNOTATION = 'certguard.io/allow-unusable';

/** Audit annotation keys (the API server prefixes them with the webhook's name). */
export const AUDIT_ALLOWED_BY = 'in-use-delete-allowed-by';
export const AUDIT_LISTENERS = 'in-use-delete-listeners';
export const AUDIT_REASON = 'allow-delete-reason';
export const AUDIT_UNUSABLE_REASON = 'allow-unusable-reason';

export type SecretName = { namespace: string; name: string };

const secretOf = (secret: SecretName): string => `secret "${secret.namespace}/${secret.name}"`;

/** `secret "ns/name"`: how the break glass messages name it. */
export const describeSecret = secretOf;

/** `Gateway traefik/web listener "websecure" (hostname app.example.com)`. */
export const describeUse = (use: ListenerUse): string =>
  `${use.owner.kind} ${use.owner.namespace}/${use.owner.name} listener "${use.listener.name}" ` +
  `(${use.listener.hostname === undefined ? 'any hostname' : `hostname ${use.listener.hostname}`})`;

const usedBy = (secret: SecretName, uses: ListenerUse[]): string =>
  `${secretOf(secret)} is the certificate of ${uses.length === 1 ? 'a TLS listener' : `${uses.length} TLS listeners`}: ${uses.map(describeUse).join(', ')}`;

const reasonGoesTo = (secret: SecretName, gated: boolean): string =>
  gated
    ? `(it counts only for a user allowed verb use on breakglass.certguard.io "tls-secret-in-use" in namespace "${secret.namespace}", and the reason goes to certguard's decision log and the audit log).`
    : "(the reason goes to certguard's decision log and the audit log).";

/** gated: the annotation counts only for a user allowed certguard's break glass (breakGlass.authorization: rbac). */
export const inUse = (secret: SecretName, uses: ListenerUse[], gated: boolean): string =>
  `${usedBy(secret, uses)}. Without it ${uses.length === 1 ? 'that listener has' : 'those listeners have'} no certificate to serve. ` +
  `Remove or change ${uses.length === 1 ? 'the listener' : 'the listeners'} first, or delete it anyway after ` +
  `"kubectl annotate secret ${secret.name} -n ${secret.namespace} ${ALLOW_DELETE_ANNOTATION}='<reason>'" ${reasonGoesTo(secret, gated)}`;

export const deletedAnyway = (secret: SecretName, uses: ListenerUse[], reason: string): string =>
  `${usedBy(secret, uses)}: deleted anyway (${ALLOW_DELETE_ANNOTATION}: ${JSON.stringify(reason)})`;

export const allowDeleteWithoutReason = (secret: string): string =>
  `${secret} has the annotation ${ALLOW_DELETE_ANNOTATION} without a reason, so it does not count: give one, e.g. ${ALLOW_DELETE_ANNOTATION}='certificate moved to app-tls-2'`;

export const notSynced = (secret: SecretName, pending: string[], operation: 'delete' | 'update' = 'delete'): string =>
  `${secretOf(secret)} was not checked for TLS listeners that use it: certguard's ${pending.join(' and ')} cache is not synced yet, so the ${operation} is allowed`;

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

/** `data.tls.key: "tls.key" does not match the certificate in "tls.crt"`. */
const problemOf = (problem: ContentProblem): string => `${fieldOf(problem)}: ${describeProblem(problem).what}`;

const them = (uses: ListenerUse[]): string => (uses.length === 1 ? 'that listener' : 'those listeners');

export const unusableUpdate = (secret: SecretName, uses: ListenerUse[], problem: ContentProblem, gated: boolean): string =>
  `${usedBy(secret, uses)}. This update would make it unusable for ${them(uses)}: ${problemOf(problem)}. ` +
  `Fix: ${describeProblem(problem).fix}, or remove or change ${uses.length === 1 ? 'the listener' : 'the listeners'} first, or update it anyway with the annotation ` +
  `${ALLOW_UNUSABLE_ANNOTATION}='<reason>' on the updated Secret ${reasonGoesTo(secret, gated)}`;

export const stillUnusable = (secret: SecretName, uses: ListenerUse[], problem: ContentProblem): string =>
  `${usedBy(secret, uses)}: it is still unusable after this update: ${problemOf(problem)} (allowed: it was unusable before this update too, so that a fix is never blocked)`;

export const updatedAnyway = (secret: SecretName, uses: ListenerUse[], problem: ContentProblem, reason: string): string =>
  `${usedBy(secret, uses)}: updated anyway to unusable content: ${problemOf(problem)} (${ALLOW_UNUSABLE_ANNOTATION}: ${JSON.stringify(reason)})`;

export const allowUnusableWithoutReason = (secret: string): string =>
  `${secret} has the annotation ${ALLOW_UNUSABLE_ANNOTATION} without a reason, so it does not count: give one, e.g. ${ALLOW_UNUSABLE_ANNOTATION}='new certificate follows in the next sync'`;
