// Audit-only: a placeholder Secret that cert-manager has not replaced after
// audit.placeholderMaxAgeHours. A placeholder normally lives until the first issuance (minutes);
// still there a day later, its listeners have served an untrusted certificate all that time.
import type { ClusterView } from '../cluster/view.ts';
import type { KubeObject } from '../kube/object.ts';
import {
  CREATED_AT_ANNOTATION,
  isUnreplacedPlaceholder,
  LISTENERS_ANNOTATION,
  OWNER_ANNOTATION,
  PLACEHOLDER_SELECTOR,
} from '../policies/gateway-listener-tls/placeholder-labels.ts';
import { GATEWAY_LISTENER_TLS } from '../policies/gateway-listener-tls/settings.ts';
import { refOf, RULE_PLACEHOLDER_AGE, type Finding } from './findings.ts';

// The one "not replaced yet" rule (the sentinel issuer is still there), shared with the gauge.
export { isUnreplacedPlaceholder };

const HOUR_MS = 60 * 60 * 1000;


/** certguard.io/created-at, else the Secret's creationTimestamp; undefined when neither parses. */
const createdAtOf = (secret: KubeObject): Date | undefined => {
  const value = secret.metadata?.annotations?.[CREATED_AT_ANNOTATION] ?? secret.metadata?.creationTimestamp;
  const date = value ? new Date(value) : undefined;
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
};

const forWhom = (secret: KubeObject): string => {
  const owner = secret.metadata?.annotations?.[OWNER_ANNOTATION];
  const listeners = secret.metadata?.annotations?.[LISTENERS_ANNOTATION];
  if (!owner) return '';
  return ` (for ${owner}${listeners ? `, listeners ${listeners}` : ''})`;
};

export const placeholderAgeMessage = (secret: KubeObject, createdAt: Date, now: Date, maxAgeHours: number): string => {
  const namespace = secret.metadata?.namespace ?? 'default';
  const hours = Math.floor((now.getTime() - createdAt.getTime()) / HOUR_MS);
  return `Secret ${namespace}/${secret.metadata?.name ?? ''} is a certguard placeholder${forWhom(secret)} created at ${createdAt.toISOString()} and still not replaced by a real certificate after ${hours} hours (audit.placeholderMaxAgeHours is ${maxAgeHours}): its listeners serve a self-signed certificate clients do not trust. Fix: find out why cert-manager has not issued it (kubectl get certificate -n ${namespace}, and kubectl describe the one whose spec.secretName is ${secret.metadata?.name ?? ''}), or put a real certificate in the Secret`;
};

export type PlaceholderOptions = { view: Pick<ClusterView, 'list'>; now: Date; maxAgeHours: number };

/** Labels and annotations only: the live view caches Secret metadata, never data. */
export const findOldPlaceholders = (options: PlaceholderOptions): Finding[] => {
  const oldest = options.now.getTime() - options.maxAgeHours * HOUR_MS;
  return options.view.list('secrets', { labels: PLACEHOLDER_SELECTOR }).flatMap((secret) => {
    const createdAt = createdAtOf(secret);
    if (!isUnreplacedPlaceholder(secret) || !createdAt || createdAt.getTime() > oldest) return [];
    const message = placeholderAgeMessage(secret, createdAt, options.now, options.maxAgeHours);
    return [{ policy: GATEWAY_LISTENER_TLS, rule: RULE_PLACEHOLDER_AGE, result: 'fail' as const, object: refOf({ apiVersion: 'v1', kind: 'Secret', ...secret }), message }];
  });
};
