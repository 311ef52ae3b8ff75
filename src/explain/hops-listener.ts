// The first two hops: the listener's owner (a ListenerSet must be accepted by its parent: as its
// controller says, else as the parent's spec.allowedListeners says) and the listener itself, with
// the conditions its controller wrote for it (status.listeners[]).
import { arrayOf, labelsOf, recordOf, specOf, statusOf, stringOf } from '../kube/accessors.ts';
import { allowedListenersOf, describeAllowedListeners, namespaceRefusal, withNameLabel } from '../kube/attachment.ts';
import type { Listener, ListenerOwner } from '../kube/gateway.ts';
import type { KubeObject } from '../kube/object.ts';
import { listenerSetRefused, parentMissing } from '../policies/gateway-listener-tls/attachment-messages.ts';
import { where, type Site } from '../policies/gateway-listener-tls/messages.ts';
import { conditionOf, conditionsOf, describeCondition, isBadGatewayCondition, type Condition } from '../kube/conditions.ts';
import type { ExplainContext } from './context.ts';
import * as messages from './messages.ts';
import type { Hop } from './model.ts';

export const portOf = (object: KubeObject, listener: Listener): number | undefined => {
  const port = recordOf(arrayOf(specOf(object).listeners)[listener.index]).port;
  return typeof port === 'number' ? port : undefined;
};

/**
 * A ListenerSet no controller has answered for (Traefik v3.6 implements none: the status stays the
 * CRD's default, Accepted=Unknown reason Pending): its
 * parent's spec.allowedListeners, judged with gateway-listener-tls's rule and sentence.
 */
const unansweredListenerSet = async (context: ExplainContext, owner: ListenerOwner, name: string, parent: string, details: string[]): Promise<Hop> => {
  const gateway = owner.parent ? await context.view.get('gateways', owner.parent.namespace, owner.parent.name) : undefined;
  const said = [...details, 'no Gateway controller has decided Accepted'];
  if (owner.parent && !gateway)
    return {
      hop: 'owner',
      status: 'broken',
      summary: `${name} (${parent}): the parent Gateway does not exist`,
      message: parentMissing(owner, owner.parent),
      details: said,
    };
  if (owner.parent) {
    const allowed = allowedListenersOf(gateway);
    const labels = withNameLabel(owner.namespace, labelsOf(await context.view.get('namespaces', undefined, owner.namespace)));
    const refusal = namespaceRefusal(allowed, owner.parent.namespace, labels);
    if (refusal)
      return {
        hop: 'owner',
        status: 'broken',
        summary: `${name} (${parent}): not allowed by ${describeAllowedListeners(allowed)}`,
        message: listenerSetRefused(owner, owner.parent, allowed, refusal),
        details: said,
      };
  }
  return {
    hop: 'owner',
    status: 'pending',
    summary: `${name} (${parent}): no controller has accepted it yet`,
    message: `${name} is not accepted yet: no Gateway controller has decided its Accepted condition`,
    details: said,
  };
};

export const ownerHop = async (context: ExplainContext, owner: ListenerOwner, object: KubeObject): Promise<Hop> => {
  const conditions = conditionsOf(statusOf(object));
  const details = conditions.map(describeCondition);
  const name = `${owner.kind} ${owner.namespace}/${owner.name}`;
  if (owner.kind === 'ListenerSet') {
    const accepted = conditionOf(statusOf(object), 'Accepted');
    const parent = owner.parent ? `parent Gateway ${owner.parent.namespace}/${owner.parent.name}` : 'no parentRef';
    if (accepted?.status === 'False')
      return {
        hop: 'owner',
        status: 'broken',
        summary: `${name} (${parent}): not accepted`,
        message: messages.listenerSetNotAccepted(owner, owner.parent, accepted),
        details,
      };
    if (accepted?.status === 'True') return { hop: 'owner', status: 'ok', summary: `${name} (${parent}): accepted`, details };
    // Absent, or the CRD's default Accepted=Unknown "Pending" the API server writes: no controller answered.
    return unansweredListenerSet(context, owner, name, parent, details);
  }
  return gatewayOwnerHop(owner, object, name, conditions, details);
};

// Accepted=Unknown is the CRD's default ("Pending"): no controller has answered. Accepted=False
// "ListenersNotValid" only echoes a listener's problem, which the listener hop names precisely.
const gatewayOwnerHop = (owner: ListenerOwner, object: KubeObject, name: string, conditions: Condition[], details: string[]): Hop => {
  const controller = conditions.length > 0 ? conditions.map((condition) => `${condition.type}=${condition.status}`).join(', ') : 'no conditions yet';
  const summary = `${name}: ${controller}`;
  const accepted = conditions.find((condition) => condition.type === 'Accepted');
  if (accepted?.status === 'Unknown') {
    const className = stringOf(recordOf(object.spec).gatewayClassName);
    return { hop: 'owner', status: 'pending', summary, message: messages.gatewayUnanswered(owner, className, accepted), details };
  }
  if (accepted?.status === 'False' && accepted.reason !== 'ListenersNotValid')
    return { hop: 'owner', status: 'broken', summary, message: messages.gatewayNotAccepted(owner, accepted), details };
  return { hop: 'owner', status: 'ok', summary, details };
};

const listenerStatusOf = (object: KubeObject, name: string): unknown =>
  arrayOf(statusOf(object).listeners).find((entry) => stringOf(recordOf(entry).name) === name);

export const listenerHop = (site: Site, object: KubeObject, port: number | undefined): Hop => {
  const { listener } = site;
  const conditions = conditionsOf(listenerStatusOf(object, listener.name));
  const summary = `${listener.name}: ${listener.protocol ?? '?'}${port !== undefined ? ` port ${port}` : ''}, ${listener.hostname ? `hostname ${listener.hostname}` : 'any hostname'}`;
  const details = conditions.length > 0 ? conditions.map(describeCondition) : ['the controller has written no status for this listener'];
  const bad = conditions.filter(isBadGatewayCondition);
  if (bad.length > 0)
    return {
      hop: 'listener',
      status: 'broken',
      summary: `${summary}: ${bad.map((c) => `${c.type}=${c.status}`).join(', ')}`,
      message: messages.listenerReported(where(site), bad),
      details,
    };
  return { hop: 'listener', status: 'ok', summary, details };
};
