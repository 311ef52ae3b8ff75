// Every sentence certificate-dns says. Messages are API: tests assert them exactly and README.md
// lists each template. One line each: the object, the field and value, what it resolves to,
// where challenges arrive (and where certguard learned that), and the fix.
import type { CaaFailure, CaaRulesName, RecordRefusal, Refusal } from '../../dns/caa.ts';
import { isLookupFailure, type CaaRecord, type LookupFailure, type LookupResult } from '../../dns/resolver.ts';
import type { Target } from './addresses.ts';
import type { JudgedCertificate, JudgedName } from './shim.ts';
import type { Listener } from '../../kube/gateway.ts';
import { attachedListeners, isPlainHttp, type ParentPrediction, type RoutePrediction } from './route-attachment.ts';

export const SKIP_ANNOTATION = 'certguard.io/skip-dns-check';
/** The API server prefixes it with the webhook name in the audit log. */
export const SKIPPED_AUDIT_KEY = 'certificate-dns-skipped';

const NEVER_REACHED = 'the ACME server would never reach the solver and cert-manager would retry forever';

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

// ---------------------------------------------------------------- CAA (RFC 8659, RFC 8657)

/** Which CA an issuer reaches, for CAA messages: "ClusterIssuer letsencrypt-prod (CAA identity letsencrypt.org)". */
export type CaaCa = { issuer: string; identities: string[]; rules: CaaRulesName; accountUri?: string };

/** What the order would carry for one name: the solver's challenge type. */
export type CaaOrder = { ca: CaaCa; method: 'http-01' | 'dns-01' };

const caIdentities = (ca: CaaCa): string => ca.identities.map((identity) => `"${identity}"`).join(' or ');

const caName = (ca: CaaCa): string => (ca.rules === 'boulder' ? "Let's Encrypt" : 'the CA');

const CAA_RETRY = 'the ACME order would fail its CAA check and cert-manager would retry it';

const caaWhat = (wildcard: boolean): string => (wildcard ? 'wildcard certificates' : 'certificates');

/** A record as a zone file writes it: `example.com. CAA 0 issue "letsencrypt.org"`. Blanks after a
 *  ";" are dropped (the CA ignores them, and "; " separates the violations of one response). */
export const describeCaaRecord = (at: string, record: CaaRecord): string =>
  `${at}. CAA ${record.flags} ${record.tag} ${JSON.stringify(record.value.replace(/;[ \t]+/g, ';'))}`;

const explainMethods = (refusal: Extract<Refusal, { kind: 'methods' }>, method: string): string => {
  if (refusal.problem === 'repeated') return `has ${refusal.named.length} validationmethods parameters, which Let's Encrypt takes as unsatisfiable`;
  if (refusal.problem === 'malformed')
    return `has a malformed validationmethods "${refusal.named[0]}" (methods are letters, digits and "-", separated by ","), which allows no method`;
  return `allows only ${refusal.named.join(', ')} (validationmethods), but the solver for this name is ${method}`;
};

const explainAccount = (named: string[], ca: CaaCa): string => {
  if (named.length > 1) return `names ${named.length} accounts (accounturi ${named.join(', ')}), which no account satisfies (RFC 8657 §3)`;
  return `names the account ${named[0]}, but ${ca.issuer} is registered as ${ca.accountUri}`;
};

const explainRefusal = (refusal: Refusal, order: CaaOrder): string => {
  switch (refusal.kind) {
    case 'malformed':
      return `does not parse (${refusal.detail}), so ${caName(order.ca)} ignores it`;
    case 'no-ca':
      return 'forbids every CA';
    case 'other-ca':
      return refusal.caseOnly
        ? `names "${refusal.domain}", which ${caName(order.ca)} compares with ${caIdentities(order.ca)} case-sensitively`
        : `names another CA (${refusal.domain})`;
    case 'account':
      return explainAccount(refusal.named, order.ca);
    case 'methods':
      return explainMethods(refusal, order.method);
  }
};

/** The value that would authorize this order, keeping the restrictions the records put on the CA. */
const suggestedValue = (refusals: RecordRefusal[], order: CaaOrder): string => {
  const kinds = new Set(refusals.map(({ refusal }) => refusal.kind));
  const account = kinds.has('account') && order.ca.accountUri ? `;accounturi=${order.ca.accountUri}` : '';
  const methods = kinds.has('methods') ? `;validationmethods=${order.method}` : '';
  return `${order.ca.identities[0]}${account}${methods}`;
};

const namesThisCa = ({ refusal }: RecordRefusal): boolean => refusal.kind !== 'no-ca' && refusal.kind !== 'other-ca';

export const caaForbids = (
  certificate: JudgedCertificate,
  name: JudgedName,
  order: CaaOrder,
  at: string,
  property: 'issue' | 'issuewild',
  refusals: RecordRefusal[],
): string => {
  const reasons = refusals.map((refusal) => `${describeCaaRecord(at, refusal.record)} ${explainRefusal(refusal.refusal, order)}`).join(', and ');
  const correcting = refusals.some(namesThisCa) ? ' in place of the one above' : '';
  return (
    `${certificate.subject}: ${quoted(name)} may not be issued by the CA of ${order.ca.issuer} (CAA identity ${caIdentities(order.ca)}): the CAA records at ${at} ` +
    `let a CA issue ${caaWhat(name.value.startsWith('*.'))} for it only through their ${property} records, and none lets this one: ${reasons}. ` +
    `The ACME order would fail its CAA check and cert-manager would retry it. ` +
    `Publish the CAA record ${at}. CAA 0 ${property} "${suggestedValue(refusals, order)}"${correcting}, or use an issuer whose CA they list.`
  );
};

const criticalNote = (record: CaaRecord, ca: CaaCa): string =>
  (record.flags & 128) === 0 ? ` (flags ${record.flags}: ${caName(ca)} reads bit 1 as the critical flag too)` : '';

export const caaCritical = (certificate: JudgedCertificate, name: JudgedName, ca: CaaCa, at: string, record: CaaRecord): string =>
  `${certificate.subject}: ${quoted(name)} may not be issued by the CA of ${ca.issuer}: the CAA record ${describeCaaRecord(at, record)} sets the critical flag ` +
  `on the tag "${record.tag}", which ${caName(ca)} does not know${criticalNote(record, ca)}, and a CA must refuse a critical property it does not know (RFC 8659 §4.1), ` +
  `so ${CAA_RETRY}. Set its flags to 0, or remove it.`;

const accountUnknown = (ca: CaaCa, at: string, record: CaaRecord, named: string): string =>
  `the CAA record ${describeCaaRecord(at, record)} lets ${caIdentities(ca)} issue only for the account ${named}, and ${ca.issuer} has no registered account yet (status.acme.uri)`;

export const caaAccountUnknownDenied = (certificate: JudgedCertificate, name: JudgedName, ca: CaaCa, at: string, record: CaaRecord, named: string): string =>
  `${certificate.subject}: ${quoted(name)} could not be checked for CAA: ${accountUnknown(ca, at, record, named)}, and certguard denies what it cannot check ` +
  `(onLookupError: deny). Apply it again once ${ca.issuer} is registered, as ${named} or with that record changed.`;

export const caaAccountUnknownAllowed = (certificate: JudgedCertificate, name: JudgedName, ca: CaaCa, at: string, record: CaaRecord, named: string): string =>
  `${certificate.subject}: ${quoted(name)} was not checked for CAA: ${accountUnknown(ca, at, record, named)}. ` +
  `Unless it registers as ${named}, the ACME order will fail.`;

export const caaLookupFailedDenied = (certificate: JudgedCertificate, name: JudgedName, problem: string, servers: string): string =>
  `${certificate.subject}: ${quoted(name)} could not be checked for CAA: ${problem} (resolvers: ${servers}), and certguard denies what it cannot check ` +
  `(onLookupError: deny). Try again, or ask an admin about certguard's resolvers.`;

export const caaLookupFailedAllowed = (certificate: JudgedCertificate, name: JudgedName, problem: string, servers: string, ca: CaaCa): string =>
  `${certificate.subject}: ${quoted(name)} was not checked for CAA: ${problem} (resolvers: ${servers}). ` +
  `Make sure no CAA record of ${name.value} or its parent domains forbids ${caIdentities(ca)}, or the ACME order will fail.`;

export const describeCaaProblem = (host: string, failure: Pick<CaaFailure, 'error' | 'detail'>, timeoutMs: number): string => {
  if (failure.error === 'TIMEOUT') return `no CAA answer for ${host} within ${timeoutMs} ms`;
  if (failure.error === 'NXDOMAIN') return `the top-level domain ${host} does not exist in DNS (NXDOMAIN)`;
  if (failure.detail === undefined || failure.detail === 'ESERVFAIL') return `the DNS server failed to answer CAA for ${host} (SERVFAIL)`;
  return `the CAA query for ${host} failed (${failure.detail})`;
};

// ---------------------------------------------------------------- solver route attachment

type Judged = Extract<ParentPrediction, { code: 'judged' }>;

const describeListener = (listener: Listener): string =>
  `listener "${listener.name}" (${listener.protocol ?? 'no protocol'}${listener.port !== undefined ? ` ${listener.port}` : ''})`;

/** `parentRef Gateway infra/web: listener "http" (HTTP 80): <why>, listener ...` */
const describeParent = (parent: Judged): string => {
  if (parent.refused) return `parentRef ${parent.parent}: ${parent.refused}`;
  if (parent.verdicts.length === 0) return `parentRef ${parent.parent}: no listeners`;
  return `parentRef ${parent.parent}: ${parent.verdicts.map((verdict) => `${describeListener(verdict.listener)}${verdict.why ? `: ${verdict.why}` : ' accepts it'}`).join(', ')}`;
};

const judgedParents = (prediction: RoutePrediction): Judged[] => prediction.parents.filter((parent): parent is Judged => parent.code === 'judged');

/** What to change, from the first parent's first HTTP listener and the rule that excluded it. */
const attachFix = (parent: Judged | undefined, namespace: string, identifier: string): string => {
  if (!parent) return 'give the solver a parentRef with an HTTP listener';
  if (parent.refused) return `let the parent Gateway attach ${parent.parent} (spec.allowedListeners), or point the solver's parentRef at a Gateway`;
  const http = parent.verdicts.find((verdict) => isPlainHttp(verdict.listener));
  if (!http) return `add a listener with protocol HTTP to ${parent.parent}, or point the solver's parentRef at one`;
  const name = `listener "${http.listener.name}" of ${parent.parent}`;
  switch (http.excludedBy) {
    case 'sectionName':
    case 'port':
      return `set the solver parentRef's sectionName to "${http.listener.name}" (and its port to ${http.listener.port ?? "that listener's"}, or remove both)`;
    case 'namespace':
      return `let ${name} admit routes from namespace "${namespace}" (allowedRoutes.namespaces.from: All, or Selector matching it)`;
    case 'kind':
      return `add {kind: HTTPRoute} to allowedRoutes.kinds of ${name}`;
    case 'hostname':
      return `give ${parent.parent} an HTTP listener whose hostname covers ${identifier} (or has none)`;
    default:
      return `point the solver's parentRef at ${name}`;
  }
};

const solverRoute = (certificate: JudgedCertificate, issuer: string, solverIndex: number): string =>
  `the HTTP-01 solver HTTPRoute cert-manager creates in namespace "${certificate.namespace}" (spec.acme.solvers[${solverIndex}] of ${issuer})`;

/** Gateway API: a route no listener accepts gets Accepted=False on every parentRef and is never routed. */
export const routeUnattached = (
  certificate: JudgedCertificate,
  name: JudgedName,
  identifier: string,
  issuer: string,
  solverIndex: number,
  prediction: RoutePrediction,
): string => {
  const parents = judgedParents(prediction);
  return (
    `${certificate.subject}: ${quoted(name)}: ${solverRoute(certificate, issuer, solverIndex)} attaches to no listener (${parents.map(describeParent).join(' / ')}), ` +
    `so the Gateway controller leaves it not Accepted, the challenge never reaches the solver and cert-manager retries forever. Fix: ${attachFix(parents[0], certificate.namespace, identifier)}.`
  );
};

/** RFC 8555 §8.3: the ACME server fetches http://<name>/.well-known/acme-challenge/<token> on port 80, in plain HTTP. */
export const routeTlsOnly = (certificate: JudgedCertificate, name: JudgedName, issuer: string, solverIndex: number, prediction: RoutePrediction): string => {
  const attached = attachedListeners(prediction).map(({ parent, listener }) => `${describeListener(listener)} of ${parent.parent}`);
  const first = judgedParents(prediction)[0];
  return (
    `${certificate.subject}: ${quoted(name)}: ${solverRoute(certificate, issuer, solverIndex)} attaches only to ${attached.join(', ')}, which terminate TLS, ` +
    `but the ACME server asks for HTTP-01 challenges over plain HTTP on port 80 (RFC 8555 section 8.3), so it never reaches the solver and cert-manager retries forever. ` +
    `Fix: ${attachFix(first, certificate.namespace, name.value)}.`
  );
};
