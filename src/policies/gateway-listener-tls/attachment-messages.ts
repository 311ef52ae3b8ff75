// The sentences of the ListenerSet attachment rule (listener-sets.ts). Messages are API: tests
// assert them verbatim and the policy README lists the templates; one line each, no "; ".
import { describeAllowedListeners, type AllowedListeners } from '../../kube/attachment.ts';
import type { ListenerOwner, ParentGateway } from '../../kube/gateway.ts';

const gatewayName = (gateway: ParentGateway): string => `Gateway ${gateway.namespace}/${gateway.name}`;

/** What a refused ListenerSet costs (GEP-1713 "ListenerSet Conditions": reason NotAllowed). */
const NOT_ATTACHED =
  'so the Gateway never attaches it (its Accepted condition False, reason NotAllowed) and none of its listeners is served, nor the HTTP-01 challenges routed through them';

/** The change to the Gateway that admits namespace `namespace`. */
const admitting = (gateway: ParentGateway, namespace: string): string =>
  namespace === gateway.namespace
    ? `spec.allowedListeners.namespaces.from: Same (or All) on ${gatewayName(gateway)}`
    : `spec.allowedListeners.namespaces on ${gatewayName(gateway)} to from: Selector with a selector that matches namespace "${namespace}" (e.g. matchLabels kubernetes.io/metadata.name: ${namespace}), or from: All`;

export const listenerSetRefused = (owner: ListenerOwner, gateway: ParentGateway, allowed: AllowedListeners, refusal: string): string =>
  `ListenerSet ${owner.namespace}/${owner.name}: spec.parentRef ${gatewayName(gateway)} does not allow it: ${describeAllowedListeners(allowed)}, ${refusal}, ${NOT_ATTACHED}. Fix: set ${admitting(gateway, owner.namespace)}`;

export const alreadyRefused = (message: string): string =>
  `${message} (its parent already refused it before this update: allowed, so that a fix is never blocked)`;

export const parentMissing = (owner: ListenerOwner, gateway: ParentGateway): string =>
  `ListenerSet ${owner.namespace}/${owner.name}: spec.parentRef ${gatewayName(gateway)} does not exist (yet): none of its listeners is served until it does, and that Gateway must then allow it in spec.allowedListeners (by default a Gateway allows no ListenerSet). Fix: apply the Gateway with spec.allowedListeners admitting namespace "${owner.namespace}", or correct spec.parentRef`;

export const listenerSetDetached = (
  gateway: ParentGateway,
  listenerSet: { namespace: string; name: string },
  allowed: AllowedListeners,
  refusal: string,
): string =>
  `${gatewayName(gateway)}: ${describeAllowedListeners(allowed)}, ${refusal}: this update detaches ListenerSet ${listenerSet.namespace}/${listenerSet.name}, which the old spec allowed, and the Gateway stops serving its listeners and the HTTP-01 challenges routed through them. Fix: keep ${admitting(gateway, listenerSet.namespace)}, or move ListenerSet ${listenerSet.namespace}/${listenerSet.name} to another Gateway first`;
