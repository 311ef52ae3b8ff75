// What fills the Secret (a Certificate, a shim's, or nothing), the issuer it names, and each name:
// the solver cert-manager picks, where DNS points against where challenges arrive, what CAA
// allows. The verdicts are certificate-dns's and certificate-issuable's, run on the Certificate
// through the same review() the webhook runs (admission/judge.ts): their messages, word for word.
import { judge, nameOf, requestFor } from '../admission/judge.ts';
import type { KubeObject } from '../kube/object.ts';
import { recordOf, specOf, statusOf, textOf } from '../kube/accessors.ts';
import { relevantCaa, decideCaa } from '../dns/caa.ts';
import { isLookupFailure, normalizeName } from '../dns/resolver.ts';
import { describeResolution, describeTargets, issuerMissing, issuerName } from '../policies/certificate-dns/messages.ts';
import { ingressTargetsFor } from '../policies/certificate-dns/addresses.ts';
import { caaIdentitiesFor, type CaaCaIdentity } from '../policies/certificate-dns/caa-identities.ts';
import { CERTIFICATE_DNS } from '../policies/certificate-dns/settings.ts';
import { CERTIFICATE_ISSUABLE } from '../policies/certificate-issuable/settings.ts';
import type { Policy } from '../policies/types.ts';
import type { JudgedCertificate, JudgedName } from '../policies/certificate-dns/shim.ts';
import { acmeIdentifier, offeredChallenges, pickSolver, type AcmeSolver, type PickedSolver } from '../policies/certificate-dns/solver-picker.ts';
import type { Filler, Issuance } from '../policies/gateway-listener-tls/issuance.ts';
import { conditionOf, describeCondition } from '../kube/conditions.ts';
import type { ExplainContext } from './context.ts';
import { SKIP_ANNOTATIONS, withoutSkips, type JUDGED_POLICIES } from './judged-policies.ts';
import * as messages from './messages.ts';
import type { Hop } from './model.ts';

/** One policy on one Certificate, as the facts stand; `note`: what admission does about it, when that differs. */
export type PolicyVerdict = { violations: string[]; warnings: string[]; note?: string };

export type PolicyVerdicts = { dns: PolicyVerdict; issuable: PolicyVerdict };

type ByPolicy = Awaited<ReturnType<typeof judge>>['byPolicy'];

const runPolicies = async (
  context: ExplainContext,
  policies: Policy[],
  object: KubeObject,
  secretName: string,
): Promise<(policy: string) => ByPolicy[number]> => {
  const { byPolicy } = await judge(requestFor(object, [], 0, 'certguard-explain'), policies, context.view);
  // Judged on a shim's owner, the verdicts of its other Certificates are not this chain's.
  const mine = (message: string) => object.kind === 'Certificate' || message.includes(secretName);
  return (policy) => {
    const found = byPolicy.find((verdict) => verdict.policy === policy);
    return { policy, violations: (found?.violations ?? []).filter(mine), warnings: (found?.warnings ?? []).filter(mine), breakGlass: found?.breakGlass ?? [] };
  };
};

/** Why admission lets in what the facts refuse: the policy is off, warns (config or Namespace annotation), or is skipped. */
const admissionNote = (
  context: ExplainContext,
  policy: (typeof JUDGED_POLICIES)[number],
  facts: string[],
  admitted: ByPolicy[number],
  object: KubeObject,
): string | undefined => {
  if (facts.length === 0 || admitted.violations.length > 0) return undefined;
  const settings = context.config.policies[policy];
  const described = nameOf(object);
  if (admitted.breakGlass.length > 0) return messages.admissionSkipped(policy, described, SKIP_ANNOTATIONS[policy]);
  const mode = facts.some((fact) => admitted.warnings.includes(fact)) ? 'warn' : 'off';
  const source =
    settings.mode === mode
      ? `policies.${policy}.mode: ${mode}`
      : `annotation ${settings.namespaceModeAnnotation}: ${mode} on Namespace ${object.metadata?.namespace ?? 'default'}`;
  return messages.admissionLetsIn(policy, mode, source, described);
};

/**
 * certificate-dns and certificate-issuable on the Certificate (or the shim's owner), as if it were
 * applied now: enforced, for the facts; as configured, only when the facts refuse it (the note).
 */
export const judgeCertificate = async (context: ExplainContext, object: KubeObject, secretName: string): Promise<PolicyVerdicts> => {
  const facts = await runPolicies(context, context.certificatePolicies.facts, withoutSkips(object), secretName);
  const verdicts: PolicyVerdicts = { dns: facts(CERTIFICATE_DNS), issuable: facts(CERTIFICATE_ISSUABLE) };
  if (verdicts.dns.violations.length === 0 && verdicts.issuable.violations.length === 0) return verdicts;
  const admission = await runPolicies(context, context.certificatePolicies.admission, object, secretName);
  const noted = (policy: (typeof JUDGED_POLICIES)[number], verdict: PolicyVerdict): PolicyVerdict => {
    const note = admissionNote(context, policy, verdict.violations, admission(policy), object);
    return { violations: verdict.violations, warnings: verdict.warnings, ...(note ? { note } : {}) };
  };
  return { dns: noted(CERTIFICATE_DNS, verdicts.dns), issuable: noted(CERTIFICATE_ISSUABLE, verdicts.issuable) };
};

const fillerName = (filler: Filler): string =>
  filler.source === 'certificate' ? `Certificate ${filler.namespace}/${filler.name}` : `the ${filler.source} Certificate ${filler.namespace}/${filler.name}`;

export const fillerHop = (issuance: Issuance, certificate: KubeObject | undefined, verdicts: PolicyVerdicts | undefined): Hop => {
  if (issuance.code === 'unmanaged')
    return { hop: 'filler', status: 'skipped', summary: 'no Certificate or cert-manager annotation fills this Secret', details: [] };
  const { filler } = issuance;
  const details = [`issuerRef ${filler.issuerRef.kind} ${filler.issuerRef.name}`, `dnsNames ${filler.dnsNames.join(', ') || 'none'}`];
  if (!certificate) details.push('cert-manager has not created this Certificate yet');
  const violations = verdicts?.issuable.violations ?? [];
  details.push(...(verdicts?.issuable.warnings ?? []));
  const note = verdicts?.issuable.note;
  if (violations.length > 0)
    return {
      hop: 'filler',
      status: 'broken',
      summary: `${fillerName(filler)}: cannot be issued`,
      message: violations[0],
      ...(note ? { note } : {}),
      details: [...details, ...violations],
    };
  return { hop: 'filler', status: 'ok', summary: fillerName(filler), details };
};

export type IssuerFacts = { acme: false } | { acme: true; solvers: AcmeSolver[]; server?: string; identities?: CaaCaIdentity; accountUri?: string };

export type IssuerResult = { hop: Hop; facts?: IssuerFacts };

export const issuerHop = async (context: ExplainContext, judged: JudgedCertificate): Promise<IssuerResult> => {
  const { name, kind, group } = judged.issuerRef;
  if (group !== 'cert-manager.io' || (kind !== 'Issuer' && kind !== 'ClusterIssuer')) {
    return { hop: { hop: 'issuer', status: 'ok', summary: `${group}/${kind} ${name}: an external issuer (not judged)`, details: [] }, facts: { acme: false } };
  }
  const description = issuerName(kind, judged.namespace, name);
  const issuer = await context.view.get(kind === 'ClusterIssuer' ? 'clusterissuers' : 'issuers', kind === 'Issuer' ? judged.namespace : undefined, name);
  if (!issuer)
    return { hop: { hop: 'issuer', status: 'broken', summary: `${description}: does not exist`, message: issuerMissing(judged, description), details: [] } };
  const ready = conditionOf(statusOf(issuer), 'Ready');
  const details = ready ? [describeCondition(ready)] : ['no Ready condition yet'];
  const acme = specOf(issuer).acme;
  const facts: IssuerFacts = acme
    ? (() => {
        const server = textOf(recordOf(acme).server);
        const solvers = Array.isArray(recordOf(acme).solvers) ? (recordOf(acme).solvers as AcmeSolver[]) : [];
        const identities = caaIdentitiesFor(server, context.config.policies['certificate-dns'].caaIdentities);
        const accountUri = textOf(recordOf(recordOf(statusOf(issuer)).acme).uri);
        details.push(
          `ACME server ${server ?? '(none)'}`,
          `CAA identity ${identities?.identities.join(', ') ?? 'unknown (CAA not judged)'}`,
          `${solvers.length} solvers`,
        );
        return { acme: true, solvers, server, identities, accountUri };
      })()
    : { acme: false };
  if (!acme) details.push(`not ACME (${Object.keys(specOf(issuer)).join(', ') || 'empty spec'}): no challenges`);
  if (ready?.status !== 'True')
    return {
      hop: {
        hop: 'issuer',
        status: ready ? 'broken' : 'pending',
        summary: `${description}: not Ready`,
        message: messages.issuerNotReady(description, ready),
        details,
      },
      facts,
    };
  return { hop: { hop: 'issuer', status: 'ok', summary: `${description}: Ready${facts.acme ? `, ACME ${facts.server ?? ''}` : ''}`, details }, facts };
};

const describeSolver = (picked: PickedSolver | undefined): string => {
  if (!picked) return 'no solver';
  const kind = picked.type === 'dns-01' ? 'DNS-01' : picked.solver.http01?.gatewayHTTPRoute ? 'HTTP-01 gatewayHTTPRoute' : 'HTTP-01 ingress';
  return `solver spec.acme.solvers[${picked.index}] (${kind})`;
};

/** One line per name: solver, DNS against the ingress, CAA. Facts only: the verdict is the policy's. */
const nameLine = async (context: ExplainContext, judged: JudgedCertificate, name: JudgedName, facts: Extract<IssuerFacts, { acme: true }>): Promise<string> => {
  const identifier = acmeIdentifier(name.value, name.isIp);
  const picked = pickSolver(identifier, offeredChallenges(identifier, name.isIp), facts.solvers, judged.labels);
  const parts = [`${name.value}: ${describeSolver(picked)}`];
  const settings = context.config.policies['certificate-dns'];
  const signal = AbortSignal.timeout(settings.lookupTimeoutMs);
  if (picked?.type === 'http-01' && !name.isIp) {
    const { targets } = await ingressTargetsFor(picked.solver, judged, settings, context.view);
    const result = await context.resolver.lookup(normalizeName(name.value), { signal });
    parts.push(
      `DNS ${isLookupFailure(result) && (result.error === 'TIMEOUT' || result.error === 'SERVFAIL') ? `lookup failed (${result.detail ?? result.error})` : describeResolution(result)}`,
      `ingress ${targets.length > 0 ? describeTargets(targets) : 'unknown'}`,
    );
  }
  if (facts.identities && !name.isIp) {
    const caa = await relevantCaa(context.resolver, name.value, signal);
    if ('none' in caa) parts.push('CAA: no records (any CA)');
    else if ('failure' in caa) parts.push(`CAA: lookup failed at ${caa.failure.host} (${caa.failure.error})`);
    else {
      const { identities, rules } = facts.identities;
      const request = { identities, rules, wildcard: name.value.startsWith('*.'), method: picked?.type ?? 'http-01', accountUri: facts.accountUri } as const;
      const decision = decideCaa(caa.records, request);
      const verdict = 'undecided' in decision ? 'cannot decide before the account is registered for' : decision.authorized ? 'allows' : 'forbids';
      parts.push(`CAA at ${caa.at}: ${verdict} ${identities.join(', ')}`);
    }
  }
  return parts.join(', ');
};

export const namesHop = async (
  context: ExplainContext,
  judged: JudgedCertificate,
  facts: Extract<IssuerFacts, { acme: true }>,
  verdicts: PolicyVerdicts | undefined,
): Promise<Hop> => {
  const details = await Promise.all(judged.names.map((name) => nameLine(context, judged, name, facts)));
  const violations = verdicts?.dns.violations ?? [];
  details.push(...(verdicts?.dns.warnings ?? []));
  const summary = judged.names.map((name) => name.value).join(', ') || 'no names';
  const note = verdicts?.dns.note;
  if (violations.length > 0)
    return { hop: 'names', status: 'broken', summary, message: violations[0], ...(note ? { note } : {}), details: [...details, ...violations.slice(1)] };
  return { hop: 'names', status: 'ok', summary, details };
};
