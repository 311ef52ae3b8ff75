// The one judging core of the offline commands: `certguard check` (a bundle about to be applied)
// and `certguard audit` (what already exists) build the same dry-run AdmissionRequest and run the
// same review() the webhook runs, so their verdicts and messages are the webhook's.
import { review, type ReviewDependencies } from './complete.ts';
import type { AdmissionRequest } from './types.ts';
import { resourceOf } from '../cluster/manifest-view.ts';
import { RESOURCES } from '../cluster/resources.ts';
import type { ClusterView } from '../cluster/view.ts';
import type { KubeObject } from '../kube/object.ts';
import type { Policy } from '../policies/types.ts';

const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterIssuer', 'GatewayClass', 'CustomResourceDefinition']);

// Generous: an offline judgement has no API server waiting on it, but one hung DNS server or
// live GET must not hang a whole audit. Ten times the webhook's default timeoutSeconds.
const OBJECT_TIMEOUT_MS = 100_000;

/** "Gateway traefik/traefik-gateway" */
export const nameOf = (object: KubeObject): string => {
  const namespace = object.metadata?.namespace;
  return `${object.kind} ${namespace ? `${namespace}/` : ''}${object.metadata?.name ?? object.metadata?.generateName ?? '(unnamed)'}`;
};

const splitApiVersion = (apiVersion = ''): { group: string; version: string } => {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
};

const sameObject = (a: KubeObject, b: KubeObject): boolean =>
  a.kind === b.kind &&
  splitApiVersion(a.apiVersion).group === splitApiVersion(b.apiVersion).group &&
  a.metadata?.name === b.metadata?.name &&
  (a.metadata?.namespace ?? 'default') === (b.metadata?.namespace ?? 'default');

/** The namespace an object is judged in: its own, "default" when it names none, none when cluster-scoped. */
export const requestNamespaceOf = (object: KubeObject): string | undefined =>
  CLUSTER_SCOPED.has(object.kind ?? '') ? undefined : (object.metadata?.namespace ?? 'default');

/** An UPDATE when `existing` already holds the object, else a CREATE; always a dry run. */
export const requestFor = (object: KubeObject, existing: KubeObject[], index: number, username = 'certguard-check'): AdmissionRequest => {
  const { group, version } = splitApiVersion(object.apiVersion);
  const kind = object.kind ?? '';
  const namespace = requestNamespaceOf(object);
  const withNamespace: KubeObject = namespace ? { ...object, metadata: { ...object.metadata, namespace } } : object;
  const old = existing.find((other) => sameObject(other, withNamespace));
  const resource = resourceOf(object);
  return {
    uid: `offline-${index}`,
    kind: { group, version, kind },
    resource: { group, version, resource: resource ? RESOURCES[resource].plural : `${kind.toLowerCase()}s` },
    namespace,
    name: object.metadata?.name,
    operation: old ? 'UPDATE' : 'CREATE',
    object: withNamespace,
    oldObject: old ?? null,
    dryRun: true,
    userInfo: { username },
  };
};

/** breakGlass: the warnings that say a break-glass annotation let the object past the policy. */
export type PolicyVerdict = { policy: string; violations: string[]; warnings: string[]; breakGlass: string[] };

export type Judgement = { allowed: boolean; violations: string[]; warnings: string[]; byPolicy: PolicyVerdict[] };

/** A policy broke (the webhook would answer 500): an offline judgement stops rather than guess. */
export class JudgeError extends Error {}

/**
 * Runs each policy through review() on its own, so every message keeps the policy it came from
 * (the audit reports per policy); for a dry run that is exactly what one review of all of them says.
 */
export const judge = async (request: AdmissionRequest, policies: Policy[], view: ClusterView): Promise<Judgement> => {
  const byPolicy: PolicyVerdict[] = [];
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new DOMException(`no verdict within ${OBJECT_TIMEOUT_MS} ms`, 'TimeoutError')), OBJECT_TIMEOUT_MS);
  const deps: ReviewDependencies & { signal?: AbortSignal } = { view, signal: deadline.signal };
  try {
    for (const policy of policies) {
      const { response, violations, breakGlass: uses } = await review(request, [policy], deps);
      if (!response.allowed && response.status?.code === 500) throw new JudgeError(`${nameOf(request.object ?? {})}: ${response.status.message}`);
      const breakGlass = uses.flatMap((use) => (use.message === undefined ? [] : [use.message]));
      const warnings = (response.warnings ?? []).filter((warning) => !breakGlass.includes(warning));
      if (violations.length > 0 || warnings.length > 0 || breakGlass.length > 0) byPolicy.push({ policy: policy.id, violations, warnings, breakGlass });
    }
  } finally {
    clearTimeout(timer);
  }
  return {
    allowed: byPolicy.every((verdict) => verdict.violations.length === 0),
    violations: byPolicy.flatMap((verdict) => verdict.violations),
    warnings: byPolicy.flatMap((verdict) => [...verdict.warnings, ...verdict.breakGlass]),
    byPolicy,
  };
};
