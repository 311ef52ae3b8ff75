// Every sentence this policy says. Messages are API (CONTRIBUTING.md): tests assert them verbatim and
// README.md lists the templates. Each is one line and contains no "; " (complete.ts joins the
// violations of one request with "; ", so a reader can still split them).
import type { Filler, Issuance, Route } from './issuance.ts';
import type { ContentProblem, ServedNames } from './secret-content.ts';
import type { CertRef, Listener, ListenerOwner } from '../../kube/gateway.ts';

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

/**
 * What one unresolved listener costs on current controllers (measured on Traefik 3.6: test/e2e/traefik-seed-000.test.ts;
 * the others from their code and issues — the policy README's controller table): the listener
 * serves no certificate, and the Gateway's status says it is broken.
 */
export const consequence = (owner: ListenerOwner): string =>
  `the controller leaves this listener without a certificate, and Traefik and Contour then mark ${gatewayOf(owner)} not accepted or not programmed`;

const PLACEHOLDER_HINT = 'enable placeholder mode (policies.gateway-listener-tls.mode: placeholder) so certguard creates a temporary self-signed one';

const namespaced = (filler: Filler): string => `${filler.namespace}/${filler.name}`;

/** Who will fill the Secret, as a subject. */
const fillerOf = (filler: Filler): string =>
  filler.source === 'certificate' ? `Certificate ${namespaced(filler)}` : `the ${filler.source} Certificate of this listener`;

/** The fix that waits for issuance: a shim Certificate only exists once the listener does. */
const readyFix = (filler: Filler): string =>
  filler.source === 'certificate'
    ? `add this listener once Certificate ${namespaced(filler)} is Ready`
    : `issue the Secret with a Certificate of your own (secretName "${filler.name}") and add this listener once it is Ready`;

const issuerOf = ({ issuerRef, namespace }: Filler): string => {
  if (issuerRef.group !== 'cert-manager.io') return `${issuerRef.group}/${issuerRef.kind} ${issuerRef.name}`;
  return issuerRef.kind === 'ClusterIssuer' ? `ClusterIssuer ${issuerRef.name}` : `${issuerRef.kind} ${namespace}/${issuerRef.name}`;
};

const howOf = (route: Exclude<Route, { code: 'this-gateway' }>): string => {
  switch (route.code) {
    case 'dns-01':
      return 'DNS-01';
    case 'http-01-elsewhere':
      // cert-manager cannot route such a challenge anywhere: it stays pending.
      return route.parents.length > 0 ? `HTTP-01 through ${route.parents.join(', ')}` : 'HTTP-01 through a solver HTTPRoute with no parentRefs';
    case 'http-01-unattached':
      return `HTTP-01 through ${route.parents.join(', ')}, where no HTTP listener accepts its solver HTTPRoute (certificate-dns names the rule), so it stays pending`;
    case 'http-01-ingress':
      return 'HTTP-01 through an Ingress';
    case 'no-solver':
      return 'no ACME solver of it matches these names';
    case 'not-acme':
      return 'not an ACME issuer'; // CA, Vault, Venafi, external issuers: no challenge at all
    case 'issuer-missing':
      return 'which does not exist yet';
    case 'unknown':
      return 'an issuer certguard cannot read';
  }
};

/** (a)/(b) through this Gateway: the loop that kept incident 000's listeners down for 17 hours. */
const missingThroughGateway = (site: Site, filler: Filler, name: string): string =>
  `${where(site)}: ${refOf(site)} does not exist: ${fillerOf(filler)} would issue it, but its HTTP-01 challenge for "${name}" is answered through ${gatewayOf(site.owner)}, which Traefik ≤ 3.0 does not serve while a listener is unresolved and current controllers report as not accepted or not programmed until the Secret exists. Fix: ${PLACEHOLDER_HINT}, or ${readyFix(filler)}`;

/** (a)/(b) by another route: issuance does not depend on this Gateway. */
const missingPending = (site: Site, filler: Filler, route: Exclude<Route, { code: 'this-gateway' }>): string => {
  const by = filler.source === 'certificate' ? `Certificate ${namespaced(filler)}` : `the ${filler.source} Certificate ${namespaced(filler)}`;
  return `${where(site)}: ${refOf(site)} does not exist yet: pending issuance by ${by} (${issuerOf(filler)}, ${howOf(route)}), and until then ${consequence(site.owner)}. Fix: ${readyFix(filler)}, or ${PLACEHOLDER_HINT}`;
};

const UNMANAGED_IN_PLACEHOLDER_MODE =
  ' (placeholder mode only stands in for Secrets that cert-manager will issue: set policies.gateway-listener-tls.placeholder.forUnmanagedSecrets: true if you create this one by other means)';

/** (c): a placeholder would hide a typo forever behind a self-signed certificate. */
const missingUnmanaged = (site: Site, placeholderMode: boolean): string =>
  `${where(site)}: ${refOf(site)} does not exist and no Certificate or cert-manager annotation will create it: ${consequence(site.owner)}. Fix: check the Secret name, or create the Secret${placeholderMode ? UNMANAGED_IN_PLACEHOLDER_MODE : ''}`;

export const missingSecret = (site: Site, issuance: Issuance, placeholderMode = false): string => {
  if (issuance.code === 'unmanaged') return missingUnmanaged(site, placeholderMode);
  const { filler, route } = issuance;
  return route.code === 'this-gateway' ? missingThroughGateway(site, filler, route.name) : missingPending(site, filler, route);
};

const quoteGroup = (group: string): string => (group === '' ? '""' : group);

export const notPermitted = (site: Site): string => {
  const { owner, ref } = site;
  const from = `from {group: gateway.networking.k8s.io, kind: ${owner.kind}, namespace: ${owner.namespace}}`;
  const to = `to {group: ${quoteGroup(ref.group)}, kind: ${ref.kind}, name: ${ref.name}}`;
  return `${where(site)}: ${refOf(site)} is in another namespace and no ReferenceGrant permits it (RefNotPermitted): ${consequence(owner)}. Fix: create a ReferenceGrant in namespace "${ref.namespace}" with ${from} and ${to}`;
};

export const unsupportedKind = (site: Site): string => {
  const { ref } = site;
  return `${where(site)}: ${refOf(site)} has an unsupported group/kind (certguard resolves core Secrets only): ${consequence(site.owner)}. Fix: reference a Secret (group "", kind Secret), or add {group: ${quoteGroup(ref.group)}, kind: ${ref.kind}} to policies.gateway-listener-tls.allowedRefKinds if your Gateway controller supports it`;
};

const quoteKeys = (keys: string[]): string => keys.map((key) => `"${key}"`).join(' and no ');

/** What is wrong with the Secret, and how to fix it. */
export const describeProblem = (problem: ContentProblem): { what: string; fix: string } => {
  switch (problem.code) {
    case 'wrong-type':
      // cert-manager keeps an existing Secret's type, immutable in Kubernetes, when it issues into it
      // (v1.21.1 pkg/controller/certificates/issuing/internal/secret.go, getCertificateSecret).
      return {
        what: `its type is "${problem.type}", not "kubernetes.io/tls", and cert-manager keeps a Secret's type when it issues into it, so this will not fix itself`,
        fix: 'delete it and recreate it with type kubernetes.io/tls, or let cert-manager create it (the type of a Secret cannot be changed)',
      };
    case 'missing-keys':
      return { what: `it has no ${quoteKeys(problem.keys)}`, fix: 'put the PEM certificate chain in "tls.crt" and its private key in "tls.key"' };
    case 'bad-certificate':
      return { what: '"tls.crt" is not a PEM certificate', fix: 'put the PEM certificate chain, leaf first, in "tls.crt"' };
    case 'bad-key':
      return { what: '"tls.key" is not an unencrypted PEM private key', fix: 'put the certificate\'s private key, unencrypted PEM, in "tls.key"' };
    case 'key-mismatch':
      return {
        what: '"tls.key" does not match the certificate in "tls.crt"',
        fix: 'put the private key that belongs to the certificate in "tls.key", or reissue both together',
      };
    case 'expired':
      return {
        what: `its certificate expired at ${problem.notAfter.toISOString()}`,
        fix: 'renew the certificate (cmctl renew, or find out why cert-manager did not)',
      };
    case 'not-yet-valid':
      return {
        what: `its certificate is not valid before ${problem.notBefore.toISOString()}, so clients refuse it until then`,
        fix: 'put a certificate that is valid now in "tls.crt" (and check the clock of whatever issued it)',
      };
    case 'weak-rsa-key':
      // Envoy's limit (secret-content.ts MIN_RSA_BITS): every Envoy-based Gateway controller refuses it.
      return {
        what: `its certificate has a ${problem.bits}-bit RSA key, and Envoy loads only RSA keys of 2048 bits or more`,
        fix: 'reissue it with an RSA key of at least 2048 bits or an ECDSA key (Certificate spec.privateKey)',
      };
  }
};

export const unusableSecret = (site: Site, problem: ContentProblem): string => {
  const { what, fix } = describeProblem(problem);
  return `${where(site)}: ${refOf(site)} is unusable: ${what}: ${consequence(site.owner)}. Fix: ${fix}`;
};

/** On UPDATE a ref the old object already had is never denied: blocking would also block its fix. */
export const alreadyBroken = (message: string): string =>
  `${message} (this reference was already broken before this update: allowed, so that a fix is never blocked)`;

const servedBy = (hostnames: string[]): string =>
  hostnames.length > 0 ? `HTTPS for ${hostnames.map((host) => `"${host}"`).join(', ')}` : 'HTTPS on this listener';

const untilReplaced = (filler: Filler | undefined): string => {
  if (!filler) return 'until the real one is written into it (no Certificate or cert-manager annotation names this Secret)';
  const reuse = filler.reusesKey
    ? `. Certificate ${namespaced(filler)} has privateKey.rotationPolicy: Never, so cert-manager keeps this placeholder's private key as the production key`
    : '';
  return `until cert-manager issues the real one into it${reuse}`;
};

/** Warning after the create (or after a 409: someone else made the Secret first, which is fine). */
export const placeholderCreated = (site: Site, hostnames: string[], validUntil: Date, filler?: Filler): string =>
  `${where(site)}: ${refOf(site)} did not exist: certguard created a self-signed placeholder Secret "${site.ref.namespace}/${site.ref.name}" valid until ${validUntil.toISOString()} (unless another writer created that Secret first), so ${servedBy(hostnames)} serves a self-signed certificate ${untilReplaced(filler)}. Find placeholders with: kubectl get secret -A -l certguard.io/placeholder=true`;

export const wouldCreatePlaceholder = (site: Site): string =>
  `${where(site)}: ${refOf(site)} does not exist: would create placeholder Secret ${site.ref.namespace}/${site.ref.name} (dry run: nothing created)`;

/** The denial when the placeholder cannot be made; `reason` may be complete.ts's `{reason}` slot. */
export const placeholderFailed = (site: Site, reason: string): string =>
  `${where(site)}: ${refOf(site)} does not exist and certguard could not create a placeholder: ${reason}: ${consequence(site.owner)}. Fix: create the Secret first (for a placeholder, certguard needs create on secrets in namespace "${site.ref.namespace}", and that namespace must not be terminating)`;

export const REASON_SLOT = '{reason}';

/** What will serve a listener's hostname: the certificate in its Secret, or the Certificate that will fill the Secret. */
export type CoverageSource = { code: 'secret'; names: ServedNames } | { code: 'certificate'; filler: Filler };

const RFC_6125 = '(a wildcard covers exactly one label, RFC 6125)';

const secretNames = ({ dnsNames, commonName }: ServedNames): string => {
  const ignored = commonName === undefined ? '' : `, common name "${commonName}" ignored as Go's crypto/x509 does`;
  return `${dnsNames.join(', ') || 'none'}${ignored}`;
};

/** A warning, never a denial: the listener still gets its certificate, only clients that check the name refuse it. */
export const hostnameNotCovered = (site: Site, hostname: string, source: CoverageSource): string => {
  if (source.code === 'secret') {
    return `${where(site)}: ${refOf(site)} holds a certificate whose DNS names (${secretNames(source.names)}) do not cover hostname "${hostname}" ${RFC_6125}, so clients that check the name reject it on this listener. Fix: reissue the certificate with ${hostname} among its DNS names, or reference a Secret whose certificate covers it`;
  }
  const certificate = `Certificate ${namespaced(source.filler)}`;
  return `${where(site)}: ${refOf(site)} will be filled by ${certificate}, whose dnsNames (${source.filler.dnsNames.join(', ') || 'none'}) do not cover hostname "${hostname}" ${RFC_6125}, so clients that check the name will reject it on this listener. Fix: add ${hostname} to spec.dnsNames of ${certificate}, or reference a Secret whose certificate covers it`;
};
