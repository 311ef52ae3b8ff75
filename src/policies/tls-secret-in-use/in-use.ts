// What the DELETE and the UPDATE check share: which Secret the request is about, and which
// listeners serve it. The lookup is the view's reverse index (Secret → listeners): a Secret no
// listener references costs one map lookup and no API call.
import type { ClusterView, ListenerUse } from '../../cluster/view.ts';
import { isPermitted } from '../gateway-listener-tls/grants.ts';
import type { PolicyRequest } from '../types.ts';
import type { SecretName } from './messages.ts';

const LISTENER_OWNERS = [
  ['gateways', 'Gateway'],
  ['listenersets', 'ListenerSet'],
] as const;

/** In a DeleteCollection the API server sends no name in the request, only in oldObject. */
export const secretNameOf = (request: PolicyRequest): SecretName => ({
  namespace: request.namespace || request.oldObject?.metadata?.namespace || 'default',
  name: request.oldObject?.metadata?.name || request.name || '',
});

/** The listeners whose ref would resolve: a cross-namespace ref no ReferenceGrant permits already fails. */
export const permittedUses = (view: ClusterView, secret: SecretName): ListenerUse[] =>
  view.listenersUsing(secret.namespace, secret.name).filter((use) => isPermitted(view, use.owner, use.ref));

export const unsyncedKinds = (view: ClusterView): string[] => LISTENER_OWNERS.filter(([resource]) => !view.isSynced(resource)).map(([, kind]) => kind);
