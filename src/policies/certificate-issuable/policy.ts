// certificate-issuable: deny a Certificate that can never become Ready, at apply time:
// one whose Secret another Certificate already writes, and — for an ACME issuer — one the CA would
// refuse (too many identifiers, the same name twice); a common name over 64 characters for any
// issuer. Judged on the Certificate, or on the Ingress / Gateway whose shim would create it
// (certificate-dns/shim.ts). It also warns about Gateway listeners that serve the Certificate's
// Secret for a hostname it does not cover (coverage.ts). An UPDATE that keeps a problem the object already had only warns, so
// a fix can always be applied.
import type { ClusterView } from '../../cluster/view.ts';
import type { KubeObject } from '../../kube/object.ts';
import { CERT_MANAGER_GROUP } from '../../kube/groups.ts';
import { derive, type JudgedCertificate, type JudgedKind } from '../certificate-dns/shim.ts';
import { getIssuer } from '../issuers.ts';
import { ANNOTATION_ALONE, readBreakGlass, type BreakGlassGate, type BreakGlassSpec } from '../break-glass.ts';
import type { Policy, PolicyRequest, PolicyResult, ReviewContext } from '../types.ts';
import { otherWriters, type Reviewed } from './conflicts.ts';
import { uncoveredListenerWarnings } from './coverage.ts';
import { acmeViolations, certificateIdentifiers, commonNameViolations, shimIdentifiers, type Identifiers } from './limits.ts';
import * as messages from './messages.ts';
import { CERTIFICATE_ISSUABLE, type CertificateIssuableSettings } from './settings.ts';

type Mode = CertificateIssuableSettings['mode'];
const MODES: readonly string[] = ['enforce', 'warn', 'off'];

// ---------------------------------------------------------------- selection

const judgedKindOf = (request: PolicyRequest): JudgedKind | undefined => {
  const { group, kind } = request.kind;
  if (group === CERT_MANAGER_GROUP && kind === 'Certificate') return 'Certificate';
  if (group === 'networking.k8s.io' && kind === 'Ingress') return 'Ingress';
  if (group === 'gateway.networking.k8s.io' && kind === 'Gateway') return 'Gateway';
  return undefined;
};

const isJudged = (request: PolicyRequest): boolean =>
  judgedKindOf(request) !== undefined && request.object !== undefined && (request.operation === 'CREATE' || request.operation === 'UPDATE');

// ---------------------------------------------------------------- namespace mode, break glass

const namespaceMode = async (view: ClusterView, namespace: string, settings: CertificateIssuableSettings): Promise<{ mode: Mode; warning?: string }> => {
  const value = (await view.get('namespaces', undefined, namespace))?.metadata?.annotations?.[settings.namespaceModeAnnotation];
  if (value === undefined) return { mode: settings.mode };
  if (MODES.includes(value)) return { mode: value as Mode };
  return { mode: settings.mode, warning: messages.badNamespaceMode(namespace, settings.namespaceModeAnnotation, value, settings.mode) };
};

const BREAK_GLASS: BreakGlassSpec = {
  policy: CERTIFICATE_ISSUABLE,
  annotation: messages.SKIP_ANNOTATION,
  skips: 'the issuability check',
  withoutReason: messages.skipWithoutReason,
};

/** breakGlass: who the skip annotation counts for (default: the annotation alone). */
export type CertificateIssuableDependencies = { breakGlass?: BreakGlassGate };

// ---------------------------------------------------------------- one Certificate

/** The ACME issuer's description, or undefined when the issuer is not (known to be) ACME. */
const acmeIssuerOf = async (certificate: JudgedCertificate, view: ClusterView): Promise<string | undefined> => {
  const lookup = await getIssuer(view, certificate.issuerRef, certificate.namespace);
  if (lookup.found !== 'issuer' || !lookup.acme) return undefined;
  const { name, kind } = certificate.issuerRef;
  return kind === 'ClusterIssuer' ? `ClusterIssuer ${name}` : `Issuer ${certificate.namespace}/${name}`;
};

const identifiersOf = (kind: JudgedKind, object: KubeObject, certificate: JudgedCertificate): Identifiers =>
  kind === 'Certificate' ? certificateIdentifiers(object) : shimIdentifiers(certificate);

/** Limit violations of one derived Certificate (of the new or of the old object). */
const limitViolations = async (
  kind: JudgedKind,
  object: KubeObject,
  certificate: JudgedCertificate,
  view: ClusterView,
  settings: CertificateIssuableSettings,
): Promise<string[]> => {
  const identifiers = identifiersOf(kind, object, certificate);
  const issuer = await acmeIssuerOf(certificate, view);
  const acme = issuer ? acmeViolations(certificate.subject, issuer, identifiers, settings.maxIdentifiers) : [];
  return [...commonNameViolations(certificate.subject, identifiers), ...acme];
};

type Verdict = { violations: string[]; warnings: string[] };

type Review = {
  kind: JudgedKind;
  request: PolicyRequest;
  object: KubeObject;
  old?: KubeObject;
  reviewed: Reviewed;
  view: ClusterView;
  settings: CertificateIssuableSettings;
};

const conflictVerdict = (certificate: JudgedCertificate, oldSecretNames: Set<string>, review: Review): Verdict => {
  if (certificate.secretName === '') return { violations: [], warnings: [] };
  const others = otherWriters(certificate, review.view, review.reviewed);
  if (others.length === 0) return { violations: [], warnings: [] };
  if (oldSecretNames.has(certificate.secretName))
    return { violations: [], warnings: [messages.secretNameTakenKept(certificate.subject, certificate.secretName, others)] };
  return { violations: [messages.secretNameTaken(certificate.subject, certificate.secretName, others)], warnings: [] };
};

/** Explicit Certificates only: a gateway-shim Certificate takes its names from the listeners themselves. */
const coverageWarnings = (review: Review, certificate: JudgedCertificate): string[] => {
  if (review.kind !== 'Certificate' || certificate.secretName === '') return [];
  const dnsNames = certificate.names.filter((name) => name.field.startsWith('spec.dnsNames')).map((name) => name.value);
  return uncoveredListenerWarnings(
    { subject: certificate.subject, namespace: certificate.namespace, secretName: certificate.secretName, dnsNames },
    review.view,
  );
};

const judgeAll = async (review: Review, certificates: JudgedCertificate[]): Promise<Verdict> => {
  const oldCertificates = review.old ? derive(review.kind, review.old, review.request.namespace).certificates : [];
  const oldSecretNames = new Set(oldCertificates.map((certificate) => certificate.secretName));
  const oldLimits = new Set(
    (
      await Promise.all(oldCertificates.map((certificate) => limitViolations(review.kind, review.old as KubeObject, certificate, review.view, review.settings)))
    ).flat(),
  );
  const verdict: Verdict = { violations: [], warnings: [] };
  for (const certificate of certificates) {
    const conflict = conflictVerdict(certificate, oldSecretNames, review);
    verdict.violations.push(...conflict.violations);
    verdict.warnings.push(...conflict.warnings);
    for (const violation of await limitViolations(review.kind, review.object, certificate, review.view, review.settings)) {
      if (oldLimits.has(violation)) verdict.warnings.push(messages.limitKept(violation));
      else verdict.violations.push(violation);
    }
    verdict.warnings.push(...coverageWarnings(review, certificate));
  }
  return verdict;
};

// ---------------------------------------------------------------- check

const objectDescription = (request: PolicyRequest, object: KubeObject, namespace: string): string =>
  `${request.kind.kind} ${namespace}/${object.metadata?.name ?? request.name ?? '(unnamed)'}`;

const check = async (
  request: PolicyRequest,
  view: ClusterView,
  settings: CertificateIssuableSettings,
  gate: BreakGlassGate,
  context: ReviewContext,
): Promise<PolicyResult> => {
  const kind = judgedKindOf(request);
  const object = request.object;
  if (!kind || !object || !isJudged(request)) return { violations: [], warnings: [] };
  const derived = derive(kind, object, request.namespace);
  if (derived.certificates.length === 0) return { violations: [], warnings: [] };
  const namespace = request.namespace ?? derived.certificates[0]?.namespace ?? 'default';
  const { mode, warning: modeWarning } = await namespaceMode(view, namespace, settings);
  const warnings = modeWarning ? [modeWarning] : [];
  if (mode === 'off') return { violations: [], warnings };
  const description = objectDescription(request, object, namespace);
  const breakGlass = await readBreakGlass(BREAK_GLASS, { object, description, namespace, user: request.userInfo }, gate, context.signal);
  if (breakGlass.use) {
    const auditAnnotations = { [messages.SKIPPED_AUDIT_KEY]: breakGlass.use.reason };
    const message = messages.skipped(description, breakGlass.use.reason);
    return { violations: [], warnings: [...warnings, message], auditAnnotations, breakGlass: { ...breakGlass.use, message } };
  }
  if (breakGlass.warning) warnings.push(breakGlass.warning);
  const reviewed: Reviewed = { kind: request.kind.kind, namespace, name: object.metadata?.name ?? request.name ?? '' };
  const old = request.operation === 'UPDATE' ? request.oldObject : undefined;
  const verdict = await judgeAll({ kind, request, object, old, reviewed, view, settings }, derived.certificates);
  // A namespace in warn mode: the problems become warnings (a global warn is applied by complete.ts).
  if (mode === 'warn') return { violations: [], warnings: [...warnings, ...verdict.violations, ...verdict.warnings] };
  return { violations: verdict.violations, warnings: [...warnings, ...verdict.warnings] };
};

export const createCertificateIssuablePolicy = (settings: CertificateIssuableSettings, deps: CertificateIssuableDependencies = {}): Policy => ({
  id: CERTIFICATE_ISSUABLE,
  mode: settings.mode,
  admission: 'validating',
  matches: (request) =>
    isJudged(request) &&
    (judgedKindOf(request) === 'Certificate' ||
      derive(judgedKindOf(request) as JudgedKind, request.object as KubeObject, request.namespace).certificates.length > 0),
  check: (request, view, context) => check(request, view, settings, deps.breakGlass ?? ANNOTATION_ALONE, context),
});
