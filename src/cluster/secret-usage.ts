// The reverse index Secret or ConfigMap → the TLS references that use it, kept current from the
// Gateways, ListenerSets and BackendTLSPolicies the view already holds: a Secret or ConfigMap
// DELETE or UPDATE (tls-secret-in-use) is answered with one map lookup, never a scan of every
// Gateway. Each owner is re-indexed whole when it changes, so an update that drops a reference
// drops its entries too.
//
// Indexed: listener certificateRefs to a core Secret; a Gateway's spec.tls CA bundles (core
// ConfigMap or Secret) and backend client certificate (core Secret); a BackendTLSPolicy's CA
// bundles (core ConfigMap or Secret). Cross-namespace refs are included: whether a ReferenceGrant
// permits one is judged at request time (grants come and go independently).
//
// The index keeps only which owners reference each Secret, never the listeners themselves: those
// are read again from the owner the view holds (`lookup`) when a DELETE asks. Keeping a record per
// listener cost ~800 bytes of heap per reference (16 MiB at 2,000 Gateways × 10 listeners);
// this costs one map entry per referenced Secret, keyed by the name string the object already holds.
import type { KubeObject } from '../kube/object.ts';
import { isCoreSecret, listenerOwnerOf, tlsListenersOf, type CertRef, type ListenerOwner, type ListenerOwnerKind } from '../kube/gateway.ts';
import { backendTlsCaRefsOf, gatewayTlsRefsOf, type GatewayTlsRef } from '../kube/gateway-tls.ts';
import type { ResourceId } from './resources.ts';

/** One listener's reference to a Secret. */
export type ListenerUse = {
  owner: ListenerOwner;
  listener: { index: number; name: string; hostname?: string };
  ref: CertRef;
};

/** The kinds of object a TLS reference uses that the index knows (core group). */
export type UsedKind = 'Secret' | 'ConfigMap';

/** One reference outside the listeners (a Gateway's spec.tls, a BackendTLSPolicy's CA bundles) to a Secret or ConfigMap. */
export type TlsRefUse = {
  owner: { kind: 'Gateway' | 'BackendTLSPolicy'; namespace: string; name: string };
  tlsRef: GatewayTlsRef;
};

/** The resources whose objects own listeners. */
export type ListenerOwnerResource = Extract<ResourceId, 'gateways' | 'listenersets'>;

/** The resources whose objects the index reads references from. */
export type RefOwnerResource = ListenerOwnerResource | Extract<ResourceId, 'backendtlspolicies'>;

export const LISTENER_OWNER_RESOURCES: readonly ListenerOwnerResource[] = ['gateways', 'listenersets'];

/** The Gateway, ListenerSet or BackendTLSPolicy the view holds now (the one upsert was last given, as stored). */
export type OwnerLookup = (resource: RefOwnerResource, namespace: string, name: string) => KubeObject | undefined;

const OWNER_KINDS: Record<ListenerOwnerResource, ListenerOwnerKind> = { gateways: 'Gateway', listenersets: 'ListenerSet' };

const REF_OWNER_RESOURCES: ReadonlySet<ResourceId> = new Set<RefOwnerResource>(['gateways', 'listenersets', 'backendtlspolicies']);

export const isListenerOwnerResource = (resource: ResourceId): resource is ListenerOwnerResource => resource in OWNER_KINDS;

/** Whether the index follows objects of `resource` (the views feed it these). */
export const isRefOwnerResource = (resource: ResourceId): resource is RefOwnerResource => REF_OWNER_RESOURCES.has(resource);

/** An indexed owner; `key` (resource/namespace/name) orders owners of one resource. */
type OwnerId = { resource: RefOwnerResource; namespace: string; name: string; key: string };

/** The core-Secret refs of an owner's TLS listeners. */
const usesOf = (resource: ListenerOwnerResource, object: KubeObject): ListenerUse[] => {
  const namespace = object.metadata?.namespace || 'default';
  const owner = listenerOwnerOf(OWNER_KINDS[resource], object, { namespace });
  if (!owner) return [];
  return tlsListenersOf(object, owner.namespace).flatMap(({ index, name, hostname, tls }) =>
    (tls?.certificateRefs ?? [])
      .filter(isCoreSecret)
      .map((ref) => ({ owner, listener: hostname === undefined ? { index, name } : { index, name, hostname }, ref })),
  );
};

const isIndexedKind = (ref: CertRef): ref is CertRef & { kind: UsedKind } => ref.group === '' && (ref.kind === 'Secret' || ref.kind === 'ConfigMap');

/** The spec.tls refs of a Gateway, or the CA refs of a BackendTLSPolicy, to a core Secret or ConfigMap. */
const tlsRefUsesOf = (resource: RefOwnerResource, object: KubeObject): TlsRefUse[] => {
  if (resource === 'listenersets') return [];
  const namespace = object.metadata?.namespace || 'default';
  const name = object.metadata?.name ?? '';
  const kind = resource === 'gateways' ? 'Gateway' : 'BackendTLSPolicy';
  const refs = resource === 'gateways' ? gatewayTlsRefsOf(object, namespace) : backendTlsCaRefsOf(object, namespace);
  // A client certificate is read as tls.crt + tls.key: only a Secret can hold one.
  const usable = refs.filter((tlsRef) => isIndexedKind(tlsRef.ref) && (tlsRef.purpose !== 'backend-client' || tlsRef.ref.kind === 'Secret'));
  return usable.map((tlsRef) => ({ owner: { kind, namespace, name }, tlsRef }));
};

/** Every object an owner references, as [kind, namespace, name]. */
const referencedBy = (resource: RefOwnerResource, object: KubeObject): [UsedKind, string, string][] => [
  ...(isListenerOwnerResource(resource) ? usesOf(resource, object).map(({ ref }): [UsedKind, string, string] => ['Secret', ref.namespace, ref.name]) : []),
  ...tlsRefUsesOf(resource, object).map(({ tlsRef: { ref } }): [UsedKind, string, string] => [ref.kind as UsedKind, ref.namespace, ref.name]),
];

const matching =
  (kind: UsedKind, namespace: string, name: string) =>
  (ref: CertRef): boolean =>
    ref.group === '' && ref.kind === kind && ref.namespace === namespace && ref.name === name;

/** Messages name Gateways first, then ListenerSets, then BackendTLSPolicies. */
const RANK: Record<RefOwnerResource, number> = { gateways: 0, listenersets: 1, backendtlspolicies: 2 };

const byRankAndKey = (a: OwnerId, b: OwnerId): number => RANK[a.resource] - RANK[b.resource] || a.key.localeCompare(b.key);

const ownersIn = (entry: OwnerId | OwnerId[] | undefined): OwnerId[] => (entry === undefined ? [] : Array.isArray(entry) ? entry : [entry]);

export class SecretUsageIndex {
  readonly #lookup: OwnerLookup;
  /** Kind → namespace → name → the owner (or owners) that reference it. */
  readonly #byObject: Record<UsedKind, Map<string, Map<string, OwnerId | OwnerId[]>>> = { Secret: new Map(), ConfigMap: new Map() };
  /** Owner key → the owner and what it references, as [kind, namespace, name, kind, namespace, name, …]. */
  readonly #byOwner = new Map<string, { owner: OwnerId; refs: string[] }>();

  constructor(lookup: OwnerLookup) {
    this.#lookup = lookup;
  }

  /** Adds or replaces one Gateway, ListenerSet or BackendTLSPolicy. */
  upsert(resource: RefOwnerResource, object: KubeObject): void {
    const name = object.metadata?.name;
    if (!name) return;
    const namespace = object.metadata?.namespace || 'default';
    const key = `${resource}/${namespace}/${name}`;
    this.#drop(key);
    const owner: OwnerId = { resource, namespace, name, key };
    const refs: string[] = [];
    for (const [kind, refNamespace, refName] of referencedBy(resource, object)) {
      const byNamespace = this.#byObject[kind];
      let names = byNamespace.get(refNamespace);
      if (!names) byNamespace.set(refNamespace, (names = new Map()));
      const entry = names.get(refName);
      if (entry === owner || (Array.isArray(entry) && entry.includes(owner))) continue; // two references, one object
      names.set(refName, entry === undefined ? owner : [...ownersIn(entry), owner]);
      refs.push(kind, refNamespace, refName);
    }
    if (refs.length > 0) this.#byOwner.set(key, { owner, refs });
  }

  remove(resource: RefOwnerResource, namespace: string | undefined, name: string): void {
    this.#drop(`${resource}/${namespace || 'default'}/${name}`);
  }

  /** A re-list: every object of `resource` is replaced by `objects`. */
  replace(resource: RefOwnerResource, objects: Iterable<KubeObject>): void {
    for (const [key, { owner }] of [...this.#byOwner]) if (owner.resource === resource) this.#drop(key);
    for (const object of objects) this.upsert(resource, object);
  }

  /** Every listener use of Secret namespace/name, Gateways first, in a stable order. */
  usesOf(namespace: string, name: string): ListenerUse[] {
    const isIt = matching('Secret', namespace, name);
    return this.#ownersOf('Secret', namespace, name).flatMap(({ resource, object }) =>
      isListenerOwnerResource(resource) ? usesOf(resource, object).filter(({ ref }) => isIt(ref)) : [],
    );
  }

  /** Every use of a Secret or ConfigMap outside the listeners, Gateways then BackendTLSPolicies, each in field order. */
  tlsRefUsesOf(kind: UsedKind, namespace: string, name: string): TlsRefUse[] {
    const isIt = matching(kind, namespace, name);
    return this.#ownersOf(kind, namespace, name).flatMap(({ resource, object }) => tlsRefUsesOf(resource, object).filter(({ tlsRef }) => isIt(tlsRef.ref)));
  }

  /** Objects referenced at least once (for tests and the bench). */
  get size(): number {
    let size = 0;
    for (const byNamespace of Object.values(this.#byObject)) for (const names of byNamespace.values()) size += names.size;
    return size;
  }

  /** The owners that reference the object, as the view holds them now, Gateways first. */
  #ownersOf(kind: UsedKind, namespace: string, name: string): { resource: RefOwnerResource; object: KubeObject }[] {
    return [...ownersIn(this.#byObject[kind].get(namespace)?.get(name))]
      .sort(byRankAndKey)
      .flatMap(({ resource, namespace: ownerNamespace, name: ownerName }) => {
        const object = this.#lookup(resource, ownerNamespace, ownerName);
        return object ? [{ resource, object }] : [];
      });
  }

  #drop(key: string): void {
    const indexed = this.#byOwner.get(key);
    if (!indexed) return;
    this.#byOwner.delete(key);
    const { owner, refs } = indexed;
    for (let i = 0; i < refs.length; i += 3) {
      const [kind, namespace, name] = [refs[i] as UsedKind, refs[i + 1]!, refs[i + 2]!];
      const byNamespace = this.#byObject[kind];
      const names = byNamespace.get(namespace);
      const left = ownersIn(names?.get(name)).filter((other) => other !== owner);
      if (left.length === 0) names?.delete(name);
      else names?.set(name, left.length === 1 ? left[0]! : left);
      if (names?.size === 0) byNamespace.delete(namespace);
    }
  }
}
