// Audit-only: a listener's certificate that still works but expires within
// audit.expiringWithinDays (seeds 003/004 found out from their users). An expired one is already
// the admission verdict (gateway-listener-tls "unusable"), so only the warning window is here.
// The notAfter comes from the same content verdict admission reads (SECRET_CONTENT_JUDGE), asked
// once per Secret and namespace (secret-reads.ts): this check costs no Secret GET of its own. A
// Secret whose verdict a review left in the live view costs the audit no GET either; the others
// are read each audit (the audit keeps none of its own).
import type { ClusterView } from '../cluster/view.ts';
import type { KubeObject } from '../kube/object.ts';
import { where, refOf as refText, type Site } from '../policies/gateway-listener-tls/messages.ts';
import { isCoreSecret, listenerOwnerOf, tlsListenersOf } from '../kube/gateway.ts';
import { SECRET_CONTENT_JUDGE } from '../policies/gateway-listener-tls/secret-content.ts';
import { GATEWAY_LISTENER_TLS } from '../policies/gateway-listener-tls/settings.ts';
import { refOf, RULE_CERTIFICATE_EXPIRING, type Finding } from './findings.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

export const expiringMessage = (site: Site, notAfter: Date, now: Date, withinDays: number): string => {
  const days = Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS);
  return `${where(site)}: ${refText(site)} holds a certificate that expires at ${notAfter.toISOString()}, in ${days} ${days === 1 ? 'day' : 'days'} (audit.expiringWithinDays is ${withinDays}): clients will reject it from then on. Fix: renew the certificate (cmctl renew, or find out why cert-manager did not)`;
};

export type ExpiringOptions = { view: ClusterView; now: Date; withinDays: number; signal?: AbortSignal };

/** One warning per listener reference whose Secret's certificate ends inside the window. */
export const findExpiring = async (object: KubeObject, options: ExpiringOptions): Promise<Finding[]> => {
  const owner = listenerOwnerOf(object.kind ?? '', object);
  if (!owner) return [];
  const limit = options.now.getTime() + options.withinDays * DAY_MS;
  const findings: Finding[] = [];
  for (const listener of tlsListenersOf(object, owner.namespace)) {
    for (const [refIndex, ref] of (listener.tls?.certificateRefs ?? []).entries()) {
      if (!isCoreSecret(ref)) continue;
      const judgement = await options.view.judgeSecret(ref.namespace, ref.name, SECRET_CONTENT_JUDGE, { signal: options.signal });
      // Missing or unusable: admission's finding. A placeholder is short-lived by design: its age
      // is the placeholder-age rule's business.
      if (!judgement || 'problem' in judgement || judgement.placeholder) continue;
      const { notAfter } = judgement;
      if (notAfter.getTime() <= options.now.getTime() || notAfter.getTime() > limit) continue;
      const message = expiringMessage({ owner, listener, refIndex, ref }, notAfter, options.now, options.withinDays);
      findings.push({ policy: GATEWAY_LISTENER_TLS, rule: RULE_CERTIFICATE_EXPIRING, result: 'warn', object: refOf(object), message });
    }
  }
  return findings;
};
