// Findings as wgpolicyk8s.io/v1alpha2 PolicyReports — the format Kyverno and Kubewarden write and
// Policy Reporter reads (schema: kubernetes-sigs/wg-policy-prototypes,
// policy-report/apis/wgpolicyk8s.io/v1alpha2/policyreport_types.go): one PolicyReport per namespace
// with findings, one ClusterPolicyReport for cluster-scoped ones. Pure: the writer does the I/O.
import type { KubeObject } from '../kube/object.ts';
import { MANAGED_BY, MANAGED_BY_LABEL } from '../policies/gateway-listener-tls/placeholder-labels.ts';
import type { Finding, ObjectRef } from './findings.ts';

export const REPORT_GROUP = 'wgpolicyk8s.io';
export const REPORT_VERSION = 'v1alpha2';
export const REPORT_API_VERSION = `${REPORT_GROUP}/${REPORT_VERSION}`;
/** One report of ours per namespace, found again by name and label. */
export const REPORT_NAME = 'certguard';
export const REPORT_LABELS: Record<string, string> = { [MANAGED_BY_LABEL]: MANAGED_BY };
/** PolicyReportResult.source: the engine that wrote the result (Policy Reporter filters by it). */
export const REPORT_SOURCE = 'certguard';

export type ReportResult = {
  source: string;
  policy: string;
  rule: string;
  result: 'fail' | 'warn';
  scored: boolean;
  timestamp: { seconds: number; nanos: number };
  resources?: ObjectRef[];
  message: string;
};

export type Summary = { pass: number; fail: number; warn: number; error: number; skip: number };

export type PolicyReport = KubeObject & { summary: Summary; results: ReportResult[] };

/** A namespaced object's report is its namespace's; a Namespace's (the solver cap) is its own; the rest ('') go to the ClusterPolicyReport. */
export const namespaceOfFinding = (finding: Finding): string => {
  if (finding.object?.kind === 'Namespace' && finding.object.apiVersion === 'v1') return finding.object.name;
  return finding.object?.namespace ?? '';
};

/** Two results are the same finding when everything but the timestamp matches. */
const keyOf = (result: Pick<ReportResult, 'policy' | 'rule' | 'message' | 'resources'>): string =>
  JSON.stringify([result.policy, result.rule, result.message, (result.resources ?? []).map((ref) => [ref.kind, ref.namespace, ref.name])]);

/** The time each result was first found: kept from the previous report, so "how long" is answerable. */
const firstSeen = (previous: ReportResult[] | undefined): Map<string, ReportResult['timestamp']> =>
  new Map((previous ?? []).map((result) => [keyOf(result), result.timestamp]));

export const resultOf = (finding: Finding, now: Date, seen: Map<string, ReportResult['timestamp']>): ReportResult => {
  const result: ReportResult = {
    source: REPORT_SOURCE,
    policy: finding.policy,
    rule: finding.rule,
    result: finding.result,
    scored: true,
    timestamp: { seconds: Math.floor(now.getTime() / 1000), nanos: 0 },
    message: finding.message,
  };
  if (finding.object) result.resources = [finding.object];
  result.timestamp = seen.get(keyOf(result)) ?? result.timestamp;
  return result;
};

export const summaryOf = (results: ReportResult[]): Summary => ({
  pass: 0,
  fail: results.filter((result) => result.result === 'fail').length,
  warn: results.filter((result) => result.result === 'warn').length,
  error: 0,
  skip: 0,
});

/** The report body for one namespace ('' = the ClusterPolicyReport); `previous` keeps first-seen times. */
export const buildReport = (namespace: string, findings: Finding[], now: Date, previous?: PolicyReport): PolicyReport => {
  const seen = firstSeen(previous?.results);
  const results = findings.map((finding) => resultOf(finding, now, seen));
  const metadata = { name: REPORT_NAME, labels: { ...REPORT_LABELS }, ...(namespace ? { namespace } : {}) };
  return { apiVersion: REPORT_API_VERSION, kind: namespace ? 'PolicyReport' : 'ClusterPolicyReport', metadata, summary: summaryOf(results), results };
};

/** Adds findings to `into` by the report they belong in (namespaceOfFinding). */
export const addByReport = (into: Map<string, Finding[]>, findings: Finding[]): Map<string, Finding[]> => {
  for (const finding of findings) {
    const namespace = namespaceOfFinding(finding);
    let group = into.get(namespace);
    if (!group) into.set(namespace, (group = []));
    group.push(finding);
  }
  return into;
};

/** Findings by the report they belong in; every namespace in `previous` gets an entry (empty = its stale results go). */
export const groupByReport = (findings: Finding[], previousNamespaces: Iterable<string> = []): Map<string, Finding[]> =>
  addByReport(new Map([...previousNamespaces].map((namespace) => [namespace, []])), findings);
