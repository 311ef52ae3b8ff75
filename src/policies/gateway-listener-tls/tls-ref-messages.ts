// The sentences for a Gateway's TLS references outside its listeners (src/kube/gateway-tls.ts).
// Same rules as messages.ts: one line each, no "; ", asserted verbatim, listed in README.md.
// What a controller must do with a broken reference is Gateway API's own wording (apis/v1
// gateway_types.go, FrontendTLSValidation and GatewayBackendTLS, v1.6).
import type { GatewayTlsRef } from '../../kube/gateway-tls.ts';
import type { CertRef } from '../../kube/gateway.ts';
import type { CaBundleProblem } from './ca-bundle.ts';
import { describeProblem } from './messages.ts';
import type { ContentProblem } from './secret-content.ts';
import type { CaRefKind } from './settings.ts';

/** The object that makes the reference: a Gateway, or a BackendTLSPolicy. */
export type RefOwner = { kind: string; namespace: string; name: string };

/** A reference outside the listeners and the object that makes it. */
export type TlsRefSite = { owner: RefOwner; tlsRef: GatewayTlsRef };

const kindOf = (ref: CertRef): string => (ref.group ? `${ref.group}/${ref.kind}` : ref.kind || '(no kind)');

const quoteGroup = (group: string): string => (group === '' ? '""' : group);

/** `spec.tls.frontend.perPort[0].tls.validation.caCertificateRefs[0] ConfigMap "traefik/client-ca" (Gateway traefik/gw, port 8443)` */
export const whereRef = ({ owner, tlsRef }: TlsRefSite): string => {
  const port = tlsRef.port === undefined ? '' : `, port ${tlsRef.port}`;
  return `${tlsRef.field} ${kindOf(tlsRef.ref)} "${tlsRef.ref.namespace}/${tlsRef.ref.name}" (${owner.kind} ${owner.namespace}/${owner.name}${port})`;
};

/** What Gateway API has the controller do, with the condition reason it names for this failure. */
const consequence = ({ tlsRef }: TlsRefSite, reason: string): string => {
  if (tlsRef.purpose === 'backend-client') {
    return `Gateway API has the controller set this Gateway's ResolvedRefs condition False (${reason}), and a backend that requires a client certificate refuses the Gateway's connections`;
  }
  if (tlsRef.purpose === 'backend-ca') {
    return `Gateway API has the controller set this BackendTLSPolicy's ResolvedRefs condition False (${reason}) and fail the Gateway's connections to its targets with an HTTP 5xx, and set Accepted False (NoValidCACertificate) when none of its CA references is valid`;
  }
  const listeners = tlsRef.port === undefined ? 'every HTTPS listener this validation covers' : `every HTTPS listener on port ${tlsRef.port}`;
  return `Gateway API has the controller set ResolvedRefs False (${reason}) on ${listeners}, and Accepted False (NoValidCACertificate) on a listener none of whose CA references is valid`;
};

const NO_CA_PLACEHOLDER = 'certguard creates no placeholder for a CA bundle: a self-signed stand-in would make mTLS accept or reject the wrong clients';

const NO_BACKEND_CA_PLACEHOLDER =
  'certguard creates no placeholder for a CA bundle: a self-signed stand-in would make the Gateway reject its backends or trust the wrong ones';

/** Whose certificates the bundle's CAs issue, and why no placeholder can stand in for it. */
const caRoleOf = ({ tlsRef }: TlsRefSite): { issued: string; noPlaceholder: string } =>
  tlsRef.purpose === 'backend-ca'
    ? { issued: "the backends' serving certificates", noPlaceholder: NO_BACKEND_CA_PLACEHOLDER }
    : { issued: "your clients' certificates", noPlaceholder: NO_CA_PLACEHOLDER };

const invalidKindReason = ({ tlsRef }: TlsRefSite): string => (tlsRef.purpose === 'backend-ca' ? 'InvalidKind' : 'InvalidCACertificateKind');

const NO_CLIENT_PLACEHOLDER =
  'certguard creates no placeholder for a client certificate: a backend that checks client certificates would not trust a self-signed one';

const caKinds = (kinds: CaRefKind[]): string => kinds.join(', ') || 'no kind';

export const unsupportedCaKind = (site: TlsRefSite, allowed: CaRefKind[]): string => {
  const { ref } = site.tlsRef;
  const addSecret =
    ref.group === '' && ref.kind === 'Secret'
      ? ', or add Secret to policies.gateway-listener-tls.caCertificateRefKinds if your Gateway controller reads CA bundles from Secrets'
      : '';
  return `${whereRef(site)} has a group/kind certguard does not accept for a CA bundle (policies.gateway-listener-tls.caCertificateRefKinds: ${caKinds(allowed)}): ${consequence(site, invalidKindReason(site))}. Fix: reference a ConfigMap (group "", kind ConfigMap) with the PEM CA bundle in "ca.crt"${addSecret}`;
};

export const unsupportedClientKind = (site: TlsRefSite): string => {
  const { ref } = site.tlsRef;
  return `${whereRef(site)} has an unsupported group/kind (certguard resolves core Secrets only): ${consequence(site, 'InvalidClientCertificateRef')}. Fix: reference a Secret of type kubernetes.io/tls (group "", kind Secret), or add {group: ${quoteGroup(ref.group)}, kind: ${ref.kind}} to policies.gateway-listener-tls.allowedRefKinds if your Gateway controller supports it`;
};

export const refNotPermitted = (site: TlsRefSite): string => {
  const { owner, tlsRef } = site;
  const { ref } = tlsRef;
  const from = `from {group: gateway.networking.k8s.io, kind: ${owner.kind}, namespace: ${owner.namespace}}`;
  const to = `to {group: ${quoteGroup(ref.group)}, kind: ${ref.kind}, name: ${ref.name}}`;
  return `${whereRef(site)} is in another namespace and no ReferenceGrant permits it (RefNotPermitted): ${consequence(site, 'RefNotPermitted')}. Fix: create a ReferenceGrant in namespace "${ref.namespace}" with ${from} and ${to}`;
};

export const missingRef = (site: TlsRefSite): string => {
  const { ref } = site.tlsRef;
  if (site.tlsRef.purpose === 'backend-client') {
    return `${whereRef(site)} does not exist: ${consequence(site, 'InvalidClientCertificateRef')}. Fix: create the Secret (type kubernetes.io/tls, the client certificate in "tls.crt" and its private key in "tls.key"), or correct the reference (${NO_CLIENT_PLACEHOLDER})`;
  }
  const { issued, noPlaceholder } = caRoleOf(site);
  return `${whereRef(site)} does not exist: ${consequence(site, 'InvalidCACertificateRef')}. Fix: create ${ref.kind} "${ref.namespace}/${ref.name}" with the PEM certificates of the CAs that issue ${issued} in "ca.crt", or correct the reference (${noPlaceholder})`;
};

/** What is wrong with a CA bundle and how to fix it, in the words of its role (shared with tls-secret-in-use). */
export const describeCaProblem = (problem: CaBundleProblem, site: TlsRefSite): { what: string; fix: string } => {
  const { issued, noPlaceholder } = caRoleOf(site);
  const caFix = `put the PEM certificates of the CAs that issue ${issued} in "ca.crt" (${noPlaceholder})`;
  switch (problem.code) {
    case 'missing-key':
      return { what: 'it has no "ca.crt" key', fix: caFix };
    case 'no-certificate':
      return { what: '"ca.crt" holds no PEM certificate', fix: caFix };
    case 'bad-certificate':
      return { what: `PEM certificate ${problem.index + 1} in "ca.crt" does not parse`, fix: `replace or remove that certificate in "ca.crt"` };
    case 'no-ca':
      return {
        what: `none of the ${problem.certificates} certificates in "ca.crt" is a CA certificate (basicConstraints CA:TRUE)`,
        fix: `put the certificate of the CA that issues ${issued}, not a leaf, in "ca.crt"`,
      };
    case 'expired':
      return {
        what: `every CA certificate in "ca.crt" has expired, the last at ${problem.notAfter.toISOString()}`,
        fix: `put the CA's current certificate in "ca.crt"`,
      };
    case 'not-yet-valid':
      return {
        what: `no CA certificate in "ca.crt" is valid yet, the first from ${problem.notBefore.toISOString()}`,
        fix: `put a CA certificate that is valid now in "ca.crt"`,
      };
  }
};

export const unusableCaBundle = (site: TlsRefSite, problem: CaBundleProblem): string => {
  const { what, fix } = describeCaProblem(problem, site);
  return `${whereRef(site)} is unusable: ${what}: ${consequence(site, 'InvalidCACertificateRef')}. Fix: ${fix}`;
};

export const unusableClientCertificate = (site: TlsRefSite, problem: ContentProblem): string => {
  const { what, fix } = describeProblem(problem);
  return `${whereRef(site)} is unusable: ${what}: ${consequence(site, 'InvalidClientCertificateRef')}. Fix: ${fix}`;
};
