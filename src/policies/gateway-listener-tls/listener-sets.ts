// Will the parent Gateway take this ListenerSet? Since Gateway API v1.5 a Gateway admits no
// ListenerSet unless its spec.allowedListeners says so (default from: None; GEP-1713 "Gateway &
// ListenerSet Handshake"), and a ListenerSet it does not admit is never attached: Accepted=False,
// reason NotAllowed (apis/v1 listenerset_types.go), none of its listeners served, the challenges
// of its Certificates never routed. Judged on the ListenerSet (its parent exists and refuses it:
// denied; its parent does not exist yet: a warning, GitOps may apply the Gateway next) and on a
// Gateway UPDATE that stops admitting ListenerSets its old spec admitted (only what the update
// newly breaks is denied, as for listeners).
import { isDeepStrictEqual } from 'node:util';
import type { ClusterView } from '../../cluster/view.ts';
import { labelsOf, nameOf, namespaceOf, recordOf, specOf, textOf } from '../../kube/accessors.ts';
import { allowedListenersOf, namespaceRefusal, withNameLabel, type NamespaceLabels } from '../../kube/attachment.ts';
import { parentGatewayOf, type ListenerOwner, type ParentGateway } from '../../kube/gateway.ts';
import { GATEWAY_GROUP } from '../../kube/groups.ts';
import type { KubeObject } from '../../kube/object.ts';
import type { PolicyRequest } from '../types.ts';
import * as messages from './attachment-messages.ts';

export type Findings = { violations: string[]; warnings: string[] };

const namespaceLabels = async (view: ClusterView, name: string): Promise<NamespaceLabels> =>
  withNameLabel(name, labelsOf(await view.get('namespaces', undefined, name)));

/** spec.parentRef names a Gateway (the only kind ListenerSetSpec.ParentRef takes today). */
const isGatewayParent = (listenerSet: unknown): boolean => {
  const ref = recordOf(specOf(listenerSet).parentRef);
  return (textOf(ref.group) ?? GATEWAY_GROUP) === GATEWAY_GROUP && (textOf(ref.kind) ?? 'Gateway') === 'Gateway';
};

const sameParent = (a: ParentGateway | undefined, b: ParentGateway | undefined): boolean => a?.namespace === b?.namespace && a?.name === b?.name;

const judgeListenerSet = async (request: PolicyRequest, view: ClusterView, owner: ListenerOwner): Promise<Findings> => {
  const parent = owner.parent;
  if (!parent || !isGatewayParent(request.object) || !view.isServed('gateways')) return { violations: [], warnings: [] };
  const gateway = await view.get('gateways', parent.namespace, parent.name);
  if (!gateway) return { violations: [], warnings: [messages.parentMissing(owner, parent)] };
  const allowed = allowedListenersOf(gateway);
  const refusal = namespaceRefusal(allowed, parent.namespace, await namespaceLabels(view, owner.namespace));
  if (!refusal) return { violations: [], warnings: [] };
  const message = messages.listenerSetRefused(owner, parent, allowed, refusal);
  // An UPDATE that keeps a parent which already refused it must pass: it may be the fix of something else.
  const kept = request.operation === 'UPDATE' && sameParent(parentGatewayOf(request.oldObject, owner.namespace), parent);
  return kept ? { violations: [], warnings: [messages.alreadyRefused(message)] } : { violations: [message], warnings: [] };
};

/** The ListenerSets whose spec.parentRef names this Gateway. */
const childrenOf = (view: ClusterView, gateway: ParentGateway): KubeObject[] =>
  view
    .list('listenersets')
    .filter((listenerSet) => isGatewayParent(listenerSet) && sameParent(parentGatewayOf(listenerSet, namespaceOf(listenerSet)), gateway));

const judgeGatewayUpdate = async (request: PolicyRequest, view: ClusterView, owner: ListenerOwner): Promise<Findings> => {
  const before = allowedListenersOf(request.oldObject);
  const after = allowedListenersOf(request.object);
  if (isDeepStrictEqual(before, after) || !view.isServed('listenersets')) return { violations: [], warnings: [] };
  const gateway = { namespace: owner.namespace, name: owner.name };
  const violations: string[] = [];
  for (const listenerSet of childrenOf(view, gateway)) {
    const namespace = await namespaceLabels(view, namespaceOf(listenerSet));
    const refusal = namespaceRefusal(after, owner.namespace, namespace);
    if (refusal && !namespaceRefusal(before, owner.namespace, namespace)) {
      violations.push(messages.listenerSetDetached(gateway, { namespace: namespace.name, name: nameOf(listenerSet) ?? '' }, after, refusal));
    }
  }
  return { violations, warnings: [] };
};

/** The attachment findings of a Gateway or ListenerSet request (the owner's listeners are judged elsewhere). */
export const checkListenerSetAttachment = (request: PolicyRequest, view: ClusterView, owner: ListenerOwner): Promise<Findings> => {
  if (owner.kind === 'ListenerSet') return judgeListenerSet(request, view, owner);
  if (request.operation === 'UPDATE' && request.oldObject) return judgeGatewayUpdate(request, view, owner);
  return Promise.resolve({ violations: [], warnings: [] });
};
