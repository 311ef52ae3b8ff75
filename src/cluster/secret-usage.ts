// The reverse index Secret → TLS listeners that reference it, kept current from the Gateways and
// ListenerSets the view already holds: a Secret DELETE (tls-secret-in-use) is answered with one
// map lookup, never a scan of every Gateway. Each owner is re-indexed whole when it changes, so
// an update that drops a listener drops its entries too.
//
// Every certificateRef to a core Secret is indexed, cross-namespace ones included: whether a
// ReferenceGrant permits one is judged at request time (grants come and go independently).
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

const OWNER_KINDS: Record<ListenerOwnerResource, ListenerOwnerKind> = { gateways: 'Gateway', listenersets: 'ListenerSet' };

export const isListenerOwnerResource = (resource: ResourceId): resource is ListenerOwnerResource => resource in OWNER_KINDS;

const secretKey = (namespace: string, name: string): string => `${namespace}/${name}`;

const ownerKey = (resource: ListenerOwnerResource, namespace: string, name: string): string => `${resource}/${namespace}/${name}`;

/** The core-Secret refs of an owner's TLS listeners, by Secret. */
const usesOf = (resource: ListenerOwnerResource, object: KubeObject): ListenerUse[] => {
  const namespace = object.metadata?.namespace || 'default';
  const kind = OWNER_KINDS[resource];
  const owner = listenerOwnerOf(kind, object, { namespace });
  if (!owner) return [];
  return tlsListenersOf(object, owner.namespace).flatMap(({ index, name, hostname, tls }) =>
    (tls?.certificateRefs ?? []).filter(isCoreSecret).map((ref) => ({ owner, listener: hostname === undefined ? { index, name } : { index, name, hostname }, ref })),
  );
};

export class SecretUsageIndex {
  /** Secret "ns/name" → owner key → that owner's uses of the Secret. */
  readonly #bySecret = new Map<string, Map<string, ListenerUse[]>>();
  /** Owner key → the Secrets it references (to undo its entries on update or delete). */
  readonly #byOwner = new Map<string, Set<string>>();

  /** Adds or replaces one Gateway or ListenerSet. */
  upsert(resource: ListenerOwnerResource, object: KubeObject): void {
    const name = object.metadata?.name;
    if (!name) return;
    const namespace = object.metadata?.namespace || 'default';
    const key = ownerKey(resource, namespace, name);
    this.#drop(key);
    const grouped = new Map<string, ListenerUse[]>();
    for (const use of usesOf(resource, object)) {
      const secret = secretKey(use.ref.namespace, use.ref.name);
      grouped.set(secret, [...(grouped.get(secret) ?? []), use]);
    }
    if (grouped.size === 0) return;
    this.#byOwner.set(key, new Set(grouped.keys()));
    for (const [secret, uses] of grouped) {
      let owners = this.#bySecret.get(secret);
      if (!owners) this.#bySecret.set(secret, (owners = new Map()));
      owners.set(key, uses);
    }
  }

  remove(resource: ListenerOwnerResource, namespace: string | undefined, name: string): void {
    this.#drop(ownerKey(resource, namespace || 'default', name));
  }

  /** A re-list: every object of `resource` is replaced by `objects`. */
  replace(resource: ListenerOwnerResource, objects: Iterable<KubeObject>): void {
    const prefix = `${resource}/`;
    for (const key of [...this.#byOwner.keys()]) if (key.startsWith(prefix)) this.#drop(key);
    for (const object of objects) this.upsert(resource, object);
  }

  /** Every listener use of Secret namespace/name, Gateways first, in a stable order. */
  usesOf(namespace: string, name: string): ListenerUse[] {
    const owners = this.#bySecret.get(secretKey(namespace, name));
    if (!owners) return [];
    return [...owners.entries()].sort(([a], [b]) => a.localeCompare(b)).flatMap(([, uses]) => uses);
  }

  /** Secrets referenced by at least one listener (for tests and the bench). */
  get size(): number {
    return this.#bySecret.size;
  }

  #drop(key: string): void {
    const secrets = this.#byOwner.get(key);
    if (!secrets) return;
    this.#byOwner.delete(key);
    for (const secret of secrets) {
      const owners = this.#bySecret.get(secret);
      owners?.delete(key);
      if (owners?.size === 0) this.#bySecret.delete(secret);
    }
  }
}
