// The audit: judges what exists with the webhook's policies and messages, each object as if it
// were created now, plus each policy's audit-only rules (what time or a controller breaks after
// admission). Pure over a ClusterView and a list of objects: the CLI feeds it a folder or the live
// cluster, serve feeds it its live view. It knows no policy by name.
import type { ClusterView } from '../cluster/view.ts';
import type { Config } from '../config/schema.ts';
import type { KubeObject } from '../kube/object.ts';
import type { AuditContext, Policy } from '../policies/types.ts';
import { IssuanceRecords, isIssuanceRecord } from './challenges.ts';
import { refOf, RULE_ADMISSION, RULE_BREAK_GLASS, sortFindings, type Finding } from './findings.ts';
import { addByReport } from './policy-report.ts';
import { judge, requestFor, requestNamespaceOf } from '../admission/judge.ts';
import { findNotReady } from './not-ready.ts';
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

// Objects a policy reports as a group (solver floods), and Challenges, Orders and
// CertificateRequests (read for the not-Ready finding), are not judged one by one.
const isJudged = (object: KubeObject, policies: Policy[]): boolean =>
  Boolean(object.kind && object.metadata?.name) && !isIssuanceRecord(object) && !policies.some((policy) => policy.audit?.groups?.(object));

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

const contextOf = (input: AuditInput, view: ClusterView): AuditContext => ({ view, now: input.now, settings: input.config.audit });

/** The policies' rules over the whole view at once: old placeholders, solver floods. */
const viewFindings = async (input: AuditInput): Promise<Finding[]> => {
  const found = await Promise.all(input.policies.map((policy) => policy.audit?.view?.(contextOf(input, input.view)) ?? []));
  return found.flat();
};

/** The policies' rules on one object: what its controller refused, what time breaks. */
const objectFindings = async (object: KubeObject, context: AuditContext, policies: Policy[]): Promise<Finding[]> => {
  const findings: Finding[] = [];
  for (const policy of policies) if (policy.audit?.object) findings.push(...(await policy.audit.object(object, context)));
  return findings;
};

/**
 * The audit, namespace by namespace: each namespace's objects are judged page by page, its findings
 * handed to `sink` and dropped before the next namespace. What an audit holds is one namespace's
 * findings and one page of objects, not the cluster's: tens of thousands of findings, each with
 * its message, did not fit beside the view in serve's heap (bench/README.md, Audit inside serve).
 * Returns how many objects the source gave.
 */
export const auditByNamespace = async (input: AuditInput, sink: FindingSink): Promise<{ objects: number }> => {
  const { audit } = input.config;
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
    const context = contextOf(input, view);
    for await (const page of pages) {
      objects += page.length;
      for (const object of page) {
        addByReport(pending, await objectFindings(object, context, input.policies));
        if (!isJudged(object, input.policies)) continue;
        addByReport(pending, await judgeObject(object, judged++, input, view));
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

/** One namespace of a source (`audit -n`): its batch alone, no cluster-scoped one. */
export const inNamespace = (source: AuditSource, namespace: string): AuditSource => ({
  issuance: async () => (await source.issuance()).filter((object) => object.metadata?.namespace === namespace),
  batches: async function* () {
    for await (const batch of source.batches()) if (batch.namespace === namespace) yield batch;
  },
});

/** A finding about the namespace or something in it; cluster-wide ones are about none. */
export const isAboutNamespace = (finding: Finding, namespace: string): boolean =>
  finding.object?.namespace === namespace || (finding.object?.kind === 'Namespace' && finding.object.name === namespace);

/** The whole audit's findings in one sorted list: `certguard audit` prints them. */
export const runAudit = async (input: AuditInput): Promise<{ objects: number; findings: Finding[] }> => {
  const findings: Finding[] = [];
  const { objects } = await auditByNamespace(input, async (_namespace, found) => void findings.push(...found));
  return { objects, findings: sortFindings(findings) };
};
