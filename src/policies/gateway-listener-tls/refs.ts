// Reads the listeners of a Gateway or ListenerSet and the certificate references they carry,
// with Gateway API's defaults applied (the mutating phase can see objects before the CRD's
// defaulting and validation, so nothing here trusts a default to be present).
import type { KubeObject } from '../../kube/object.ts';
import type { PolicyRequest } from '../types.ts';

export const GATEWAY_GROUP = 'gateway.networking.k8s.io';

export type OwnerKind = 'Gateway' | 'ListenerSet';

export type Owner = {
  kind: OwnerKind;
  namespace: string;
  name: string;
  /** The Gateway a ListenerSet attaches to (its spec.parentRef): its listeners break with ours. */
  parent?: { namespace: string; name: string };
};

export type CertRef = { group: string; kind: string; namespace: string; name: string };

export type TlsListener = {
  index: number;
  name: string;
  hostname?: string;
  refs: CertRef[];
};

type RawRef = { group?: string; kind?: string; namespace?: string; name?: string };
type RawListener = { name?: string; hostname?: string; protocol?: string; tls?: { mode?: string; certificateRefs?: RawRef[] } };
type RawSpec = { listeners?: RawListener[]; parentRef?: { name?: string; namespace?: string } };

const specOf = (object: KubeObject | undefined): RawSpec => (object?.spec ?? {}) as RawSpec;

const nameOf = (object: KubeObject | undefined, request: PolicyRequest): string =>
  object?.metadata?.name || request.name || `${object?.metadata?.generateName ?? ''}<generated>`;

/** The object under review as a listener owner, or undefined for kinds this policy does not judge. */
export const ownerOf = (request: PolicyRequest): Owner | undefined => {
  const kind = request.kind.kind;
  if (kind !== 'Gateway' && kind !== 'ListenerSet') return undefined;
  const object = request.object;
  const namespace = object?.metadata?.namespace || request.namespace || 'default';
  const owner: Owner = { kind, namespace, name: nameOf(object, request) };
  const parentRef = specOf(object).parentRef;
  if (kind === 'ListenerSet' && parentRef?.name) owner.parent = { namespace: parentRef.namespace || namespace, name: parentRef.name };
  return owner;
};

/** HTTPS, or TLS terminated at the Gateway (Terminate is the default): the listeners that need a certificate. */
const terminatesTls = (listener: RawListener): boolean =>
  listener.protocol === 'HTTPS' || (listener.protocol === 'TLS' && (listener.tls?.mode || 'Terminate') === 'Terminate');

const refOf = (raw: RawRef, ownerNamespace: string): CertRef => ({
  group: raw.group ?? '',
  kind: raw.kind || 'Secret',
  namespace: raw.namespace || ownerNamespace,
  name: raw.name ?? '',
});

/** The owner's listeners that terminate TLS, each with its (defaulted) certificateRefs. */
export const tlsListenersOf = (object: KubeObject | undefined, ownerNamespace: string): TlsListener[] => {
  const listeners = specOf(object).listeners;
  if (!Array.isArray(listeners)) return [];
  return listeners.flatMap((listener, index) => {
    if (!listener || !terminatesTls(listener)) return [];
    const refs = Array.isArray(listener.tls?.certificateRefs) ? listener.tls.certificateRefs : [];
    return [{ index, name: listener.name ?? '', hostname: listener.hostname || undefined, refs: refs.map((raw) => refOf(raw ?? {}, ownerNamespace)) }];
  });
};

export const isCoreSecret = (ref: CertRef): boolean => ref.group === '' && ref.kind === 'Secret';

export const refKey = (ref: CertRef): string => `${ref.group}/${ref.kind}/${ref.namespace}/${ref.name}`;

/** Identity of a ref on a listener, to tell an UPDATE's new refs from the ones it kept. */
export const listenerRefKey = (listenerName: string, ref: CertRef): string => `${listenerName}\u0000${refKey(ref)}`;

/** The refs the object carried before this UPDATE (empty for CREATE): those are only warned about. */
export const previousRefKeys = (request: PolicyRequest, owner: Owner): Set<string> => {
  const keys = new Set<string>();
  if (request.operation !== 'UPDATE' || !request.oldObject) return keys;
  for (const listener of tlsListenersOf(request.oldObject, owner.namespace)) {
    for (const ref of listener.refs) keys.add(listenerRefKey(listener.name, ref));
  }
  return keys;
};

/** A Gateway being deleted only loses finalizers: nothing to judge, nothing to create. */
export const isDeleting = (request: PolicyRequest): boolean => Boolean(request.object?.metadata?.deletionTimestamp);
