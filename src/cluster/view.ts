// The read-only cluster view policies judge against. Two implementations share it:
// the manifest-backed view (a folder of YAML: dev, tests, offline check) and the live,
// informer-backed view. Policy tests use the manifest view and never change with the live one.
import type { KubeObject } from '../admission/types.ts';
import type { ResourceId } from './resources.ts';

export type ListOptions = {
  /** Only objects in this namespace (omit for all namespaces / cluster-scoped). */
  namespace?: string;
  /** Equality-based selector: every pair must match. */
  labels?: Record<string, string>;
};

export type ClusterView = {
  /**
   * One object by name, or undefined when it does not exist. The live view answers from its
   * cache, but confirms a "missing" with a live GET (a GitOps sync applies a Secret and the
   * Gateway that references it together; the watch may lag). For Secrets the cache holds
   * metadata only: pass `{ content: true }` to get `type` and `data` (a live GET).
   */
  get(resource: ResourceId, namespace: string | undefined, name: string, options?: { content?: boolean }): Promise<KubeObject | undefined>;
  /** Objects from the cache (may be a few milliseconds stale; fine for counting). */
  list(resource: ResourceId, options?: ListOptions): KubeObject[];
  /** False while the resource's API (its CRD) is not served: policies that need it idle. */
  isServed(resource: ResourceId): boolean;
};

/** Readiness of a view, for /readyz. Not part of what policies see. */
export type ViewStatus = {
  ready: boolean;
  /** Human-readable items not synced yet, e.g. "gateways: API server unreachable (connect ECONNREFUSED)". */
  notReady: string[];
};

export type StatefulView = ClusterView & {
  status(): ViewStatus;
  start(): Promise<void>;
  stop(): Promise<void>;
};

export const matchesLabels = (object: KubeObject, labels: Record<string, string> | undefined): boolean => {
  if (!labels) return true;
  const have = object.metadata?.labels ?? {};
  return Object.entries(labels).every(([key, value]) => have[key] === value);
};
