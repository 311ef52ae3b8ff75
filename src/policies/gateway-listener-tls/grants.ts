// Cross-namespace certificate references need a ReferenceGrant in the referent's namespace
// (Gateway API: otherwise the listener is ResolvedRefs=False, reason RefNotPermitted).
// v1 and v1beta1 grants share one shape and both arrive as the view's 'referencegrants'.
import type { ClusterView } from '../../cluster/view.ts';
import { arrayOf, recordOf, specOf, stringOf } from '../../kube/accessors.ts';
import type { CertRef, ListenerOwner } from '../../kube/gateway.ts';
import { GATEWAY_GROUP } from '../../kube/groups.ts';
import type { KubeObject } from '../../kube/object.ts';

const grantsFrom = (grant: KubeObject, owner: ListenerOwner): boolean =>
  arrayOf(specOf(grant).from).some((entry) => {
    const from = recordOf(entry);
    return from.group === GATEWAY_GROUP && from.kind === owner.kind && from.namespace === owner.namespace;
  });

const grantsTo = (grant: KubeObject, ref: CertRef): boolean =>
  arrayOf(specOf(grant).to).some((entry) => {
    const to = recordOf(entry);
    const name = stringOf(to.name);
    return (stringOf(to.group) ?? '') === ref.group && to.kind === ref.kind && (!name || name === ref.name);
  });

/** Same namespace, or a ReferenceGrant in the ref's namespace lets the owner's kind and namespace in. */
export const isPermitted = (view: ClusterView, owner: ListenerOwner, ref: CertRef): boolean => {
  if (ref.namespace === owner.namespace) return true;
  // Without the ReferenceGrant API no grant can exist, so the controller would refuse the ref too.
  if (!view.isServed('referencegrants')) return false;
  return view.list('referencegrants', { namespace: ref.namespace }).some((grant) => grantsFrom(grant, owner) && grantsTo(grant, ref));
};
