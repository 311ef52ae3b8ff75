// Gateway API listeners, as certguard reads them from a Gateway or a ListenerSet: one model for
// every policy. Gateway API's defaults are applied here (the mutating phase sees objects before
// the CRD's defaulting and validation, so nothing trusts a default to be present); the field as
// written is kept where a consumer (cert-manager's gateway-shim) judges the written value.
import { arrayOf, nameOf, namespaceOf, recordOf, specOf, stringOf, textOf } from './accessors.ts';
import { GATEWAY_GROUP } from './groups.ts';

export type ListenerOwnerKind = 'Gateway' | 'ListenerSet';

/** A certificateRef with Gateway API's defaults: group "" (core), kind Secret, the owner's namespace. */
export type CertRef = {
  group: string;
  kind: string;
  namespace: string;
  name: string;
  /** The fields as written, before defaulting. */
  written: Readonly<{ group?: string; kind?: string; namespace?: string }>;
};

export type ListenerTls = {
  /** Terminate unless written otherwise (Gateway API's default). */
  mode: string;
  /** The mode as written (undefined when absent). */
  writtenMode?: string;
  certificateRefs: CertRef[];
};

/** A listener's allowedRoutes with Gateway API's defaults (namespaces from Same, kinds by protocol). */
export type AllowedRoutes = Readonly<{
  /** Same unless written otherwise. */
  from: string;
  /** namespaces.selector as written (for from: Selector). */
  selector?: unknown;
  /** kinds as written, group defaulted to gateway.networking.k8s.io; empty: the protocol's kinds. */
  kinds: readonly { group: string; kind: string }[];
}>;

export type Listener = {
  /** Position in spec.listeners (null entries keep their place, so messages point at the right one). */
  index: number;
  name: string;
  protocol?: string;
  port?: number;
  hostname?: string;
  allowedRoutes: AllowedRoutes;
  tls?: ListenerTls;
  /** HTTPS, or TLS in mode Terminate: the listener needs a certificate. */
  terminatesTls: boolean;
};

/** The Gateway a ListenerSet attaches to (spec.parentRef), namespace defaulted to the ListenerSet's. */
export type ParentGateway = { namespace: string; name: string };

export type ListenerOwner = {
  kind: ListenerOwnerKind;
  namespace: string;
  name: string;
  parent?: ParentGateway;
};

export const isListenerOwnerKind = (kind: string | undefined): kind is ListenerOwnerKind => kind === 'Gateway' || kind === 'ListenerSet';

// Shared by every reference and listener that leaves the field out, the usual case: a review of
// a 25-listener Gateway then allocates two objects fewer per listener (bench/README.md).
const NOTHING_WRITTEN: CertRef['written'] = Object.freeze({ group: undefined, kind: undefined, namespace: undefined });
const DEFAULT_ALLOWED_ROUTES: AllowedRoutes = Object.freeze({ from: 'Same', kinds: Object.freeze([]) });

/** A reference with Gateway API's defaults; `defaultKind` is Secret for a SecretObjectReference. */
export const certRefOf = (value: unknown, ownerNamespace: string, defaultKind = 'Secret'): CertRef => {
  const raw = recordOf(value);
  const group = stringOf(raw.group);
  const kind = stringOf(raw.kind);
  const namespace = stringOf(raw.namespace);
  const written = group === undefined && kind === undefined && namespace === undefined ? NOTHING_WRITTEN : { group, kind, namespace };
  return {
    group: written.group ?? '',
    kind: textOf(written.kind) ?? defaultKind,
    namespace: textOf(written.namespace) ?? ownerNamespace,
    name: stringOf(raw.name) ?? '',
    written,
  };
};

const tlsOf = (value: unknown, ownerNamespace: string): ListenerTls | undefined => {
  if (value === undefined || value === null) return undefined;
  const raw = recordOf(value);
  const writtenMode = stringOf(raw.mode);
  return { mode: textOf(writtenMode) ?? 'Terminate', writtenMode, certificateRefs: arrayOf(raw.certificateRefs).map((ref) => certRefOf(ref, ownerNamespace)) };
};

const allowedRoutesOf = (value: unknown): AllowedRoutes => {
  if (value === undefined) return DEFAULT_ALLOWED_ROUTES;
  const raw = recordOf(value);
  const namespaces = recordOf(raw.namespaces);
  const kinds = arrayOf(raw.kinds).map((kind) => {
    const entry = recordOf(kind);
    return { group: stringOf(entry.group) ?? GATEWAY_GROUP, kind: stringOf(entry.kind) ?? '' };
  });
  const from = textOf(namespaces.from) ?? 'Same';
  return namespaces.selector === undefined ? { from, kinds } : { from, kinds, selector: namespaces.selector };
};

const listenerOf = (value: unknown, index: number, ownerNamespace: string): Listener | undefined => {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const raw = recordOf(value);
  const protocol = stringOf(raw.protocol);
  const tls = tlsOf(raw.tls, ownerNamespace);
  const terminatesTls = protocol === 'HTTPS' || (protocol === 'TLS' && (tls?.mode ?? 'Terminate') === 'Terminate');
  const name = stringOf(raw.name) ?? '';
  const hostname = textOf(raw.hostname);
  const allowedRoutes = allowedRoutesOf(raw.allowedRoutes);
  // port in the literal, not added after: a property added later costs the object a second allocation.
  const { port } = raw;
  return typeof port === 'number'
    ? { index, name, protocol, port, hostname, allowedRoutes, tls, terminatesTls }
    : { index, name, protocol, hostname, allowedRoutes, tls, terminatesTls };
};

/** spec.listeners of a Gateway or ListenerSet; entries that are not objects are skipped. */
export const listenersOf = (object: unknown, ownerNamespace: string): Listener[] => {
  const listeners: Listener[] = [];
  arrayOf(specOf(object).listeners).forEach((value, index) => {
    const listener = listenerOf(value, index, ownerNamespace);
    if (listener) listeners.push(listener);
  });
  return listeners;
};

/** The listeners that need a certificate. */
export const tlsListenersOf = (object: unknown, ownerNamespace: string): Listener[] =>
  listenersOf(object, ownerNamespace).filter((listener) => listener.terminatesTls);

/** A ListenerSet's spec.parentRef, or undefined without a name. */
export const parentGatewayOf = (listenerSet: unknown, ownNamespace: string): ParentGateway | undefined => {
  const parentRef = recordOf(specOf(listenerSet).parentRef);
  const name = textOf(parentRef.name);
  return name ? { namespace: textOf(parentRef.namespace) ?? ownNamespace, name } : undefined;
};

/**
 * The object as a listener owner. `request` fills what a CREATE may leave out: the namespace
 * (the object's, then the request's, then "default") and the name (generateName gets a marker).
 */
export const listenerOwnerOf = (kind: string, object: unknown, request: { namespace?: string; name?: string } = {}): ListenerOwner | undefined => {
  if (!isListenerOwnerKind(kind)) return undefined;
  const namespace = namespaceOf(object, request.namespace);
  const name = nameOf(object) ?? textOf(request.name) ?? `${stringOf(recordOf(recordOf(object).metadata).generateName) ?? ''}<generated>`;
  const owner: ListenerOwner = { kind, namespace, name };
  const parent = kind === 'ListenerSet' ? parentGatewayOf(object, namespace) : undefined;
  if (parent) owner.parent = parent;
  return owner;
};

export const isCoreSecret = (ref: CertRef): boolean => ref.group === '' && ref.kind === 'Secret';

export const refKey = (ref: CertRef): string => `${ref.group}/${ref.kind}/${ref.namespace}/${ref.name}`;
