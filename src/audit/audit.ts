// The audit: judges what exists with the webhook's policies and messages, each object as if it
// were created now, plus what only time breaks (expiring certificates, placeholders nobody
// replaced, solver floods). Pure over a ClusterView and a list of objects: the CLI feeds it a
// folder or the live cluster, serve feeds it its live view.
import type { ClusterView } from '../cluster/view.ts';
import { buildPolicies, type PolicyDependencies } from '../compose.ts';
import type { Config } from '../config/schema.ts';
import { createNameResolver } from '../dns/resolver.ts';
import type { KubeObject } from '../kube/object.ts';
import { hasSolverLabel } from '../policies/acme-solver-cap/solvers.ts';
import { resolverOptionsFrom } from '../policies/certificate-dns/settings.ts';
import type { Policy } from '../policies/types.ts';
import { IssuanceRecords, isIssuanceRecord } from './challenges.ts';
import { budgetedResolver } from './dns-budget.ts';
import { findExpiring } from './expiring.ts';
import { refOf, RULE_ADMISSION, sortFindings, type Finding } from './findings.ts';
import { judge, requestFor } from './judge.ts';
import { findNotReady } from './not-ready.ts';
import { findOldPlaceholders } from './placeholders.ts';
import { findSolverCaps } from './solvers.ts';

export type AuditInput = {
  /**
   * The objects to judge (Gateways, ListenerSets, Certificates, Ingresses...): any kind, policies
   * pick theirs. Challenges, Orders and CertificateRequests among them are not judged: they name a
   * not-Ready Certificate's failing Challenge.
   */
  objects: KubeObject[];
  view: ClusterView;
  config: Config;
  policies: Policy[];
  now: Date;
};

/**
 * The policies as the audit runs them. Placeholder mode becomes enforce: a missing Secret is a
 * finding (no placeholder is ever created by an audit, and "would create" is not a verdict).
 */
export const buildAuditPolicies = (config: Config, deps: PolicyDependencies): Policy[] => {
  const tls = config.policies['gateway-listener-tls'];
  const mode = tls.mode === 'placeholder' ? 'enforce' : tls.mode;
  // The audit's lookups within audit.dnsLookupsPerSecond; serve hands in the webhook's resolver,
  // so cached answers are shared both ways and admission lookups never wait on this budget.
  const shared = deps.resolver ?? createNameResolver(resolverOptionsFrom(config.policies['certificate-dns']));
  const resolver = budgetedResolver(shared, config.audit.dnsLookupsPerSecond);
  return buildPolicies({ ...config, policies: { ...config.policies, 'gateway-listener-tls': { ...tls, mode } } }, { ...deps, resolver });
};

// Solver objects are judged per namespace (findSolverCaps), never one by one; Challenges, Orders
// and CertificateRequests are read for the not-Ready finding, not judged.
const isJudged = (object: KubeObject): boolean => Boolean(object.kind && object.metadata?.name) && !hasSolverLabel(object) && !isIssuanceRecord(object);

/** Each object as a CREATE (nothing old to compare with: every broken ref is a new one). */
const judgeObject = async (object: KubeObject, index: number, input: AuditInput): Promise<Finding[]> => {
  const request = requestFor(object, [], index, 'certguard-audit');
  const { byPolicy } = await judge(request, input.policies, input.view);
  const ref = refOf(request.object ?? object);
  return byPolicy.flatMap(({ policy, violations, warnings }) => [
    ...violations.map((message) => ({ policy, rule: RULE_ADMISSION, result: 'fail' as const, object: ref, message })),
    ...warnings.map((message) => ({ policy, rule: RULE_ADMISSION, result: 'warn' as const, object: ref, message })),
  ]);
};

export const runAudit = async (input: AuditInput): Promise<Finding[]> => {
  const { audit, policies } = input.config;
  const findings: Finding[] = [];
  const tlsOn = policies['gateway-listener-tls'].mode !== 'off';
  const issuance = new IssuanceRecords(input.objects.filter(isIssuanceRecord));
  for (const [index, object] of input.objects.filter(isJudged).entries()) {
    findings.push(...(await judgeObject(object, index, input)));
    if (tlsOn) findings.push(...(await findExpiring(object, { view: input.view, now: input.now, withinDays: audit.expiringWithinDays })));
    findings.push(...findNotReady(object, { now: input.now, afterMinutes: audit.notReadyAfterMinutes, issuance }));
  }
  if (tlsOn) findings.push(...findOldPlaceholders({ view: input.view, now: input.now, maxAgeHours: audit.placeholderMaxAgeHours }));
  findings.push(...(await findSolverCaps(input.view, policies['acme-solver-cap'])));
  return sortFindings(findings);
};
