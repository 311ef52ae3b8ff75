// Where `certguard explain` reads objects from: the live cluster (one GET or one namespaced,
// label-selected list per hop, never a cluster-wide sync) or a folder of manifests. A read that
// fails says why in words ("forbidden"), so the hop that needed it can say "cannot read ...".
import { ACCEPT_JSON, groupVersionPath, queryOf, labelSelectorOf } from '../cluster/live/api-paths.ts';
import { apiErrorOf, UnreachableError, type KubeClient } from '../cluster/live/kube-client.ts';
import { matchesLabels, ViewReadError } from '../cluster/view.ts';
import { groupOf } from '../kube/groups.ts';
import type { KubeObject } from '../kube/object.ts';

export type Kind = {
  kind: string;
  group: string;
  /** Preferred first: the first one the API server serves is used. */
  versions: string[];
  plural: string;
  namespaced: boolean;
};

const kind = (name: string, group: string, versions: string[], plural: string, namespaced = true): Kind => ({
  kind: name,
  group,
  versions,
  plural,
  namespaced,
});

export const KINDS = {
  Gateway: kind('Gateway', 'gateway.networking.k8s.io', ['v1', 'v1beta1'], 'gateways'),
  ListenerSet: kind('ListenerSet', 'gateway.networking.k8s.io', ['v1', 'v1alpha1'], 'listenersets'),
  ReferenceGrant: kind('ReferenceGrant', 'gateway.networking.k8s.io', ['v1', 'v1beta1'], 'referencegrants'),
  BackendTLSPolicy: kind('BackendTLSPolicy', 'gateway.networking.k8s.io', ['v1'], 'backendtlspolicies'),
  HTTPRoute: kind('HTTPRoute', 'gateway.networking.k8s.io', ['v1', 'v1beta1'], 'httproutes'),
  Secret: kind('Secret', '', ['v1'], 'secrets'),
  ConfigMap: kind('ConfigMap', '', ['v1'], 'configmaps'),
  Namespace: kind('Namespace', '', ['v1'], 'namespaces', false),
  Service: kind('Service', '', ['v1'], 'services'),
  Ingress: kind('Ingress', 'networking.k8s.io', ['v1'], 'ingresses'),
  Certificate: kind('Certificate', 'cert-manager.io', ['v1'], 'certificates'),
  CertificateRequest: kind('CertificateRequest', 'cert-manager.io', ['v1'], 'certificaterequests'),
  Issuer: kind('Issuer', 'cert-manager.io', ['v1'], 'issuers'),
  ClusterIssuer: kind('ClusterIssuer', 'cert-manager.io', ['v1'], 'clusterissuers', false),
  Order: kind('Order', 'acme.cert-manager.io', ['v1'], 'orders'),
  Challenge: kind('Challenge', 'acme.cert-manager.io', ['v1'], 'challenges'),
} as const;

export type KindName = keyof typeof KINDS;

/** A read the source could not do: `reason` is short ("forbidden"), for "cannot read Challenges: forbidden". */
export class ReadError extends ViewReadError {
  readonly reason: string;
  /** No answer at all (API server down): the whole explanation cannot be trusted. */
  readonly unreachable: boolean;
  constructor(what: string, reason: string, unreachable = false) {
    super(`cannot read ${what}: ${reason}`);
    this.reason = reason;
    this.unreachable = unreachable;
  }
}

export type ExplainSource = {
  /** undefined when the object does not exist (or its API is not served). */
  get(kind: KindName, namespace: string | undefined, name: string): Promise<KubeObject | undefined>;
  /** One namespace (or all, or cluster-scoped: undefined); `labels` as an equality selector. */
  list(kind: KindName, namespace: string | undefined, labels?: Record<string, string>): Promise<KubeObject[]>;
  /** How many reads went to the API server (0 for manifests), for the benchmark. */
  reads(): number;
};

/** "Challenges", "Ingresses": how a read's failure names what it could not list. */
const plural = (info: Kind): string => (info.kind.endsWith('s') ? `${info.kind}es` : `${info.kind}s`);

// ---------------------------------------------------------------- manifests

const isKind = (object: KubeObject, info: Kind): boolean => object.kind === info.kind && groupOf(object.apiVersion) === info.group;

export const manifestSource = (objects: KubeObject[]): ExplainSource => {
  const namespaceOf = (object: KubeObject, info: Kind): string | undefined => (info.namespaced ? (object.metadata?.namespace ?? 'default') : undefined);
  return {
    get: async (name, namespace, objectName) => {
      const info = KINDS[name];
      return objects.find(
        (object) => isKind(object, info) && object.metadata?.name === objectName && namespaceOf(object, info) === (info.namespaced ? namespace : undefined),
      );
    },
    list: async (name, namespace, labels) => {
      const info = KINDS[name];
      return objects.filter(
        (object) => isKind(object, info) && (namespace === undefined || namespaceOf(object, info) === namespace) && matchesLabels(object, labels),
      );
    },
    reads: () => 0,
  };
};

// ---------------------------------------------------------------- live

// One explanation is a handful of small reads: an API server slower than this is not answering.
const READ_TIMEOUT_MS = 10_000;

type Served = { version: string } | undefined;

const reasonOf = (status: number, body: unknown): string => {
  if (status === 403) return 'forbidden';
  if (status === 401) return 'unauthorized';
  return apiErrorOf(status, body).message;
};

export const liveSource = (client: KubeClient): ExplainSource => {
  let count = 0;
  const versions = new Map<string, Promise<Set<string>>>();
  const request = async (path: string, what: string) => {
    count += 1;
    try {
      return await client.request(path, { accept: ACCEPT_JSON, timeoutMs: READ_TIMEOUT_MS });
    } catch (error) {
      throw new ReadError(what, (error as Error).message, error instanceof UnreachableError || (error as Error).message.startsWith('no answer'));
    }
  };
  // The first of the kind's versions whose discovery document lists it: one GET per group-version and run.
  const resourcesIn = (group: string, version: string): Promise<Set<string>> => {
    const key = `${group}/${version}`;
    let found = versions.get(key);
    if (!found) {
      found = (async () => {
        const response = await request(groupVersionPath(group, version), `API ${key}`);
        if (response.status === 404) return new Set<string>();
        if (response.status !== 200) throw new ReadError(`API ${key}`, reasonOf(response.status, response.body));
        return new Set(((response.body as { resources?: Array<{ name?: string }> }).resources ?? []).map((resource) => resource.name ?? ''));
      })();
      versions.set(key, found);
    }
    return found;
  };
  const servedVersion = async (info: Kind): Promise<Served> => {
    if (info.group === '') return { version: info.versions[0] ?? 'v1' };
    for (const version of info.versions) if ((await resourcesIn(info.group, version)).has(info.plural)) return { version };
    return undefined;
  };
  const collection = async (info: Kind, namespace: string | undefined): Promise<string | undefined> => {
    const served = await servedVersion(info);
    if (!served) return undefined;
    const prefix = groupVersionPath(info.group, served.version);
    return info.namespaced && namespace !== undefined ? `${prefix}/namespaces/${encodeURIComponent(namespace)}/${info.plural}` : `${prefix}/${info.plural}`;
  };
  const typed = (object: KubeObject, info: Kind, version: string): KubeObject => ({
    ...object,
    apiVersion: info.group ? `${info.group}/${version}` : version,
    kind: info.kind,
  });
  return {
    get: async (name, namespace, objectName) => {
      const info = KINDS[name];
      const what = `${info.kind} ${namespace ? `${namespace}/` : ''}${objectName}`;
      const path = await collection(info, namespace);
      if (!path) return undefined;
      const response = await request(`${path}/${encodeURIComponent(objectName)}`, what);
      if (response.status === 404) return undefined;
      if (response.status !== 200) throw new ReadError(what, reasonOf(response.status, response.body));
      return response.body as KubeObject;
    },
    list: async (name, namespace, labels) => {
      const info = KINDS[name];
      const what = `${plural(info)}${namespace ? ` in namespace ${namespace}` : ''}`;
      const path = await collection(info, namespace);
      if (!path) return [];
      const response = await request(`${path}${queryOf({ labelSelector: labelSelectorOf(labels) })}`, what);
      if (response.status === 404) return [];
      if (response.status !== 200) throw new ReadError(what, reasonOf(response.status, response.body));
      const version = (await servedVersion(info))?.version ?? info.versions[0] ?? 'v1';
      return ((response.body as { items?: KubeObject[] }).items ?? []).map((item) => typed(item, info, version));
    },
    reads: () => count,
  };
};
