// certificate-dns: deny an HTTP-01 Certificate whose names do not point at the ingress (incident 001).
// HTTP-01 only succeeds when Let's Encrypt, resolving the name, reaches the solver behind the
// ingress; otherwise cert-manager's self-check fails, the challenge is retried every few seconds
// forever and solver objects pile up. Judged at apply time on the Certificate, or on the Ingress /
// Gateway whose shim would create it. For an ACME CA certguard knows, the names' CAA records must
// authorize it too (RFC 8659), or the order fails at validation. Lookups go through the injected
// NameResolver, all in parallel under one deadline; the cluster is read through the ClusterView only.
import { nameOf, namespaceOf, recordOf } from '../../kube/accessors.ts';
import { CERT_MANAGER_GROUP, GATEWAY_GROUP, NETWORKING_GROUP } from '../../kube/groups.ts';
import type { KubeObject } from '../../kube/object.ts';
import type { ClusterView } from '../../cluster/view.ts';
import { decideCaa, relevantCaa, type CaaDecision, type CaaFailure, type RelevantCaa } from '../../dns/caa.ts';
import { isLookupFailure, normalizeAddress, normalizeName, type LookupFailure, type LookupResult, type NameResolver } from '../../dns/resolver.ts';
import { ANNOTATION_ALONE, readBreakGlass, type BreakGlassGate, type BreakGlassSpec } from '../break-glass.ts';
import { getNamespaceOverride } from '../namespace-override.ts';
import { getIssuer } from '../issuers.ts';
import { certificateDnsAudit } from './audit.ts';
import type { Policy, PolicyRequest, PolicyResult } from '../types.ts';
import { ingressTargetsFor, type IngressTargets, type Target } from './addresses.ts';
import { caaIdentitiesFor } from './caa-identities.ts';
import * as messages from './messages.ts';
import { CERTIFICATE_DNS, type CertificateDnsSettings } from './settings.ts';
import { changedCertificates, type Derived, type JudgedCertificate, type JudgedKind, type JudgedName } from './shim.ts';
import { acmeIdentifier, offeredChallenges, pickSolver, type AcmeSolver, type PickedSolver } from './solver-picker.ts';
import { predictSolverRoute, routeVerdictOf } from './route-attachment.ts';

/** breakGlass: who the skip annotation counts for (default: the annotation alone). */
export type CertificateDnsDependencies = { resolver: NameResolver; breakGlass?: BreakGlassGate };

type Mode = CertificateDnsSettings['mode'];
const MODES: readonly string[] = ['enforce', 'warn', 'off'];

type Context = { settings: CertificateDnsSettings; resolver: NameResolver; view: ClusterView; self: KubeObject; signal: AbortSignal };

/** One name to look up, with where its challenges arrive. */
type NameCheck = { certificate: JudgedCertificate; name: JudgedName; targets: Target[] };

/** One name whose CAA records must let the issuer's CA issue (RFC 8659), for the solver picked. */
type CaaCheck = { certificate: JudgedCertificate; name: JudgedName; order: messages.CaaOrder };

/** What planning found, in field order: a verdict already, or a name still to resolve. */
type Item = { violation: string } | { warning: string } | { check: NameCheck } | { caa: CaaCheck };

// ---------------------------------------------------------------- selection

const judgedKindOf = (request: PolicyRequest): JudgedKind | undefined => {
  const { group, kind } = request.kind;
  if (group === CERT_MANAGER_GROUP && kind === 'Certificate') return 'Certificate';
  if (group === NETWORKING_GROUP && kind === 'Ingress') return 'Ingress';
  if (group === GATEWAY_GROUP && kind === 'Gateway') return 'Gateway';
  return undefined;
};

/** The Certificates to judge: all on CREATE, the new or changed ones (names, issuer) on UPDATE. */
const derivedOf = (request: PolicyRequest): Derived | undefined => {
  const kind = judgedKindOf(request);
  if (!kind || !request.object || (request.operation !== 'CREATE' && request.operation !== 'UPDATE')) return undefined;
  const old = request.operation === 'UPDATE' ? request.oldObject : undefined;
  return changedCertificates(kind, request.object, old, request.namespace);
};

const objectDescription = (request: PolicyRequest, object: KubeObject): string =>
  `${request.kind.kind} ${namespaceOf(object, request.namespace)}/${nameOf(object) ?? request.name ?? '(unnamed)'}`;

// ---------------------------------------------------------------- namespace mode, break glass

const namespaceMode = async (view: ClusterView, namespace: string, settings: CertificateDnsSettings): Promise<{ mode: Mode; warning?: string }> => {
  const { value: mode, warning } = await getNamespaceOverride(view, namespace, {
    annotation: settings.namespaceModeAnnotation,
    fallback: settings.mode,
    parse: (raw) => (MODES.includes(raw) ? (raw as Mode) : undefined),
    invalid: (raw) => messages.badNamespaceMode(namespace, settings.namespaceModeAnnotation, raw, settings.mode),
  });
  return { mode, warning };
};

const BREAK_GLASS: BreakGlassSpec = {
  policy: CERTIFICATE_DNS,
  annotation: messages.SKIP_ANNOTATION,
  skips: 'the DNS check',
  withoutReason: messages.skipWithoutReason,
};

// ---------------------------------------------------------------- planning

type Issuer = { skip: true } | { missing: string } | AcmeIssuer;

/** `accountUri`: the account the issuer registered (status.acme.uri), for RFC 8657 accounturi. */
type AcmeIssuer = { description: string; solvers: AcmeSolver[]; server?: string; accountUri?: string };

const accountUriOf = (issuer: KubeObject): string | undefined => {
  const uri = recordOf(recordOf(recordOf(issuer).status).acme).uri;
  return typeof uri === 'string' && uri !== '' ? uri : undefined;
};

const issuerOf = async (certificate: JudgedCertificate, view: ClusterView): Promise<Issuer> => {
  const lookup = await getIssuer(view, certificate.issuerRef, certificate.namespace);
  // External issuers are not ACME, and without cert-manager's CRDs nothing will be issued: idle.
  if (lookup.found === 'external' || lookup.found === 'unknown') return { skip: true };
  const description = messages.issuerName(certificate.issuerRef.kind, certificate.namespace, certificate.issuerRef.name);
  if (lookup.found === 'missing') return { missing: description };
  const { issuer, acme } = lookup;
  if (!acme) return { skip: true };
  const { solvers, server } = recordOf(acme);
  return {
    description,
    solvers: Array.isArray(solvers) ? (solvers as AcmeSolver[]) : [],
    server: typeof server === 'string' ? server : undefined,
    accountUri: accountUriOf(issuer),
  };
};

/**
 * A name no solver serves: cert-manager then starts no challenge for the whole Certificate
 * (messages.ts NO_CHALLENGE). A denial, like the wildcard one: the Certificate cannot be issued as
 * applied, the verdict needs no DNS lookup (only the issuer and the Certificate, both read as
 * cert-manager reads them), and the fix, a solver or a name, is in the applier's hands.
 */
const unserved = (certificate: JudgedCertificate, name: JudgedName, identifier: string, issuer: { description: string; solvers: AcmeSolver[] }): Item => {
  const offered = offeredChallenges(identifier, name.isIp);
  const isWildcard = !name.isIp && identifier.startsWith('*.');
  // A wildcard that an HTTP-01 solver would take if it could: say so, it is the usual mistake.
  const http = isWildcard ? pickSolver(identifier, ['http-01', 'dns-01'], issuer.solvers, certificate.labels) : undefined;
  if (http?.type === 'http-01') return { violation: messages.wildcardOverHttp01(certificate, name, identifier, issuer.description, http.index) };
  return { violation: messages.noSolver(certificate, name, identifier, issuer.description, offered) };
};

/** The CA certguard judges CAA for; undefined: CAA off, or a CA it has no identity for. */
const caaCaOf = (issuer: AcmeIssuer, settings: CertificateDnsSettings): messages.CaaCa | undefined => {
  const known = settings.caa ? caaIdentitiesFor(issuer.server, settings.caaIdentities) : undefined;
  return known && { issuer: issuer.description, ...known, accountUri: issuer.accountUri };
};

/** The gatewayHTTPRoute solver's route must attach to an HTTP listener (route-attachment.ts), as routeAttachment says. */
const judgeRouteAttachment = async (
  certificate: JudgedCertificate,
  name: JudgedName,
  identifier: string,
  issuer: string,
  picked: PickedSolver,
  context: Context,
): Promise<Item | undefined> => {
  const mode = context.settings.routeAttachment;
  if (mode === 'off' || !picked.solver.http01?.gatewayHTTPRoute) return undefined;
  const prediction = await predictSolverRoute(context.view, picked.solver, certificate, identifier, context.self);
  const verdict = routeVerdictOf(prediction);
  let message: string | undefined;
  if (verdict.code === 'unattached') message = messages.routeUnattached(certificate, name, identifier, issuer, picked.index, prediction);
  else if (verdict.code === 'tls-only') message = messages.routeTlsOnly(certificate, name, issuer, picked.index, prediction);
  if (!message) return undefined;
  return mode === 'warn' ? { warning: message } : { violation: message };
};

const planCertificate = async (certificate: JudgedCertificate, context: Context): Promise<Item[]> => {
  const issuer = await issuerOf(certificate, context.view);
  if ('skip' in issuer) return [];
  if ('missing' in issuer) return [{ warning: messages.issuerMissing(certificate, issuer.missing) }];
  const targetsBySolver = new Map<number, IngressTargets>();
  const ca = caaCaOf(issuer, context.settings);
  const caa: Item[] = [];
  const items: Item[] = [];
  for (const name of certificate.names) {
    // cert-manager picks per authorization, whose identifier the ACME server lower-cases.
    const identifier = acmeIdentifier(name.value, name.isIp);
    const picked = pickSolver(identifier, offeredChallenges(identifier, name.isIp), issuer.solvers, certificate.labels);
    if (!picked) {
      items.push(unserved(certificate, name, identifier, issuer));
      continue;
    }
    // CAA covers DNS names only (RFC 8659), checked with the challenge type the CA validates by (RFC 8657).
    if (ca && !name.isIp) caa.push({ caa: { certificate, name, order: { ca, method: picked.type } } });
    if (picked.type !== 'http-01') continue;
    const attachment = await judgeRouteAttachment(certificate, name, identifier, issuer.description, picked, context);
    if (attachment) items.push(attachment);
    const known = targetsBySolver.get(picked.index);
    const targets = known ?? (await ingressTargetsFor(picked.solver, certificate, context.settings, context.view, context.self));
    targetsBySolver.set(picked.index, targets);
    if (targets.targets.length > 0) items.push({ check: { certificate, name, targets: targets.targets } });
    // Said once per solver: every name behind it has the same problem.
    else if (!known) items.push({ warning: messages.ingressUnknown(certificate, issuer.description, picked.index, targets.notes) });
  }
  return [...caa, ...items];
};

// ---------------------------------------------------------------- lookups and verdicts

type Answers = Map<string, LookupResult>;

/** CAA by searched name: a wildcard and its base share one search (RFC 8659 §3 starts *.X at X). */
type CaaAnswers = Map<string, RelevantCaa>;

const caaKey = (name: JudgedName): string => normalizeName(name.value).replace(/^\*\./, '');

const resolveAll = async (items: Item[], context: Context): Promise<{ answers: Answers; caa: CaaAnswers }> => {
  const checks = items.flatMap((item) => ('check' in item ? [item.check] : []));
  const hosts = new Set<string>();
  for (const check of checks) {
    if (!check.name.isIp) hosts.add(normalizeName(check.name.value));
    for (const target of check.targets) if (!target.isIp) hosts.add(target.value);
  }
  const caaNames = new Set(items.flatMap((item) => ('caa' in item ? [caaKey(item.caa.name)] : [])));
  if (hosts.size === 0 && caaNames.size === 0) return { answers: new Map(), caa: new Map() };
  // The lookups' own budget or what is left of the review's deadline, whichever ends first.
  const signal = AbortSignal.any([AbortSignal.timeout(context.settings.lookupTimeoutMs), context.signal]);
  const [entries, caaEntries] = await Promise.all([
    Promise.all([...hosts].map(async (host) => [host, await context.resolver.lookup(host, { signal })] as const)),
    Promise.all([...caaNames].map(async (name) => [name, await relevantCaa(context.resolver, name, signal)] as const)),
  ]);
  return { answers: new Map(entries), caa: new Map(caaEntries) };
};

/** A lookup that failed for a reason that says nothing about the record (timeout, SERVFAIL). */
const transientFailure = (result: LookupResult | undefined): LookupFailure | undefined => {
  if (!result) return undefined;
  if (!isLookupFailure(result)) return result.incomplete;
  return result.error === 'TIMEOUT' || result.error === 'SERVFAIL' ? result : undefined;
};

type Ingress = { addresses: Set<string>; hostnames: Set<string>; problem?: { host: string; failure: LookupFailure } };

const ingressOf = (targets: Target[], answers: Answers): Ingress => {
  const ingress: Ingress = { addresses: new Set(), hostnames: new Set() };
  for (const target of targets) {
    if (target.isIp) {
      ingress.addresses.add(target.value);
      continue;
    }
    ingress.hostnames.add(target.value);
    const answer = answers.get(target.value);
    if (answer && !isLookupFailure(answer)) for (const address of answer.addresses) ingress.addresses.add(address);
    const failure = transientFailure(answer);
    if (failure && !ingress.problem) ingress.problem = { host: target.value, failure };
  }
  return ingress;
};

const pointsAtIngress = (value: string, result: LookupResult, ingress: Ingress): boolean =>
  ingress.hostnames.has(value) ||
  result.cnames.some((cname) => ingress.hostnames.has(cname)) ||
  (!isLookupFailure(result) && result.addresses.some((address) => ingress.addresses.has(address)));

const lookupProblem = (check: NameCheck, host: string, failure: LookupFailure, context: Context): Item => {
  const problem = messages.describeLookupProblem(host, failure, context.settings.lookupTimeoutMs);
  const servers = context.resolver.describe();
  if (context.settings.onLookupError === 'deny')
    return { violation: messages.lookupFailedDenied(check.certificate, check.name, problem, servers, check.targets) };
  return { warning: messages.lookupFailedAllowed(check.certificate, check.name, problem, servers, check.targets) };
};

const judgeIp = (check: NameCheck, ingress: Ingress, context: Context): Item | undefined => {
  if (ingress.addresses.has(normalizeAddress(check.name.value))) return undefined;
  if (ingress.problem) return lookupProblem(check, ingress.problem.host, ingress.problem.failure, context);
  return { violation: messages.ipNotIngress(check.certificate, check.name, check.targets) };
};

const judgeDnsName = (check: NameCheck, ingress: Ingress, answers: Answers, context: Context): Item | undefined => {
  const host = normalizeName(check.name.value);
  const result = answers.get(host) ?? { error: 'TIMEOUT', cnames: [] };
  if (pointsAtIngress(host, result, ingress)) return undefined;
  const failure = transientFailure(result);
  if (failure) return lookupProblem(check, host, failure, context);
  if (ingress.problem) return lookupProblem(check, ingress.problem.host, ingress.problem.failure, context);
  return { violation: messages.notPointingAtIngress(check.certificate, check.name, result, check.targets) };
};

const judge = (check: NameCheck, answers: Answers, context: Context): Item | undefined => {
  const ingress = ingressOf(check.targets, answers);
  return check.name.isIp ? judgeIp(check, ingress, context) : judgeDnsName(check, ingress, answers, context);
};

const caaFailure = (check: CaaCheck, failure: CaaFailure, context: Context): Item => {
  const problem = messages.describeCaaProblem(failure.host, failure, context.settings.lookupTimeoutMs);
  const servers = context.resolver.describe();
  if (context.settings.onLookupError === 'deny') return { violation: messages.caaLookupFailedDenied(check.certificate, check.name, problem, servers) };
  return { warning: messages.caaLookupFailedAllowed(check.certificate, check.name, problem, servers, check.order.ca) };
};

const caaVerdict = (check: CaaCheck, at: string, decision: CaaDecision, context: Context): Item | undefined => {
  const { certificate, name, order } = check;
  if ('undecided' in decision) {
    const say = context.settings.onLookupError === 'deny' ? messages.caaAccountUnknownDenied : messages.caaAccountUnknownAllowed;
    const text = say(certificate, name, order.ca, at, decision.record, decision.named);
    return context.settings.onLookupError === 'deny' ? { violation: text } : { warning: text };
  }
  if (decision.authorized) return undefined;
  if ('critical' in decision) return { violation: messages.caaCritical(certificate, name, order.ca, at, decision.critical) };
  return { violation: messages.caaForbids(certificate, name, order, at, decision.property, decision.refusals) };
};

const judgeCaa = (check: CaaCheck, caa: CaaAnswers, context: Context): Item | undefined => {
  const found = caa.get(caaKey(check.name)) ?? { failure: { host: caaKey(check.name), error: 'TIMEOUT' as const } };
  if ('none' in found) return undefined;
  if ('failure' in found) return caaFailure(check, found.failure, context);
  const { ca, method } = check.order;
  const request = { identities: ca.identities, rules: ca.rules, wildcard: check.name.value.startsWith('*.'), method, accountUri: ca.accountUri };
  return caaVerdict(check, found.at, decideCaa(found.records, request), context);
};

const verdictOf = (item: Item, resolved: { answers: Answers; caa: CaaAnswers }, context: Context): Item[] => {
  if ('check' in item) return [judge(item.check, resolved.answers, context)].filter((verdict): verdict is Item => verdict !== undefined);
  if ('caa' in item) return [judgeCaa(item.caa, resolved.caa, context)].filter((verdict): verdict is Item => verdict !== undefined);
  return [item];
};

// ---------------------------------------------------------------- check

const resultOf = (items: Item[], warnings: string[], mode: Mode): PolicyResult => {
  const violations = items.flatMap((item) => ('violation' in item ? [item.violation] : []));
  const itemWarnings = items.flatMap((item) => ('warning' in item ? [item.warning] : []));
  // A namespace in warn mode: the problems become warnings (a global warn is applied by complete.ts).
  if (mode === 'warn') return { violations: [], warnings: [...warnings, ...violations, ...itemWarnings] };
  return { violations, warnings: [...warnings, ...itemWarnings] };
};

const check = async (
  request: PolicyRequest,
  view: ClusterView,
  settings: CertificateDnsSettings,
  deps: CertificateDnsDependencies,
  signal: AbortSignal,
): Promise<PolicyResult> => {
  const derived = derivedOf(request);
  const object = request.object;
  if (!derived || !object || derived.certificates.length === 0) return { violations: [], warnings: derived?.warnings ?? [] };
  const namespace = namespaceOf(object, request.namespace);
  const { mode, warning: modeWarning } = await namespaceMode(view, namespace, settings);
  const warnings = [...derived.warnings, ...(modeWarning ? [modeWarning] : [])];
  if (mode === 'off') return { violations: [], warnings };
  const description = objectDescription(request, object);
  const breakGlass = await readBreakGlass(BREAK_GLASS, { object, description, namespace, user: request.userInfo }, deps.breakGlass ?? ANNOTATION_ALONE, signal);
  if (breakGlass.use) {
    const message = messages.skipped(description, breakGlass.use.reason);
    return {
      violations: [],
      warnings: [...warnings, message],
      auditAnnotations: { [messages.SKIPPED_AUDIT_KEY]: breakGlass.use.reason },
      breakGlass: { ...breakGlass.use, message },
    };
  }
  if (breakGlass.warning) warnings.push(breakGlass.warning);
  const self: KubeObject = { ...object, metadata: { ...object.metadata, namespace } };
  const context: Context = { settings, resolver: deps.resolver, view, self, signal };
  const planned = (await Promise.all(derived.certificates.map((certificate) => planCertificate(certificate, context)))).flat();
  const resolved = await resolveAll(planned, context);
  const items = planned.flatMap((item) => verdictOf(item, resolved, context));
  return resultOf(items, warnings, mode);
};

export const createCertificateDnsPolicy = (settings: CertificateDnsSettings, deps: CertificateDnsDependencies): Policy => ({
  id: CERTIFICATE_DNS,
  mode: settings.mode,
  admission: 'validating',
  matches: (request) => {
    const derived = derivedOf(request);
    return derived !== undefined && (derived.certificates.length > 0 || derived.warnings.length > 0);
  },
  check: (request, view, context) => check(request, view, settings, deps, context.signal),
  audit: certificateDnsAudit(settings),
  whenUndecided: { verdict: settings.onLookupError, setting: 'onLookupError' },
});
