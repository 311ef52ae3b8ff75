// The tls-secret-in-use messages: user-facing API, asserted exactly by policy.test.ts.
// One line each, and no "; " inside: complete.ts joins the violations of one request with it.
// Never Secret data: only the Secret's namespace/name and the listeners' names and hostnames.
import type { ListenerUse } from '../../cluster/view.ts';

/** The break glass: a Secret annotated with a reason may be deleted while in use. */
export const ALLOW_DELETE_ANNOTATION = 'certguard.io/allow-delete';

/** Audit annotation keys (the API server prefixes them with the webhook's name). */
export const AUDIT_ALLOWED_BY = 'in-use-delete-allowed-by';
export const AUDIT_LISTENERS = 'in-use-delete-listeners';
export const AUDIT_REASON = 'allow-delete-reason';

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

/** gated: the annotation counts only for a user allowed certguard's break glass (breakGlass.authorization: rbac). */
export const inUse = (secret: SecretName, uses: ListenerUse[], gated: boolean): string =>
  `${usedBy(secret, uses)}. Without it ${uses.length === 1 ? 'that listener has' : 'those listeners have'} no certificate to serve. ` +
  `Remove or change ${uses.length === 1 ? 'the listener' : 'the listeners'} first, or delete it anyway after ` +
  `"kubectl annotate secret ${secret.name} -n ${secret.namespace} ${ALLOW_DELETE_ANNOTATION}='<reason>'" ` +
  (gated
    ? `(it counts only for a user allowed verb use on breakglass.certguard.io "tls-secret-in-use" in namespace "${secret.namespace}", and the reason goes to certguard's decision log and the audit log).`
    : "(the reason goes to certguard's decision log and the audit log).");

export const deletedAnyway = (secret: SecretName, uses: ListenerUse[], reason: string): string =>
  `${usedBy(secret, uses)}: deleted anyway (${ALLOW_DELETE_ANNOTATION}: ${JSON.stringify(reason)})`;

export const allowDeleteWithoutReason = (secret: string): string =>
  `${secret} has the annotation ${ALLOW_DELETE_ANNOTATION} without a reason, so it does not count: give one, e.g. ${ALLOW_DELETE_ANNOTATION}='certificate moved to app-tls-2'`;

export const notSynced = (secret: SecretName, pending: string[]): string =>
  `${secretOf(secret)} was not checked for TLS listeners that use it: certguard's ${pending.join(' and ')} cache is not synced yet, so the delete is allowed`;
