// What an audit finds: one result per object, policy and message, in the vocabulary of
// wgpolicyk8s.io PolicyReports (fail / warn), so the report, the CLI and the metrics agree.
import type { KubeObject } from '../kube/object.ts';

/** fail: admission would deny it today (or it is broken now); warn: it will break, or admission would warn. */
export type FindingResult = 'fail' | 'warn';

export type ObjectRef = { apiVersion: string; kind: string; namespace?: string; name: string; uid?: string };

export type Finding = {
  policy: string;
  /** Which check of the policy: "admission" (the object judged as if created now) or an audit-only rule. */
  rule: string;
  result: FindingResult;
  /** Absent for a cluster-wide finding (the cluster solver cap): it goes to the ClusterPolicyReport. */
  object?: ObjectRef;
  message: string;
};

export const RULE_ADMISSION = 'admission';
export const RULE_CERTIFICATE_EXPIRING = 'certificate-expiring';
export const RULE_PLACEHOLDER_AGE = 'placeholder-age';
export const RULE_NAMESPACE_SOLVER_CAP = 'namespace-solver-cap';
export const RULE_CLUSTER_SOLVER_CAP = 'cluster-solver-cap';
/** A break-glass annotation lets the object past the policy: reported while the annotation stays. */
export const RULE_BREAK_GLASS = 'break-glass';

export const refOf = (object: KubeObject): ObjectRef => {
  const ref: ObjectRef = { apiVersion: object.apiVersion ?? '', kind: object.kind ?? '', name: object.metadata?.name ?? '' };
  if (object.metadata?.namespace) ref.namespace = object.metadata.namespace;
  if (object.metadata?.uid) ref.uid = object.metadata.uid;
  return ref;
};

/** "Gateway traefik/traefik-gateway", "Namespace team-a", "(cluster)" */
export const describeObject = (object: ObjectRef | undefined): string =>
  object ? `${object.kind} ${object.namespace ? `${object.namespace}/` : ''}${object.name}` : '(cluster)';

const sortKeyOf = (finding: Finding): string[] => [describeObject(finding.object), finding.policy, finding.rule, finding.message];

/**
 * Stable order: by object, then policy, rule and message (reports and tests never flap). Each
 * finding's key is built once, not at every comparison: the audit sorts every namespace's findings.
 */
export const sortFindings = (findings: Finding[]): Finding[] =>
  findings
    .map((finding) => ({ finding, key: sortKeyOf(finding) }))
    .sort((a, b) => {
      for (let at = 0; at < a.key.length; at += 1) {
        const order = (a.key[at] ?? '').localeCompare(b.key[at] ?? '');
        if (order !== 0) return order;
      }
      return 0;
    })
    .map(({ finding }) => finding);

export const hasFailure = (findings: Finding[]): boolean => findings.some((finding) => finding.result === 'fail');
