// Audit-only: a cert-manager Certificate whose Ready condition has been False (or Unknown) for longer
// than audit.notReadyAfter, with the reason cert-manager gives (incident 001: a Certificate
// stuck for 17 hours while HTTP-01 kept failing). Read from the Certificate's status, and from its
// failing Challenge when one exists (challenges.ts).
import { conditionOf, describeCondition, oneLine, type Condition } from '../kube/conditions.ts';
import type { KubeObject } from '../kube/object.ts';
import type { ChallengeState, IssuanceRecords } from './challenges.ts';
import { refOf, type Finding } from './findings.ts';

export const RULE_CERTIFICATE_NOT_READY = 'certificate-not-ready';
/** Not an admission policy: the audit's own check of cert-manager's state. */
export const CERTIFICATE_READY = 'certificate-ready';

const MINUTE_MS = 60_000;

/** ", and its Challenge apps/app-tls-1-2-3 for "app.example.com" (HTTP-01) is "pending": "..."", or "" without one. */
export const challengeText = (challenges: ChallengeState[]): string => {
  const [first, ...rest] = challenges;
  if (!first) return '';
  const state = first.state ? `is "${first.state}"` : 'has no state yet';
  const reason = first.reason ? `: "${oneLine(first.reason)}"` : '';
  const more = rest.length > 0 ? ` (${rest.length} more of its Challenges not valid)` : '';
  return `, and its Challenge ${first.namespace}/${first.name} for "${first.dnsName}"${first.type ? ` (${first.type})` : ''} ${state}${reason}${more}`;
};

export const notReadyMessage = (
  certificate: KubeObject,
  ready: Condition,
  since: Date,
  now: Date,
  afterMinutes: number,
  challenges: ChallengeState[] = [],
): string => {
  const namespace = certificate.metadata?.namespace ?? 'default';
  const name = certificate.metadata?.name ?? '';
  const minutes = Math.floor((now.getTime() - since.getTime()) / MINUTE_MS);
  return `Certificate ${namespace}/${name} has not been Ready for ${minutes} minutes (since ${since.toISOString()}, audit.notReadyAfter is ${afterMinutes}m): cert-manager says ${describeCondition(ready)}${challengeText(challenges)}. Look with: kubectl describe certificate ${name} -n ${namespace}, then kubectl get certificaterequests,orders,challenges -n ${namespace}`;
};

export type NotReadyOptions = { now: Date; afterMinutes: number; issuance?: IssuanceRecords };

export const findNotReady = (object: KubeObject, options: NotReadyOptions): Finding[] => {
  if (object.kind !== 'Certificate' || !object.apiVersion?.startsWith('cert-manager.io/')) return [];
  const ready = conditionOf(object.status, 'Ready');
  if (!ready || ready.status === 'True' || !ready.lastTransitionTime) return [];
  const since = new Date(ready.lastTransitionTime);
  if (Number.isNaN(since.getTime()) || options.now.getTime() - since.getTime() <= options.afterMinutes * MINUTE_MS) return [];
  return [
    {
      policy: CERTIFICATE_READY,
      rule: RULE_CERTIFICATE_NOT_READY,
      result: 'fail',
      object: refOf(object),
      message: notReadyMessage(object, ready, since, options.now, options.afterMinutes, options.issuance?.failingChallengesOf(object)),
    },
  ];
};
