// gateway-listener-tls's audit-only rules: what admission cannot see because time or the
// controller breaks it after the apply.
//   - placeholder-age: a placeholder cert-manager has not replaced after audit.placeholderMaxAge
//     (it normally lives minutes; a day later its listeners have served an untrusted certificate).
//   - certificate-expiring: a listener's certificate that still works but ends within
//     audit.expiringWithin. An expired one is already the admission verdict.
//   - listenerset-not-accepted: a ListenerSet whose Accepted condition is False (GEP-1713), in the
//     controller's words; a controller that writes no status gives no finding.
import { refOf, RULE_CERTIFICATE_EXPIRING, RULE_PLACEHOLDER_AGE, type Finding } from '../../audit/findings.ts';
import { recordOf, statusOf, stringOf } from '../../kube/accessors.ts';
import { conditionOf, describeCondition } from '../../kube/conditions.ts';
import { isCoreSecret, listenerOwnerOf, tlsListenersOf } from '../../kube/gateway.ts';
import { isGatewayApiKind } from '../../kube/groups.ts';
import type { KubeObject } from '../../kube/object.ts';
import type { AuditContext, PolicyAudit } from '../types.ts';
import { where, refOf as refText, type Site } from './messages.ts';
import { CREATED_AT_ANNOTATION, isUnreplacedPlaceholder, LISTENERS_ANNOTATION, OWNER_ANNOTATION, PLACEHOLDER_SELECTOR } from './placeholder-labels.ts';
import { SECRET_CONTENT_JUDGE } from './secret-content.ts';
import { GATEWAY_LISTENER_TLS, type GatewayListenerTlsSettings } from './settings.ts';

export const RULE_LISTENERSET_NOT_ACCEPTED = 'listenerset-not-accepted';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

// ---------------------------------------------------------------- placeholder-age

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
  return `Secret ${namespace}/${secret.metadata?.name ?? ''} is a certguard placeholder${forWhom(secret)} created at ${createdAt.toISOString()} and still not replaced by a real certificate after ${hours} hours (audit.placeholderMaxAge is ${maxAgeHours}h): its listeners serve a self-signed certificate clients do not trust. Fix: find out why cert-manager has not issued it (kubectl get certificate -n ${namespace}, and kubectl describe the one whose spec.secretName is ${secret.metadata?.name ?? ''}), or put a real certificate in the Secret`;
};

/** Labels and annotations only: the live view caches Secret metadata, never data. */
const findOldPlaceholders = async ({ view, now, settings }: AuditContext): Promise<Finding[]> => {
  const oldest = now.getTime() - settings.placeholderMaxAgeHours * HOUR_MS;
  return view.list('secrets', { labels: PLACEHOLDER_SELECTOR }).flatMap((secret) => {
    const createdAt = createdAtOf(secret);
    if (!isUnreplacedPlaceholder(secret) || !createdAt || createdAt.getTime() > oldest) return [];
    const message = placeholderAgeMessage(secret, createdAt, now, settings.placeholderMaxAgeHours);
    return [
      {
        policy: GATEWAY_LISTENER_TLS,
        rule: RULE_PLACEHOLDER_AGE,
        result: 'fail' as const,
        object: refOf({ apiVersion: 'v1', kind: 'Secret', ...secret }),
        message,
      },
    ];
  });
};

// ---------------------------------------------------------------- certificate-expiring

export const expiringMessage = (site: Site, notAfter: Date, now: Date, withinDays: number): string => {
  const days = Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS);
  return `${where(site)}: ${refText(site)} holds a certificate that expires at ${notAfter.toISOString()}, in ${days} ${days === 1 ? 'day' : 'days'} (audit.expiringWithin is ${withinDays}d): clients will reject it from then on. Fix: renew the certificate (cmctl renew, or find out why cert-manager did not)`;
};

/**
 * One warning per listener reference whose certificate ends inside the window. The notAfter is
 * admission's own content verdict (SECRET_CONTENT_JUDGE), so this rule costs no Secret read of its own.
 */
const findExpiring = async (object: KubeObject, { view, now, settings }: AuditContext): Promise<Finding[]> => {
  const owner = listenerOwnerOf(object.kind ?? '', object);
  if (!owner) return [];
  const limit = now.getTime() + settings.expiringWithinDays * DAY_MS;
  const findings: Finding[] = [];
  for (const listener of tlsListenersOf(object, owner.namespace)) {
    for (const [refIndex, ref] of (listener.tls?.certificateRefs ?? []).entries()) {
      if (!isCoreSecret(ref)) continue;
      const judgement = await view.judgeSecret(ref.namespace, ref.name, SECRET_CONTENT_JUDGE);
      // Missing or unusable is admission's finding; a placeholder's age is placeholder-age's.
      if (!judgement || 'problem' in judgement || judgement.placeholder) continue;
      const { notAfter } = judgement;
      if (notAfter.getTime() <= now.getTime() || notAfter.getTime() > limit) continue;
      const message = expiringMessage({ owner, listener, refIndex, ref }, notAfter, now, settings.expiringWithinDays);
      findings.push({ policy: GATEWAY_LISTENER_TLS, rule: RULE_CERTIFICATE_EXPIRING, result: 'warn', object: refOf(object), message });
    }
  }
  return findings;
};

// ---------------------------------------------------------------- listenerset-not-accepted

const findListenerSetNotAccepted = (object: KubeObject): Finding[] => {
  if (!isGatewayApiKind(object, 'ListenerSet')) return [];
  const accepted = conditionOf(statusOf(object), 'Accepted');
  if (accepted?.status !== 'False') return [];
  const namespace = object.metadata?.namespace ?? 'default';
  const name = object.metadata?.name ?? '';
  const parent = recordOf(recordOf(object.spec).parentRef);
  const gatewayNamespace = stringOf(parent.namespace) ?? namespace;
  const gatewayName = stringOf(parent.name) ?? '';
  const message = `ListenerSet ${namespace}/${name} is not attached to Gateway ${gatewayNamespace}/${gatewayName}: its controller says ${describeCondition(accepted)}, so none of its listeners is served. Look with: kubectl get gateway ${gatewayName} -n ${gatewayNamespace} -o yaml (spec.allowedListeners)`;
  return [{ policy: GATEWAY_LISTENER_TLS, rule: RULE_LISTENERSET_NOT_ACCEPTED, result: 'fail', object: refOf(object), message }];
};

/** Off: no rule runs. Placeholder mode is audited as enforce (the audit never creates a Secret). */
export const gatewayListenerTlsAudit = (settings: GatewayListenerTlsSettings): PolicyAudit | undefined =>
  settings.mode === 'off'
    ? undefined
    : {
        view: findOldPlaceholders,
        object: async (object, context) => [...findListenerSetNotAccepted(object), ...(await findExpiring(object, context))],
      };
