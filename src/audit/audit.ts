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
import { findNotAccepted } from './attachment.ts';
import { IssuanceRecords, isIssuanceRecord } from './challenges.ts';
import { budgetedResolver } from './dns-budget.ts';
import { findExpiring } from './expiring.ts';
import { refOf, RULE_ADMISSION, RULE_BREAK_GLASS, sortFindings, type Finding } from './findings.ts';
import { addByReport } from './policy-report.ts';
import { judge, requestFor, requestNamespaceOf } from './judge.ts';
import { findNotReady } from './not-ready.ts';
import { findOldPlaceholders } from './placeholders.ts';
import { findSolverCaps } from './solvers.ts';
import { auditReads } from './secret-reads.ts';

/** The objects of one namespace ('' = cluster-scoped), in pages: a namespace's Certificates are never all in memory at once. */
export type NamespaceBatch = { namespace: string; pages: AsyncIterable<KubeObject[]> | Iterable<KubeObject[]> };

/**
 * Where an audit's objects come from, namespace by namespace (Gateways, ListenerSets,
 * Certificates, Ingresses...: any kind, policies pick theirs). Each namespace comes at most once.
 */
export type AuditSource = {
  batches(): AsyncIterable<NamespaceBatch> | Iterable<NamespaceBatch>;
  /** Challenges, Orders and CertificateRequests: not judged, they name a not-Ready Certificate's failing Challenge. */
  issuance(): Promise<KubeObject[]>;
};

export type AuditInput = {
  source: AuditSource;
  view: ClusterView;
  config: Config;
  policies: Policy[];
  now: Date;
};

/** Receives each namespace's findings (sorted) once, '' (the cluster-wide ones) last, before the next namespace is judged. */
export type FindingSink = (namespace: string, findings: Finding[]) => Promise<void>;

/** A folder of objects (or any list) as a source: grouped by namespace, each namespace one page. */
export const sourceOf = (objects: KubeObject[]): AuditSource => ({
  batches: () => {
    const byNamespace = new Map<string, KubeObject[]>();
    for (const object of objects) {
      const namespace = requestNamespaceOf(object) ?? '';
      let group = byNamespace.get(namespace);
      if (!group) byNamespace.set(namespace, (group = []));
      group.push(object);
    }
    return [...byNamespace.keys()].sort().map((namespace) => ({ namespace, pages: [byNamespace.get(namespace) ?? []] }));
  },
  issuance: async () => objects.filter(isIssuanceRecord),
});

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

/** The controller's refusals (attachment.ts) are reported under the policy that judges that object at admission, unless it is off. */
const reportsAttachment = (object: KubeObject, config: Config): boolean =>
  config.policies[object.kind === 'ListenerSet' ? 'gateway-listener-tls' : 'certificate-dns'].mode !== 'off';

/** Each object as a CREATE (nothing old to compare with: every broken ref is a new one). */
const judgeObject = async (object: KubeObject, index: number, input: AuditInput, view: ClusterView): Promise<Finding[]> => {
  const request = requestFor(object, [], index, 'certguard-audit');
  const { byPolicy } = await judge(request, input.policies, view);
  const ref = refOf(request.object ?? object);
  return byPolicy.flatMap(({ policy, violations, warnings, breakGlass }) => [
    ...violations.map((message) => ({ policy, rule: RULE_ADMISSION, result: 'fail' as const, object: ref, message })),
    ...warnings.map((message) => ({ policy, rule: RULE_ADMISSION, result: 'warn' as const, object: ref, message })),
    ...breakGlass.map((message) => ({ policy, rule: RULE_BREAK_GLASS, result: 'warn' as const, object: ref, message })),
  ]);
};

/** What only time breaks, found over the whole view at once: old placeholders, solver floods. */
const viewFindings = async (input: AuditInput): Promise<Finding[]> => {
  const { audit, policies } = input.config;
  const placeholders = policies['gateway-listener-tls'].mode !== 'off' ? findOldPlaceholders({ view: input.view, now: input.now, maxAgeHours: audit.placeholderMaxAgeHours }) : [];
  return [...placeholders, ...(await findSolverCaps(input.view, policies['acme-solver-cap']))];
};

/**
 * The audit, namespace by namespace: each namespace's objects are judged page by page, its findings
 * handed to `sink` and dropped before the next namespace. What an audit holds is one namespace's
 * findings and one page of objects, not the cluster's: tens of thousands of findings, each with
 * its message, did not fit beside the view in serve's heap (bench/README.md, Audit inside serve).
 * Returns how many objects the source gave.
 */
export const auditByNamespace = async (input: AuditInput, sink: FindingSink): Promise<{ objects: number }> => {
  const { audit, policies } = input.config;
  const tlsOn = policies['gateway-listener-tls'].mode !== 'off';
  const records = await input.source.issuance();
  const issuance = new IssuanceRecords(records);
  const pending = addByReport(new Map(), await viewFindings(input));
  const done = new Set<string>();
  const flush = async (namespace: string): Promise<void> => {
    // A source that gives a namespace twice would have its report overwritten by the second half.
    if (done.has(namespace)) throw new Error(`audit source gave namespace "${namespace}" after its findings were written`);
    done.add(namespace);
    const findings = pending.get(namespace) ?? [];
    pending.delete(namespace);
    await sink(namespace, sortFindings(findings));
  };
  let objects = records.length;
  let judged = 0;
  for await (const { namespace, pages } of input.source.batches()) {
    const view = auditReads(input.view);
    for await (const page of pages) {
      objects += page.length;
      for (const object of page) if (reportsAttachment(object, input.config)) addByReport(pending, findNotAccepted(object));
      for (const object of page.filter(isJudged)) {
        addByReport(pending, await judgeObject(object, judged++, input, view));
        if (tlsOn) addByReport(pending, await findExpiring(object, { view, now: input.now, withinDays: audit.expiringWithinDays }));
        addByReport(pending, findNotReady(object, { now: input.now, afterMinutes: audit.notReadyAfterMinutes, issuance }));
      }
    }
    // Cluster-wide findings share the ClusterPolicyReport with the view's: written last.
    if (namespace !== '') await flush(namespace);
  }
  for (const namespace of [...pending.keys()].sort()) if (namespace !== '') await flush(namespace);
  await flush('');
  return { objects };
};

/** The whole audit's findings in one sorted list: `certguard audit` prints them. */
export const runAudit = async (input: AuditInput): Promise<{ objects: number; findings: Finding[] }> => {
  const findings: Finding[] = [];
  const { objects } = await auditByNamespace(input, async (_namespace, found) => void findings.push(...found));
  return { objects, findings: sortFindings(findings) };
};
