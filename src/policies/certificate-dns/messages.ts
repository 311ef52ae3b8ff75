// Every sentence certificate-dns says. Messages are API: tests assert them exactly and README.md
// lists each template. One line each: the object, the field and value, what it resolves to,
// where challenges arrive (and where certguard learned that), and the fix.
import { isLookupFailure, type LookupFailure, type LookupResult } from '../../dns/resolver.ts';
import type { Target } from './addresses.ts';
import type { JudgedCertificate, JudgedName } from './shim.ts';

export const SKIP_ANNOTATION = 'certguard.io/skip-dns-check';
/** The API server prefixes it with the webhook name in the audit log. */
export const SKIPPED_AUDIT_KEY = 'certificate-dns-skipped';

const NEVER_REACHED = "Let's Encrypt would never reach the solver and cert-manager would retry forever";

/** "203.0.113.10, 2001:db8::10 (gateway traefik/traefik-gateway), lb.example.net (config ingress.hostnames)" */
export const describeTargets = (targets: Target[]): string => {
  const bySource = new Map<string, string[]>();
  for (const target of targets) bySource.set(target.source, [...(bySource.get(target.source) ?? []), target.value]);
  return [...bySource].map(([source, values]) => `${values.join(', ')} (${source})`).join(', ');
};

const fixTargets = (targets: Target[]): string => targets.map((target) => target.value).join(' or ');

const chainOf = (cnames: string[]): string => cnames.join(' -> ');

const describeEnd = (result: LookupResult): string => {
  if (!isLookupFailure(result)) return `resolves to ${result.addresses.join(', ')}`;
  return result.error === 'NXDOMAIN' ? 'does not exist in DNS (NXDOMAIN)' : 'has no A or AAAA record';
};

/** "resolves to 198.51.100.7" or "is a CNAME to a.example.net -> b.example.net, which resolves to ..." */
export const describeResolution = (result: LookupResult): string => {
  const end = describeEnd(result);
  if (result.cnames.length === 0) return end;
  return `is a CNAME to ${chainOf(result.cnames)}, which ${end}`;
};

export const issuerName = (kind: string, namespace: string, name: string): string =>
  kind === 'ClusterIssuer' ? `ClusterIssuer ${name}` : `Issuer ${namespace}/${name}`;

const quoted = (name: JudgedName): string => `${name.field} "${name.value}"`;

export const notPointingAtIngress = (certificate: JudgedCertificate, name: JudgedName, result: LookupResult, targets: Target[]): string =>
  `${certificate.subject}: ${quoted(name)} ${describeResolution(result)}, but HTTP-01 challenges arrive at the ingress ${describeTargets(targets)}, so ` +
  `${NEVER_REACHED}. Point ${name.value} at ${fixTargets(targets)} first, or use a DNS-01 solver.`;

export const ipNotIngress = (certificate: JudgedCertificate, name: JudgedName, targets: Target[]): string =>
  `${certificate.subject}: ${quoted(name)} is not an address of the ingress ${describeTargets(targets)}, where HTTP-01 challenges are answered, so ` +
  `${NEVER_REACHED}. Remove ${name.value}, or list an address of the ingress instead.`;

// cert-manager builds the Challenges of an Order all at once and gives up on the whole set when
// one authorization has no solver (acmeorders/util.go:53-56,106-108), with a Warning Event
// "Solver" on the Order and no retry (sync.go:127-131) until the issuer changes (checks.go:32-49)
// or the Certificate does: no name of the Certificate is validated.
const NO_CHALLENGE = 'so cert-manager creates no challenge for any name of the Certificate and it is not issued';

export const wildcardOverHttp01 = (certificate: JudgedCertificate, name: JudgedName, identifier: string, issuer: string, solverIndex: number): string =>
  `${certificate.subject}: ${quoted(name)} is a wildcard, which only DNS-01 can validate, but ${issuer} has no DNS-01 solver for it ` +
  `(its solver for this name, spec.acme.solvers[${solverIndex}], is HTTP-01), ${NO_CHALLENGE}. ` +
  `Add a DNS-01 solver that matches ${identifier} to the issuer, or list the names without the wildcard.`;

/** `identifier` is what cert-manager matches selectors against (lower-cased), `types` what the ACME server offers for it. */
export const noSolver = (certificate: JudgedCertificate, name: JudgedName, identifier: string, issuer: string, types: readonly string[]): string =>
  `${certificate.subject}: ${quoted(name)} matches no solver of ${issuer}: no entry of spec.acme.solvers selects ${identifier} for ${types.map((type) => type.toUpperCase()).join(' or ')}, ` +
  `${NO_CHALLENGE} (Event "Solver" on its Order). Add a solver whose selector matches ${identifier} to the issuer, or remove ${name.value}.`;

/** What went wrong with a lookup of `host` (the name itself or an ingress hostname). */
export const describeLookupProblem = (host: string, failure: LookupFailure, timeoutMs: number): string => {
  if (failure.error === 'TIMEOUT') return `no DNS answer for ${host} within ${timeoutMs} ms`;
  if (failure.detail === undefined || failure.detail === 'ESERVFAIL') return `the DNS server failed to resolve ${host} (SERVFAIL)`;
  return `resolving ${host} failed (${failure.detail})`;
};

export const lookupFailedDenied = (certificate: JudgedCertificate, name: JudgedName, problem: string, servers: string, targets: Target[]): string =>
  `${certificate.subject}: ${quoted(name)} could not be checked: ${problem} (resolvers: ${servers}), and certguard denies what it cannot check ` +
  `(onLookupError: deny). Try again, or make sure ${name.value} points at ${fixTargets(targets)} and ask an admin about certguard's resolvers.`;

export const lookupFailedAllowed = (certificate: JudgedCertificate, name: JudgedName, problem: string, servers: string, targets: Target[]): string =>
  `${certificate.subject}: ${quoted(name)} was not checked: ${problem} (resolvers: ${servers}). ` +
  `Make sure ${name.value} points at ${fixTargets(targets)} before cert-manager starts HTTP-01, or it will retry forever.`;

export const ingressUnknown = (certificate: JudgedCertificate, issuer: string, solverIndex: number, notes: string[]): string =>
  `${certificate.subject}: DNS not checked: certguard does not know where HTTP-01 challenges of ${issuer} (spec.acme.solvers[${solverIndex}]) arrive: ` +
  `${[...notes, 'no ingress.addresses or ingress.hostnames are configured'].join(', ')}. Set policies.certificate-dns.ingress in certguard's config.`;

export const issuerMissing = (certificate: JudgedCertificate, issuer: string): string =>
  `${certificate.subject}: ${issuer} (${certificate.issuerField}) does not exist, so certguard could not check its HTTP-01 names, ` +
  'and cert-manager will not issue until it exists.';

export const skipped = (object: string, reason: string): string => `${object}: DNS check skipped (${SKIP_ANNOTATION}: "${reason}").`;

export const skipWithoutReason = (object: string): string =>
  `${object}: annotation ${SKIP_ANNOTATION} is empty, so the DNS check ran. Give the reason for skipping it as the value.`;

export const badNamespaceMode = (namespace: string, annotation: string, value: string, mode: string): string =>
  `namespace "${namespace}": annotation ${annotation} "${value}" is not one of enforce, warn, off, so certificate-dns used its configured mode ${mode}.`;

// ---------------------------------------------------------------- CAA (RFC 8659)

/** Which CA an issuer reaches, for CAA messages: "ClusterIssuer letsencrypt-prod (CAA identity letsencrypt.org)". */
export type CaaCa = { issuer: string; identities: string[] };

const caIdentities = (ca: CaaCa): string => ca.identities.map((identity) => `"${identity}"`).join(' or ');

const CAA_RETRY = 'the ACME order would fail its CAA check and cert-manager would retry it';

const caaWhat = (wildcard: boolean): string => (wildcard ? 'wildcard certificates' : 'certificates');

export const caaForbids = (certificate: JudgedCertificate, name: JudgedName, ca: CaaCa, at: string, property: 'issue' | 'issuewild', allowed: string[]): string => {
  const who = allowed.length === 0 ? `no CA (${property} ";")` : `only ${allowed.join(', ')} (${property})`;
  return (
    `${certificate.subject}: ${quoted(name)} may not be issued by the CA of ${ca.issuer} (CAA identity ${caIdentities(ca)}): the CAA records at ${at} let ${who} issue ${caaWhat(name.value.startsWith('*.'))} for it, so ` +
    `${CAA_RETRY}. Add the CAA record ${at}. CAA 0 ${property} "${ca.identities[0]}", or use an issuer whose CA they list.`
  );
};

export const caaCritical = (certificate: JudgedCertificate, name: JudgedName, ca: CaaCa, at: string, tag: string): string =>
  `${certificate.subject}: ${quoted(name)} may not be issued by the CA of ${ca.issuer}: the CAA records at ${at} carry a critical "${tag}" property, ` +
  `which a CA that does not know it must refuse (RFC 8659), so ${CAA_RETRY}. Remove the critical flag or the record at ${at}.`;

export const caaLookupFailedDenied = (certificate: JudgedCertificate, name: JudgedName, problem: string, servers: string): string =>
  `${certificate.subject}: ${quoted(name)} could not be checked for CAA: ${problem} (resolvers: ${servers}), and certguard denies what it cannot check ` +
  `(onLookupError: deny). Try again, or ask an admin about certguard's resolvers.`;

export const caaLookupFailedAllowed = (certificate: JudgedCertificate, name: JudgedName, problem: string, servers: string, ca: CaaCa): string =>
  `${certificate.subject}: ${quoted(name)} was not checked for CAA: ${problem} (resolvers: ${servers}). ` +
  `Make sure no CAA record of ${name.value} or its parent domains forbids ${caIdentities(ca)}, or the ACME order will fail.`;

export const describeCaaProblem = (host: string, failure: { error: 'TIMEOUT' | 'SERVFAIL'; detail?: string }, timeoutMs: number): string => {
  if (failure.error === 'TIMEOUT') return `no CAA answer for ${host} within ${timeoutMs} ms`;
  if (failure.detail === undefined || failure.detail === 'ESERVFAIL') return `the DNS server failed to answer CAA for ${host} (SERVFAIL)`;
  return `the CAA query for ${host} failed (${failure.detail})`;
};
