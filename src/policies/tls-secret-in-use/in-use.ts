// What the DELETE and the UPDATE check share: which Secret or ConfigMap the request is about, and
// which listeners and TLS fields use it. The lookup is the view's reverse index (Secret/ConfigMap →
// references): an object nothing references costs one map lookup and no API call.
import type { ClusterView, TlsRefUse, UsedKind } from '../../cluster/view.ts';
import { isPermitted } from '../gateway-listener-tls/grants.ts';
import type { PolicyRequest } from '../types.ts';
import type { SecretName, Uses } from './messages.ts';

const REF_OWNERS = [
  ['gateways', 'Gateway'],
  ['listenersets', 'ListenerSet'],
  ['backendtlspolicies', 'BackendTLSPolicy'],
] as const;

/** The CA bundle kinds the Gateway controller reads (gateway-listener-tls's caCertificateRefKinds). */
export const DEFAULT_CA_KINDS: readonly string[] = ['ConfigMap'];

const kindOf = (request: PolicyRequest): UsedKind => (request.kind.kind === 'ConfigMap' ? 'ConfigMap' : 'Secret');

/** In a DeleteCollection the API server sends no name in the request, only in oldObject. */
export const secretNameOf = (request: PolicyRequest): SecretName => ({
  kind: kindOf(request),
  namespace: request.namespace || request.oldObject?.metadata?.namespace || 'default',
  name: request.oldObject?.metadata?.name || request.name || '',
});

/**
 * A field whose reference would resolve: a cross-namespace ref no ReferenceGrant permits, or a CA
 * bundle of a kind the controller does not read, already fails (gateway-listener-tls says why).
 */
const isLive = (view: ClusterView, { owner, tlsRef }: TlsRefUse, caKinds: readonly string[]): boolean =>
  (tlsRef.purpose === 'backend-client' || caKinds.includes(tlsRef.ref.kind)) &&
  (owner.kind !== 'Gateway' || isPermitted(view, { kind: 'Gateway', namespace: owner.namespace, name: owner.name }, tlsRef.ref));

/** The listeners (Secrets only) and TLS fields whose reference would resolve. */
export const permittedUses = (view: ClusterView, secret: SecretName, caKinds: readonly string[] = DEFAULT_CA_KINDS): Uses => {
  const kind = secret.kind ?? 'Secret';
  const listeners = kind === 'Secret' ? view.listenersUsing(secret.namespace, secret.name).filter((use) => isPermitted(view, use.owner, use.ref)) : [];
  const refs = view.tlsRefsUsing(kind, secret.namespace, secret.name).filter((use) => isLive(view, use, caKinds));
  return { listeners, refs };
};

export const isUnused = (uses: Uses): boolean => uses.listeners.length === 0 && uses.refs.length === 0;

export const unsyncedKinds = (view: ClusterView): string[] => REF_OWNERS.filter(([resource]) => !view.isSynced(resource)).map(([, kind]) => kind);
