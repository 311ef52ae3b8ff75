// The reverse index Secret → TLS listeners that reference it, kept current from the Gateways and
// ListenerSets the view already holds: a Secret DELETE (tls-secret-in-use) is answered with one
// map lookup, never a scan of every Gateway. Each owner is re-indexed whole when it changes, so
// an update that drops a listener drops its entries too.
//
// Every certificateRef to a core Secret is indexed, cross-namespace ones included: whether a
// ReferenceGrant permits one is judged at request time (grants come and go independently).
//
// The index keeps only which owners reference each Secret, never the listeners themselves: those
// are read again from the owner the view holds (`lookup`) when a DELETE asks. Keeping a record per
// listener cost ~800 bytes of heap per reference (16 MiB at 2,000 Gateways × 10 listeners);
// this costs one map entry per referenced Secret, keyed by the name string the object already holds.
import type { KubeObject } from '../kube/object.ts';
import { isCoreSecret, listenerOwnerOf, tlsListenersOf, type CertRef, type ListenerOwner, type ListenerOwnerKind } from '../kube/gateway.ts';
import type { ResourceId } from './resources.ts';

/** One listener's reference to a Secret. */
export type ListenerUse = {
  owner: ListenerOwner;
  listener: { index: number; name: string; hostname?: string };
  ref: CertRef;
};

/** The resources whose objects own listeners. */
export type ListenerOwnerResource = Extract<ResourceId, 'gateways' | 'listenersets'>;

export const LISTENER_OWNER_RESOURCES: readonly ListenerOwnerResource[] = ['gateways', 'listenersets'];

/** The Gateway or ListenerSet the view holds now (the one upsert was last given, as stored). */
export type OwnerLookup = (resource: ListenerOwnerResource, namespace: string, name: string) => KubeObject | undefined;

const OWNER_KINDS: Record<ListenerOwnerResource, ListenerOwnerKind> = { gateways: 'Gateway', listenersets: 'ListenerSet' };

export const isListenerOwnerResource = (resource: ResourceId): resource is ListenerOwnerResource => resource in OWNER_KINDS;

/** An indexed owner; `key` orders Gateways before ListenerSets, then by namespace and name. */
type OwnerId = { resource: ListenerOwnerResource; namespace: string; name: string; key: string };

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

const ownersIn = (entry: OwnerId | OwnerId[] | undefined): OwnerId[] => (entry === undefined ? [] : Array.isArray(entry) ? entry : [entry]);

export class SecretUsageIndex {
  readonly #lookup: OwnerLookup;
  /** Secret namespace → Secret name → the owner (or owners) whose listeners reference it. */
  readonly #bySecret = new Map<string, Map<string, OwnerId | OwnerId[]>>();
  /** Owner key → the owner and the Secrets it references, as [namespace, name, namespace, name, …]. */
  readonly #byOwner = new Map<string, { owner: OwnerId; secrets: string[] }>();

  constructor(lookup: OwnerLookup) {
    this.#lookup = lookup;
  }

  /** Adds or replaces one Gateway or ListenerSet. */
  upsert(resource: ListenerOwnerResource, object: KubeObject): void {
    const name = object.metadata?.name;
    if (!name) return;
    const namespace = object.metadata?.namespace || 'default';
    const key = `${resource}/${namespace}/${name}`;
    this.#drop(key);
    const owner: OwnerId = { resource, namespace, name, key };
    const secrets: string[] = [];
    for (const { ref } of usesOf(resource, object)) {
      let names = this.#bySecret.get(ref.namespace);
      if (!names) this.#bySecret.set(ref.namespace, (names = new Map()));
      const entry = names.get(ref.name);
      if (entry === owner || (Array.isArray(entry) && entry.includes(owner))) continue; // two listeners, one Secret
      names.set(ref.name, entry === undefined ? owner : [...ownersIn(entry), owner]);
      secrets.push(ref.namespace, ref.name);
    }
    if (secrets.length > 0) this.#byOwner.set(key, { owner, secrets });
  }

  remove(resource: ListenerOwnerResource, namespace: string | undefined, name: string): void {
    this.#drop(`${resource}/${namespace || 'default'}/${name}`);
  }

  /** A re-list: every object of `resource` is replaced by `objects`. */
  replace(resource: ListenerOwnerResource, objects: Iterable<KubeObject>): void {
    for (const [key, { owner }] of [...this.#byOwner]) if (owner.resource === resource) this.#drop(key);
    for (const object of objects) this.upsert(resource, object);
  }

  /** Every listener use of Secret namespace/name, Gateways first, in a stable order. */
  usesOf(namespace: string, name: string): ListenerUse[] {
    const owners = ownersIn(this.#bySecret.get(namespace)?.get(name));
    return [...owners]
      .sort((a, b) => a.key.localeCompare(b.key))
      .flatMap(({ resource, namespace: ownerNamespace, name: ownerName }) => {
        const object = this.#lookup(resource, ownerNamespace, ownerName);
        return object ? usesOf(resource, object).filter(({ ref }) => ref.namespace === namespace && ref.name === name) : [];
      });
  }

  /** Secrets referenced by at least one listener (for tests and the bench). */
  get size(): number {
    let size = 0;
    for (const names of this.#bySecret.values()) size += names.size;
    return size;
  }

  #drop(key: string): void {
    const indexed = this.#byOwner.get(key);
    if (!indexed) return;
    this.#byOwner.delete(key);
    const { owner, secrets } = indexed;
    for (let i = 0; i < secrets.length; i += 2) {
      const [namespace, name] = [secrets[i]!, secrets[i + 1]!];
      const names = this.#bySecret.get(namespace);
      const left = ownersIn(names?.get(name)).filter((other) => other !== owner);
      if (left.length === 0) names?.delete(name);
      else names?.set(name, left.length === 1 ? left[0]! : left);
      if (names?.size === 0) this.#bySecret.delete(namespace);
    }
  }
}
