// The Certificate policies explain runs, twice when a chain is broken: as the facts stand and as
// admission would. Explain explains; a mode decides admission only: certificate-dns off does not
// make a name resolve. So the facts are judged with both policies enforced, no Namespace override
// and no skip annotation, and the configured run says only what admission would do about them.
import type { Config } from '../config/schema.ts';
import type { KubeObject } from '../kube/object.ts';
import { SKIP_ANNOTATION as SKIP_DNS } from '../policies/certificate-dns/messages.ts';
import { CERTIFICATE_DNS } from '../policies/certificate-dns/settings.ts';
import { SKIP_ANNOTATION as SKIP_ISSUABLE } from '../policies/certificate-issuable/messages.ts';
import { CERTIFICATE_ISSUABLE } from '../policies/certificate-issuable/settings.ts';
import type { Policy } from '../policies/types.ts';

export const JUDGED_POLICIES = [CERTIFICATE_DNS, CERTIFICATE_ISSUABLE] as const;

/** Each policy's break-glass annotation, for the note when it lets a refused Certificate in. */
export const SKIP_ANNOTATIONS: Record<(typeof JUDGED_POLICIES)[number], string> = { [CERTIFICATE_DNS]: SKIP_DNS, [CERTIFICATE_ISSUABLE]: SKIP_ISSUABLE };

/** facts: enforced everywhere; admission: as configured (the webhook's). */
export type CertificatePolicies = { facts: Policy[]; admission: Policy[] };

// '' is no annotation key the API server stores: no Namespace can switch the facts' judge off.
const NO_NAMESPACE_OVERRIDE = '';

/** The config the facts are judged with: both policies enforced, whatever their mode. */
export const factConfigOf = (config: Config): Config => {
  const dns = config.policies[CERTIFICATE_DNS];
  const issuable = config.policies[CERTIFICATE_ISSUABLE];
  return {
    ...config,
    policies: {
      ...config.policies,
      [CERTIFICATE_DNS]: { ...dns, mode: 'enforce', namespaceModeAnnotation: NO_NAMESPACE_OVERRIDE },
      [CERTIFICATE_ISSUABLE]: { ...issuable, mode: 'enforce', namespaceModeAnnotation: NO_NAMESPACE_OVERRIDE },
    },
  };
};

/** The object as the facts' judge sees it: a break-glass annotation lets it past admission, not past the CA. */
export const withoutSkips = (object: KubeObject): KubeObject => {
  const annotations = object.metadata?.annotations;
  if (!annotations || !(Object.hasOwn(annotations, SKIP_DNS) || Object.hasOwn(annotations, SKIP_ISSUABLE))) return object;
  const kept = Object.fromEntries(Object.entries(annotations).filter(([key]) => key !== SKIP_DNS && key !== SKIP_ISSUABLE));
  return { ...object, metadata: { ...object.metadata, annotations: kept } };
};
