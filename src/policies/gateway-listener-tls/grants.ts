// Cross-namespace certificate references need a ReferenceGrant in the referent's namespace
// (Gateway API: otherwise the listener is ResolvedRefs=False, reason RefNotPermitted).
// v1 and v1beta1 grants share one shape and both arrive as the view's 'referencegrants'.
import type { KubeObject } from '../../kube/object.ts';
import type { ClusterView } from '../../cluster/view.ts';
import { GATEWAY_GROUP, type CertRef, type Owner } from './refs.ts';

type GrantFrom = { group?: string; kind?: string; namespace?: string };
type GrantTo = { group?: string; kind?: string; name?: string };
type GrantSpec = { from?: GrantFrom[]; to?: GrantTo[] };

const grantsFrom = (grant: KubeObject, owner: Owner): boolean =>
  ((grant.spec as GrantSpec | undefined)?.from ?? []).some(
    (from) => from.group === GATEWAY_GROUP && from.kind === owner.kind && from.namespace === owner.namespace,
  );

const grantsTo = (grant: KubeObject, ref: CertRef): boolean =>
  ((grant.spec as GrantSpec | undefined)?.to ?? []).some(
    (to) => (to.group ?? '') === ref.group && to.kind === ref.kind && (!to.name || to.name === ref.name),
  );

/** Same namespace, or a ReferenceGrant in the ref's namespace lets the owner's kind and namespace in. */
export const isPermitted = (view: ClusterView, owner: Owner, ref: CertRef): boolean => {
  if (ref.namespace === owner.namespace) return true;
  // Without the ReferenceGrant API no grant can exist, so the controller would refuse the ref too.
  if (!view.isServed('referencegrants')) return false;
  return view.list('referencegrants', { namespace: ref.namespace }).some((grant) => grantsFrom(grant, owner) && grantsTo(grant, ref));
};
