// How a placeholder Secret is marked, so admins (and certguard itself) can tell it apart from a
// real certificate: `kubectl get secret -A -l certguard.io/placeholder=true`.
import type { KubeObject } from '../../kube/object.ts';
import type { ClusterView } from '../../cluster/view.ts';
import { MANAGED_BY, MANAGED_BY_LABEL } from '../../kube/labels.ts';

export const PLACEHOLDER_LABEL = 'certguard.io/placeholder';
export const OWNER_ANNOTATION = 'certguard.io/placeholder-for';
export const LISTENERS_ANNOTATION = 'certguard.io/placeholder-listeners';
export const CREATED_AT_ANNOTATION = 'certguard.io/created-at';
/**
 * cert-manager's issuer annotations set to values no real issuer can have (an object name cannot
 * contain "/"): cert-manager then reads the Secret as issued by another issuer and re-issues at
 * once, whatever the Certificate's issuer kind (cert-manager
 * internal/controller/certificates/policies/checks.go, SecretIssuerAnnotationsMismatch). Without
 * them a namespaced-Issuer Certificate is marked Ready with the placeholder in it (measured
 * on cert-manager v1.21.1: test/e2e/cert-manager-ca-placeholder.test.ts). "Not replaced yet" = the sentinel is still there.
 */
export const ISSUER_NAME_ANNOTATION = 'cert-manager.io/issuer-name';
export const ISSUER_KIND_ANNOTATION = 'cert-manager.io/issuer-kind';
export const ISSUER_GROUP_ANNOTATION = 'cert-manager.io/issuer-group';
export const SENTINEL_ISSUER = { name: 'certguard.io/placeholder', kind: 'CertguardPlaceholder', group: 'placeholder.certguard.io' } as const;
export const SENTINEL_ANNOTATIONS: Record<string, string> = {
  [ISSUER_NAME_ANNOTATION]: SENTINEL_ISSUER.name,
  [ISSUER_KIND_ANNOTATION]: SENTINEL_ISSUER.kind,
  [ISSUER_GROUP_ANNOTATION]: SENTINEL_ISSUER.group,
};
/** cert-manager's Secret informer fully caches only Secrets carrying this label. */
export const CERT_MANAGER_FAO_LABEL = 'controller.cert-manager.io/fao';

/** Subject organization of every placeholder certificate. */
export const PLACEHOLDER_ORGANIZATION = 'certguard placeholder';

/** Label selector of every placeholder certguard made (created ones carry both labels). */
export const PLACEHOLDER_SELECTOR: Record<string, string> = { [MANAGED_BY_LABEL]: MANAGED_BY, [PLACEHOLDER_LABEL]: 'true' };

/** Set by cert-manager on every Secret it issues into: from then on the label is only history. */
export const CERT_MANAGER_CERTIFICATE_ANNOTATION = 'cert-manager.io/certificate-name';

/**
 * A placeholder cert-manager has not replaced yet: its sentinel issuer is still there. cert-manager
 * keeps the labels and annotations others wrote when it issues (measured by the e2e placeholder tests) but overwrites
 * the issuer annotations with the real issuer, so the label alone would also count replaced ones.
 * Labels and annotations only: the live view keeps Secret metadata, with any annotation whose
 * value is certguard's own (the sentinel), never data.
 */
export const isUnreplacedPlaceholder = (secret: KubeObject): boolean =>
  secret.metadata?.labels?.[PLACEHOLDER_LABEL] === 'true' && secret.metadata?.annotations?.[ISSUER_NAME_ANNOTATION] === SENTINEL_ISSUER.name;

/** Placeholders not yet replaced by cert-manager (the metrics' gauges). */
export const listPlaceholders = (view: Pick<ClusterView, 'list'>): KubeObject[] =>
  view.list('secrets', { labels: PLACEHOLDER_SELECTOR }).filter(isUnreplacedPlaceholder);

export const countPlaceholders = (view: Pick<ClusterView, 'list'>): number => listPlaceholders(view).length;
