// Which other Certificates write the Secret a Certificate names: Certificates in the namespace
// (in the cluster, or elsewhere in a `certguard check` bundle) and the shim Certificates of
// annotated Gateways there, which cert-manager names after their Secret.
import type { ClusterView } from '../../cluster/view.ts';
import type { KubeObject } from '../../kube/object.ts';
import { gatewayCertificatesOf, hasShimAnnotation, type JudgedCertificate } from '../certificate-dns/shim.ts';

/** The object under review: its own shim Certificates and its stored self do not count. */
export type Reviewed = { kind: string; namespace: string; name: string };

const isOwnedBy = (object: KubeObject, reviewed: Reviewed): boolean =>
  (object.metadata?.ownerReferences ?? []).some((ref) => ref.kind === reviewed.kind && ref.name === reviewed.name);

const secretNameOf = (object: KubeObject): string | undefined => {
  const value = (object.spec as { secretName?: unknown } | undefined)?.secretName;
  return typeof value === 'string' && value !== '' ? value : undefined;
};

type Writer = { certificateName: string; secretName: string; description: string };

const certificateWriters = (view: ClusterView, reviewed: Reviewed): Writer[] => {
  if (!view.isServed('certificates')) return [];
  return view
    .list('certificates', { namespace: reviewed.namespace })
    .filter((object) => !isOwnedBy(object, reviewed))
    .flatMap((object) => {
      const secretName = secretNameOf(object);
      const name = object.metadata?.name;
      return secretName && name ? [{ certificateName: name, secretName, description: `Certificate ${reviewed.namespace}/${name}` }] : [];
    });
};

/**
 * Only a Gateway with a TLS listener on `secretName` can have a shim Certificate writing it, and
 * the view's Secret index names those: the shim Certificates of the namespace's other Gateways are
 * never built (an audit judging 10,000 Certificates built them for every Gateway each time).
 */
const gatewayWriters = (view: ClusterView, reviewed: Reviewed, secretName: string): Writer[] => {
  if (!view.isServed('gateways')) return [];
  const using = new Set(
    view
      .listenersUsing(reviewed.namespace, secretName)
      .filter(({ owner }) => owner.kind === 'Gateway' && owner.namespace === reviewed.namespace)
      .map(({ owner }) => owner.name),
  );
  if (using.size === 0) return [];
  return view
    .list('gateways', { namespace: reviewed.namespace })
    .filter(
      (gateway) =>
        using.has(gateway.metadata?.name ?? '') && hasShimAnnotation(gateway) && !(reviewed.kind === 'Gateway' && gateway.metadata?.name === reviewed.name),
    )
    .flatMap((gateway) => gatewayCertificatesOf(gateway, reviewed.namespace).certificates)
    .map((shim) => ({ certificateName: shim.name, secretName: shim.secretName, description: shim.subject }));
};

/** The others writing certificate.secretName, each named once (a stored shim Certificate beats its Gateway). */
export const otherWriters = (certificate: JudgedCertificate, view: ClusterView, reviewed: Reviewed): string[] => {
  const byName = new Map<string, string>();
  for (const writer of [...certificateWriters(view, reviewed), ...gatewayWriters(view, reviewed, certificate.secretName)]) {
    // Same Certificate name: the object itself (or the Certificate its shim maintains), not a rival.
    if (writer.secretName !== certificate.secretName || writer.certificateName === certificate.name) continue;
    if (!byName.has(writer.certificateName)) byName.set(writer.certificateName, writer.description);
  }
  return [...byName.values()];
};
