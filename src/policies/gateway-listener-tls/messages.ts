// Every sentence this policy says. Messages are API (STYLE.md): tests assert them verbatim and
// README.md lists the templates. Each is one line and contains no "; " (complete.ts joins the
// violations of one request with "; ", so a reader can still split them).
import type { ContentProblem } from './secret-content.ts';
import type { CertRef, Listener, ListenerOwner } from '../../kube/gateway.ts';
import { GATEWAY_GROUP } from '../../kube/groups.ts';

/** Where a reference sits: the owner, the listener, and the ref's index in certificateRefs. */
export type Site = { owner: ListenerOwner; listener: Listener; refIndex: number; ref: CertRef };

const hostnameOf = (listener: Listener): string => (listener.hostname ? `hostname "${listener.hostname}"` : 'no hostname');

const ownerOf = (owner: ListenerOwner): string => `${owner.kind} ${owner.namespace}/${owner.name}`;

/** `spec.listeners[2] "websecure-app" (Gateway traefik/traefik-gateway, hostname "app.example.com")` */
export const where = ({ owner, listener }: Site): string => `spec.listeners[${listener.index}] "${listener.name}" (${ownerOf(owner)}, ${hostnameOf(listener)})`;

const kindOf = (ref: CertRef): string => (ref.group ? `${ref.group}/${ref.kind}` : ref.kind);

/** `certificateRefs[0] Secret "app-prod/app-prod-tls"` */
export const refOf = ({ refIndex, ref }: Site): string => `certificateRefs[${refIndex}] ${kindOf(ref)} "${ref.namespace}/${ref.name}"`;

const gatewayOf = (owner: ListenerOwner): string => {
  if (owner.kind === 'Gateway') return 'this Gateway';
  return owner.parent ? `its parent Gateway ${owner.parent.namespace}/${owner.parent.name}` : 'the Gateway it attaches to';
};

/** Why a single listener matters (seeds 000/001: 2 missing Secrets, 23 listeners down for 17 hours). */
export const consequence = (owner: ListenerOwner): string =>
  `one unresolved listener can stop every listener of ${gatewayOf(owner)} on several controllers (Traefik, Cilium, kgateway), and then cert-manager cannot complete HTTP-01 challenges through it`;

const PLACEHOLDER_HINT = 'enable placeholder mode (policies.gateway-listener-tls.mode: placeholder) so certguard creates a temporary self-signed one';

export const missingSecret = (site: Site): string =>
  `${where(site)}: ${refOf(site)} does not exist: ${consequence(site.owner)}. Fix: create the Secret first, or ${PLACEHOLDER_HINT}`;

const quoteGroup = (group: string): string => (group === '' ? '""' : group);

export const notPermitted = (site: Site): string => {
  const { owner, ref } = site;
  const from = `from {group: ${GATEWAY_GROUP}, kind: ${owner.kind}, namespace: ${owner.namespace}}`;
  const to = `to {group: ${quoteGroup(ref.group)}, kind: ${ref.kind}, name: ${ref.name}}`;
  return `${where(site)}: ${refOf(site)} is in another namespace and no ReferenceGrant permits it (RefNotPermitted): ${consequence(owner)}. Fix: create a ReferenceGrant in namespace "${ref.namespace}" with ${from} and ${to}`;
};

export const unsupportedKind = (site: Site): string => {
  const { ref } = site;
  return `${where(site)}: ${refOf(site)} has an unsupported group/kind (certguard resolves core Secrets only): ${consequence(site.owner)}. Fix: reference a Secret (group "", kind Secret), or add {group: ${quoteGroup(ref.group)}, kind: ${ref.kind}} to policies.gateway-listener-tls.allowedRefKinds if your Gateway controller supports it`;
};

const quoteKeys = (keys: string[]): string => keys.map((key) => `"${key}"`).join(' and no ');

/** What is wrong with the Secret, and how to fix it. */
const describeProblem = (problem: ContentProblem): { what: string; fix: string } => {
  switch (problem.code) {
    case 'wrong-type':
      return { what: `its type is "${problem.type}", not "kubernetes.io/tls"`, fix: 'recreate it with type kubernetes.io/tls (the type of a Secret cannot be changed)' };
    case 'missing-keys':
      return { what: `it has no ${quoteKeys(problem.keys)}`, fix: 'put the PEM certificate chain in "tls.crt" and its private key in "tls.key"' };
    case 'bad-certificate':
      return { what: '"tls.crt" is not a PEM certificate', fix: 'put the PEM certificate chain, leaf first, in "tls.crt"' };
    case 'bad-key':
      return { what: '"tls.key" is not an unencrypted PEM private key', fix: 'put the certificate\'s private key, unencrypted PEM, in "tls.key"' };
    case 'key-mismatch':
      return { what: '"tls.key" does not match the certificate in "tls.crt"', fix: 'put the private key that belongs to the certificate in "tls.key", or reissue both together' };
    case 'expired':
      return { what: `its certificate expired at ${problem.notAfter.toISOString()}`, fix: 'renew the certificate (cmctl renew, or find out why cert-manager did not)' };
  }
};

export const unusableSecret = (site: Site, problem: ContentProblem): string => {
  const { what, fix } = describeProblem(problem);
  return `${where(site)}: ${refOf(site)} is unusable: ${what}: ${consequence(site.owner)}. Fix: ${fix}`;
};

/** On UPDATE a ref the old object already had is never denied: blocking would also block its fix. */
export const alreadyBroken = (message: string): string => `${message} (this reference was already broken before this update: allowed, so that a fix is never blocked)`;

const servedBy = (hostnames: string[]): string => (hostnames.length > 0 ? `HTTPS for ${hostnames.map((host) => `"${host}"`).join(', ')}` : 'HTTPS on this listener');

/** Warning after the create (or after a 409: someone else made the Secret first, which is fine). */
export const placeholderCreated = (site: Site, hostnames: string[], validUntil: Date): string =>
  `${where(site)}: ${refOf(site)} did not exist: certguard created a self-signed placeholder Secret "${site.ref.namespace}/${site.ref.name}" valid until ${validUntil.toISOString()} (unless another writer created that Secret first), so ${servedBy(hostnames)} serves a self-signed certificate until cert-manager issues the real one into it. Find placeholders with: kubectl get secret -A -l certguard.io/placeholder=true`;

export const wouldCreatePlaceholder = (site: Site): string =>
  `${where(site)}: ${refOf(site)} does not exist: would create placeholder Secret ${site.ref.namespace}/${site.ref.name} (dry run: nothing created)`;

/** The denial when the placeholder cannot be made; `reason` may be complete.ts's `{reason}` slot. */
export const placeholderFailed = (site: Site, reason: string): string =>
  `${where(site)}: ${refOf(site)} does not exist and certguard could not create a placeholder: ${reason}: ${consequence(site.owner)}. Fix: create the Secret first (for a placeholder, certguard needs create on secrets in namespace "${site.ref.namespace}", and that namespace must not be terminating)`;

export const REASON_SLOT = '{reason}';
