// certificate-dns: deny an HTTP-01 Certificate whose names do not point at the ingress (seed 001).
// HTTP-01 only succeeds when Let's Encrypt, resolving the name, reaches the solver behind the
// ingress; otherwise cert-manager's self-check fails, the challenge is retried every few seconds
// forever and solver objects pile up. Judged at apply time on the Certificate, or on the Ingress /
// Gateway whose shim would create it. Lookups go through the injected NameResolver, all in parallel
// under one deadline; the cluster is read through the ClusterView only.
import { annotationOf, nameOf, namespaceOf, recordOf, specOf } from '../../kube/accessors.ts';
import { CERT_MANAGER_GROUP, GATEWAY_GROUP, NETWORKING_GROUP } from '../../kube/groups.ts';
import type { KubeObject } from '../../kube/object.ts';
import type { ClusterView } from '../../cluster/view.ts';
import { isLookupFailure, normalizeAddress, normalizeName, type LookupFailure, type LookupResult, type NameResolver } from '../../dns/resolver.ts';
import { getNamespaceOverride } from '../namespace-override.ts';
import type { Policy, PolicyRequest, PolicyResult } from '../types.ts';
import { ingressTargetsFor, type IngressTargets, type Target } from './addresses.ts';
import * as messages from './messages.ts';
import { CERTIFICATE_DNS, type CertificateDnsSettings } from './settings.ts';
import { changedCertificates, type Derived, type JudgedCertificate, type JudgedKind, type JudgedName } from './shim.ts';
import { offeredChallenges, pickSolver, type AcmeSolver } from './solver-picker.ts';

export type CertificateDnsDependencies = { resolver: NameResolver };

type Mode = CertificateDnsSettings['mode'];
const MODES: readonly string[] = ['enforce', 'warn', 'off'];

type Context = { settings: CertificateDnsSettings; resolver: NameResolver; view: ClusterView; self: KubeObject };

/** One name to look up, with where its challenges arrive. */
type NameCheck = { certificate: JudgedCertificate; name: JudgedName; targets: Target[] };

/** What planning found, in field order: a verdict already, or a name still to resolve. */
type Item = { violation: string } | { warning: string } | { check: NameCheck };

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

type BreakGlass = { reason?: string; warning?: string };

const breakGlassOf = (object: KubeObject, description: string): BreakGlass => {
  const value = annotationOf(object, messages.SKIP_ANNOTATION);
  if (value === undefined) return {};
  if (value.trim() === '') return { warning: messages.skipWithoutReason(description) };
  return { reason: value.trim() };
};

// ---------------------------------------------------------------- planning

type Issuer = { skip: true } | { missing: string } | { description: string; solvers: AcmeSolver[] };

const issuerOf = async (certificate: JudgedCertificate, view: ClusterView): Promise<Issuer> => {
  const { name, kind, group } = certificate.issuerRef;
  // External issuers (other groups) and unknown kinds are not ACME: nothing to judge.
  if (group !== CERT_MANAGER_GROUP || (kind !== 'Issuer' && kind !== 'ClusterIssuer') || name === '') return { skip: true };
  const resource = kind === 'ClusterIssuer' ? 'clusterissuers' : 'issuers';
  // Without cert-manager's CRDs nothing will be issued: idle, no lookups.
  if (!view.isServed(resource)) return { skip: true };
  const description = messages.issuerName(kind, certificate.namespace, name);
  const issuer = await view.get(resource, kind === 'Issuer' ? certificate.namespace : undefined, name);
  if (!issuer) return { missing: description };
  const acme = specOf(issuer).acme;
  if (acme === undefined || acme === null) return { skip: true };
  const solvers = recordOf(acme).solvers;
  return { description, solvers: Array.isArray(solvers) ? (solvers as AcmeSolver[]) : [] };
};

const isWildcard = (name: JudgedName): boolean => !name.isIp && name.value.startsWith('*.');

/** A wildcard gets only DNS-01 from Let's Encrypt: without a DNS-01 solver for it, it never issues. */
const planWildcard = (certificate: JudgedCertificate, name: JudgedName, issuer: { description: string; solvers: AcmeSolver[] }): Item[] => {
  if (pickSolver(name.value, ['dns-01'], issuer.solvers, certificate.labels)) return [];
  const http = pickSolver(name.value, ['http-01', 'dns-01'], issuer.solvers, certificate.labels);
  if (http?.type !== 'http-01') return [];
  return [{ violation: messages.wildcardOverHttp01(certificate, name, issuer.description, http.index) }];
};

const planCertificate = async (certificate: JudgedCertificate, context: Context): Promise<Item[]> => {
  const issuer = await issuerOf(certificate, context.view);
  if ('skip' in issuer) return [];
  if ('missing' in issuer) return [{ warning: messages.issuerMissing(certificate, issuer.missing) }];
  const targetsBySolver = new Map<number, IngressTargets>();
  const items: Item[] = [];
  for (const name of certificate.names) {
    if (isWildcard(name)) {
      items.push(...planWildcard(certificate, name, issuer));
      continue;
    }
    const picked = pickSolver(name.value, offeredChallenges(name.value, name.isIp), issuer.solvers, certificate.labels);
    if (picked?.type !== 'http-01') continue;
    const known = targetsBySolver.get(picked.index);
    const targets = known ?? (await ingressTargetsFor(picked.solver, certificate, context.settings, context.view, context.self));
    targetsBySolver.set(picked.index, targets);
    if (targets.targets.length > 0) items.push({ check: { certificate, name, targets: targets.targets } });
    // Said once per solver: every name behind it has the same problem.
    else if (!known) items.push({ warning: messages.ingressUnknown(certificate, issuer.description, picked.index, targets.notes) });
  }
  return items;
};

// ---------------------------------------------------------------- lookups and verdicts

type Answers = Map<string, LookupResult>;

const resolveAll = async (items: Item[], context: Context): Promise<Answers> => {
  const checks = items.flatMap((item) => ('check' in item ? [item.check] : []));
  const hosts = new Set<string>();
  for (const check of checks) {
    if (!check.name.isIp) hosts.add(normalizeName(check.name.value));
    for (const target of check.targets) if (!target.isIp) hosts.add(target.value);
  }
  if (hosts.size === 0) return new Map();
  // One deadline for the whole review, well inside the webhook timeout.
  const signal = AbortSignal.timeout(context.settings.lookupTimeoutMs);
  const entries = await Promise.all([...hosts].map(async (host) => [host, await context.resolver.lookup(host, { signal })] as const));
  return new Map(entries);
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
  if (context.settings.onLookupError === 'deny') return { violation: messages.lookupFailedDenied(check.certificate, check.name, problem, servers, check.targets) };
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

// ---------------------------------------------------------------- check

const resultOf = (items: Item[], warnings: string[], mode: Mode): PolicyResult => {
  const violations = items.flatMap((item) => ('violation' in item ? [item.violation] : []));
  const itemWarnings = items.flatMap((item) => ('warning' in item ? [item.warning] : []));
  // A namespace in warn mode: the problems become warnings (a global warn is applied by complete.ts).
  if (mode === 'warn') return { violations: [], warnings: [...warnings, ...violations, ...itemWarnings] };
  return { violations, warnings: [...warnings, ...itemWarnings] };
};

const check = async (request: PolicyRequest, view: ClusterView, settings: CertificateDnsSettings, deps: CertificateDnsDependencies): Promise<PolicyResult> => {
  const derived = derivedOf(request);
  const object = request.object;
  if (!derived || !object || derived.certificates.length === 0) return { violations: [], warnings: derived?.warnings ?? [] };
  const namespace = namespaceOf(object, request.namespace);
  const { mode, warning: modeWarning } = await namespaceMode(view, namespace, settings);
  const warnings = [...derived.warnings, ...(modeWarning ? [modeWarning] : [])];
  if (mode === 'off') return { violations: [], warnings };
  const description = objectDescription(request, object);
  const breakGlass = breakGlassOf(object, description);
  if (breakGlass.reason !== undefined) {
    return {
      violations: [],
      warnings: [...warnings, messages.skipped(description, breakGlass.reason)],
      auditAnnotations: { [messages.SKIPPED_AUDIT_KEY]: breakGlass.reason },
    };
  }
  if (breakGlass.warning) warnings.push(breakGlass.warning);
  const self: KubeObject = { ...object, metadata: { ...object.metadata, namespace } };
  const context: Context = { settings, resolver: deps.resolver, view, self };
  const planned = (await Promise.all(derived.certificates.map((certificate) => planCertificate(certificate, context)))).flat();
  const answers = await resolveAll(planned, context);
  const items = planned.flatMap((item) => ('check' in item ? [judge(item.check, answers, context)].filter((verdict): verdict is Item => verdict !== undefined) : [item]));
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
  check: (request, view) => check(request, view, settings, deps),
});
