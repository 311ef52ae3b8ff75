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

export const wildcardOverHttp01 = (certificate: JudgedCertificate, name: JudgedName, issuer: string, solverIndex: number): string =>
  `${certificate.subject}: ${quoted(name)} is a wildcard, which only DNS-01 can validate, but ${issuer} has no DNS-01 solver for it ` +
  `(its solver for this name, spec.acme.solvers[${solverIndex}], is HTTP-01), so cert-manager would retry forever. ` +
  `Add a DNS-01 solver that matches ${name.value} to the issuer, or list the names without the wildcard.`;

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
