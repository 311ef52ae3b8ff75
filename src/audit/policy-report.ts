// Findings as policy reports in the two formats policy engines write and Policy Reporter reads:
// OpenReports (openreports.io/v1alpha1 Report/ClusterReport, what Kyverno writes since 1.15) and
// wgpolicyk8s.io/v1alpha2 PolicyReport/ClusterPolicyReport (kubernetes-sigs/wg-policy-prototypes).
// The two share their result shape (github.com/openreports/reports-api v0.2.1
// config/crd/openreports.io_reports.yaml; github.com/kyverno/kyverno v1.19.1
// config/crds/policyreport/wgpolicyk8s.io_policyreports.yaml): one report per namespace with
// findings, one cluster report for cluster-scoped ones. Results are filled as Kyverno fills its
// own (v1.19.1 pkg/utils/report/results.go ToPolicyReportResult: source on every result, policy,
// rule, result, scored, timestamp, message, the object in resources, properties.process "background
// scan" or "admission review"), because Policy Reporter takes a report's source from its first
// result (kyverno/policy-reporter pkg/openreports/reports_adapter.go GetSource) and a result's
// object from resources[0] (pkg/openreports/result.go GetResource). Pure: the writer does the I/O.
import type { KubeObject } from '../kube/object.ts';
import { MANAGED_BY, MANAGED_BY_LABEL } from '../kube/labels.ts';
import type { Finding, ObjectRef } from './findings.ts';

export type ReportFormatId = 'openreports' | 'policyreports';

export type ReportFormat = {
  id: ReportFormatId;
  group: string;
  version: string;
  kind: string;
  clusterKind: string;
  /** Plural resource names, for the API paths. */
  resource: string;
  clusterResource: string;
};

export const REPORT_FORMATS: Record<ReportFormatId, ReportFormat> = {
  openreports: {
    id: 'openreports',
    group: 'openreports.io',
    version: 'v1alpha1',
    kind: 'Report',
    clusterKind: 'ClusterReport',
    resource: 'reports',
    clusterResource: 'clusterreports',
  },
  policyreports: {
    id: 'policyreports',
    group: 'wgpolicyk8s.io',
    version: 'v1alpha2',
    kind: 'PolicyReport',
    clusterKind: 'ClusterPolicyReport',
    resource: 'policyreports',
    clusterResource: 'clusterpolicyreports',
  },
};

export const apiVersionOf = (format: ReportFormat): string => `${format.group}/${format.version}`;

/** One report of ours per namespace, found again by name and label. */
export const REPORT_NAME = 'certguard';
export const REPORT_LABELS: Record<string, string> = { [MANAGED_BY_LABEL]: MANAGED_BY };
/** ReportResult.source: the engine that wrote the result (Policy Reporter filters by it). */
export const REPORT_SOURCE = 'certguard';

/** Kyverno's properties.process: the audit is a background scan, `certguard check` judges as admission would. */
export type ReportProcess = 'background scan' | 'admission review';

// A report is one object in etcd, whose default request limit is 1.5 MiB (etcd --max-request-bytes;
// kube-apiserver passes larger writes on and etcd refuses them). 1 MiB of results leaves room for
// metadata, managedFields and the summary: past it a report keeps its first results (fails first)
// and its summary still counts every finding, so the difference is what was left out (OpenReports
// also sets configuration.limits.maxResults).
export const MAX_RESULT_BYTES = 1024 * 1024;

export type ReportResult = {
  source: string;
  policy: string;
  rule: string;
  result: 'fail' | 'warn';
  scored: boolean;
  timestamp: { seconds: number; nanos: number };
  resources?: ObjectRef[];
  message: string;
  properties: Record<string, string>;
};

export type Summary = { pass: number; fail: number; warn: number; error: number; skip: number };

export type PolicyReport = KubeObject & { summary: Summary; results: ReportResult[]; source?: string; configuration?: { limits: { maxResults: number } } };

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

export const resultOf = (
  finding: Finding,
  now: Date,
  seen: Map<string, ReportResult['timestamp']>,
  process: ReportProcess = 'background scan',
): ReportResult => {
  const result: ReportResult = {
    source: REPORT_SOURCE,
    policy: finding.policy,
    rule: finding.rule,
    result: finding.result,
    scored: true,
    timestamp: { seconds: Math.floor(now.getTime() / 1000), nanos: 0 },
    message: finding.message,
    properties: { process },
  };
  if (finding.object) result.resources = [finding.object];
  result.timestamp = seen.get(keyOf(result)) ?? result.timestamp;
  return result;
};

const countOf = (results: Array<Pick<ReportResult, 'result'>>, result: ReportResult['result']): number =>
  results.filter((item) => item.result === result).length;

/** Counts every finding, also those a capped report leaves out. */
export const summaryOf = (results: Array<Pick<ReportResult, 'result'>>): Summary => ({
  pass: 0,
  fail: countOf(results, 'fail'),
  warn: countOf(results, 'warn'),
  error: 0,
  skip: 0,
});

/** The results that fit in MAX_RESULT_BYTES (in order: fails first, as findings sort), or all of them. */
export const capResults = (results: ReportResult[], maxBytes = MAX_RESULT_BYTES): ReportResult[] => {
  let bytes = 0;
  for (let at = 0; at < results.length; at += 1) {
    bytes += Buffer.byteLength(JSON.stringify(results[at])) + 1;
    if (bytes > maxBytes) return results.slice(0, at);
  }
  return results;
};

const failsFirst = (findings: Finding[]): Finding[] => [
  ...findings.filter((finding) => finding.result === 'fail'),
  ...findings.filter((finding) => finding.result !== 'fail'),
];

export type ReportOptions = { previous?: PolicyReport; format?: ReportFormat; process?: ReportProcess; maxResultBytes?: number };

/** The report body for one namespace ('' = the cluster report); `previous` keeps first-seen times. */
export const buildReport = (namespace: string, findings: Finding[], now: Date, options: ReportOptions = {}): PolicyReport => {
  const format = options.format ?? REPORT_FORMATS.policyreports;
  const seen = firstSeen(options.previous?.results);
  const all = failsFirst(findings).map((finding) => resultOf(finding, now, seen, options.process));
  const results = capResults(all, options.maxResultBytes);
  const metadata = { name: REPORT_NAME, labels: { ...REPORT_LABELS }, ...(namespace ? { namespace } : {}) };
  const report: PolicyReport = {
    apiVersion: apiVersionOf(format),
    kind: namespace ? format.kind : format.clusterKind,
    metadata,
    summary: summaryOf(all),
    results,
  };
  if (format.id !== 'openreports') return report;
  // OpenReports says so in the report: configuration.limits.maxResults when results were left out.
  return { ...report, source: REPORT_SOURCE, ...(results.length < all.length ? { configuration: { limits: { maxResults: results.length } } } : {}) };
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
