// The solvers this replica admitted that its cache has not shown yet. The cap counts from the
// cache, which lags the API server: without this ledger every create of a burst sees the same
// count and they pass the cap together. Per-replica state, so it lives outside the policy: serve
// builds one and compose.ts hands it in.
import type { ResourceId } from '../../cluster/resources.ts';
import type { ClusterView } from '../../cluster/view.ts';

// kube-apiserver's default --request-timeout: a create admitted longer ago is stored (and the
// watch shows it within milliseconds) or has failed, e.g. another webhook denied it.
export const ADMITTED_TTL_MS = 60_000;

/** Admitted creates not in the view yet: in one namespace, and in the cluster. */
export type PendingSolvers = { namespace: number; cluster: number };

export type AdmittedSolvers = {
  /** Counts the entries of `resource` the view does not hold yet, and forgets held and expired ones. */
  pending(view: Pick<ClusterView, 'has'>, resource: ResourceId, namespace: string): PendingSolvers;
  /** An admitted create (never a dry run). Without a name it can only expire. */
  record(resource: ResourceId, namespace: string, name: string | undefined): void;
  readonly size: number;
};

type Entry = { resource: ResourceId; namespace: string; name: string | undefined; expiresAt: number };

export type AdmittedSolversOptions = { ttlMs?: number; now?: () => number };

export const createAdmittedSolvers = ({ ttlMs = ADMITTED_TTL_MS, now = Date.now }: AdmittedSolversOptions = {}): AdmittedSolvers => {
  // Never more than maxClusterWide per kind: an entry is recorded only under the caps it counts against.
  const entries = new Map<string, Entry>();
  let unnamed = 0;
  const isGone = (view: Pick<ClusterView, 'has'>, entry: Entry, at: number): boolean =>
    entry.expiresAt <= at || (entry.name !== undefined && view.has(entry.resource, entry.namespace, entry.name));
  return {
    pending(view, resource, namespace) {
      const at = now();
      const found = { namespace: 0, cluster: 0 };
      for (const [key, entry] of entries) {
        if (isGone(view, entry, at)) entries.delete(key);
        else if (entry.resource === resource) {
          found.cluster += 1;
          if (entry.namespace === namespace) found.namespace += 1;
        }
      }
      return found;
    },
    record(resource, namespace, name) {
      // A newline is in no object name: an unnamed entry never collides with a named one.
      const key = name === undefined ? `\n${(unnamed += 1)}` : `${resource}/${namespace}/${name}`;
      entries.set(key, { resource, namespace, name, expiresAt: now() + ttlMs });
    },
    get size() {
      return entries.size;
    },
  };
};
