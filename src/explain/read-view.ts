// The policies' ClusterView over an ExplainSource: get() reads through (once per object and
// run), and list()/count() — synchronous in the view — answer from the lists explain fetched
// beforehand for the namespaces the chain touches (fetch()). So the policies' own functions run
// unchanged against a handful of targeted reads instead of a synced cache.
import { RESOURCES, type ResourceId } from '../cluster/resources.ts';
import {
  countByNamespace,
  matchesLabels,
  type ClusterView,
  type ContentJudge,
  type CountOptions,
  type ListOptions,
  type ListenerUse,
  type TlsRefUse,
} from '../cluster/view.ts';
import type { KubeObject } from '../kube/object.ts';
import type { ExplainSource, KindName } from './source.ts';

const KIND_OF: Record<ResourceId, KindName> = {
  secrets: 'Secret',
  configmaps: 'ConfigMap',
  namespaces: 'Namespace',
  services: 'Service',
  referencegrants: 'ReferenceGrant',
  gateways: 'Gateway',
  listenersets: 'ListenerSet',
  backendtlspolicies: 'BackendTLSPolicy',
  issuers: 'Issuer',
  clusterissuers: 'ClusterIssuer',
  certificates: 'Certificate',
  'solver-httproutes': 'HTTPRoute',
  'solver-ingresses': 'Ingress',
};

export class ReadView implements ClusterView {
  readonly #source: ExplainSource;
  readonly #objects = new Map<string, Promise<KubeObject | undefined>>();
  readonly #lists = new Map<string, KubeObject[]>();
  readonly #sourceLists = new Map<string, Promise<KubeObject[]>>();
  readonly #everywhere = new Map<ResourceId, Promise<KubeObject[]>>();

  constructor(source: ExplainSource) {
    this.#source = source;
  }

  get source(): ExplainSource {
    return this.#source;
  }

  /** One read per object and run; a failed read is not remembered (the next hop may try again and say so). */
  get(resource: ResourceId, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    const scope = RESOURCES[resource].namespaced ? namespace : undefined;
    const key = `${resource}/${scope ?? ''}/${name}`;
    let found = this.#objects.get(key);
    if (!found) {
      found = this.#source.get(KIND_OF[resource], scope, name).then((object) => (object && this.#selects(resource, object) ? object : undefined));
      found.catch(() => this.#objects.delete(key));
      this.#objects.set(key, found);
    }
    return found;
  }

  #selects(resource: ResourceId, object: KubeObject): boolean {
    return matchesLabels(object, RESOURCES[resource].labelSelector);
  }

  async judgeSecret<T>(namespace: string, name: string, judge: ContentJudge<T>): Promise<T | undefined> {
    const secret = await this.get('secrets', namespace, name);
    return secret ? judge.judge(secret) : undefined;
  }

  // Every read goes to the source: nothing is known before it answers.
  knownSecretVerdict(): undefined {
    return undefined;
  }

  async judgeConfigMap<T>(namespace: string, name: string, judge: ContentJudge<T>): Promise<T | undefined> {
    const configMap = await this.get('configmaps', namespace, name);
    return configMap ? judge.judge(configMap) : undefined;
  }

  /** A list straight from the source (kinds no policy reads: CertificateRequests, Orders...), once per run; a failure is not remembered. */
  sourceList(kind: KindName, namespace: string | undefined): Promise<KubeObject[]> {
    const key = `${kind}/${namespace ?? ''}`;
    let found = this.#sourceLists.get(key);
    if (!found) {
      found = this.#source.list(kind, namespace);
      found.catch(() => this.#sourceLists.delete(key));
      this.#sourceLists.set(key, found);
    }
    return found;
  }

  /** Lists `resource` in `namespace` once (solver kinds by their label), for list() and count(). */
  async fetch(resource: ResourceId, namespace: string): Promise<KubeObject[]> {
    const key = `${resource}/${namespace}`;
    const known = this.#lists.get(key);
    if (known) return known;
    const listed = await this.#source.list(KIND_OF[resource], namespace, RESOURCES[resource].labelSelector);
    this.#lists.set(key, listed);
    return listed;
  }

  /** `resource` in every namespace (solver kinds by their label), once per run; kept apart from fetch()'s lists, so list() and count() never count it twice. */
  fetchAll(resource: ResourceId): Promise<KubeObject[]> {
    let found = this.#everywhere.get(resource);
    if (!found) {
      found = this.#source.list(KIND_OF[resource], undefined, RESOURCES[resource].labelSelector);
      found.catch(() => this.#everywhere.delete(resource));
      this.#everywhere.set(resource, found);
    }
    return found;
  }

  /** What this run has listed: explain never admits anything, so nothing asks it for more. */
  has(resource: ResourceId, namespace: string | undefined, name: string): boolean {
    return this.list(resource, { namespace }).some((object) => object.metadata?.name === name);
  }

  list(resource: ResourceId, options: ListOptions = {}): KubeObject[] {
    const prefix = `${resource}/`;
    const lists = [...this.#lists].filter(([key]) => key.startsWith(prefix) && (options.namespace === undefined || key === `${prefix}${options.namespace}`));
    return lists.flatMap(([, objects]) => objects).filter((object) => matchesLabels(object, options.labels));
  }

  count(resource: ResourceId, options: CountOptions = {}): Map<string, number> {
    return countByNamespace(this.list(resource, { namespace: options.namespace }), options);
  }

  isServed(): boolean {
    return true;
  }

  isSynced(): boolean {
    return true;
  }

  /** Not used on a chain: explain walks from the listener to the Secret, never back. */
  listenersUsing(): ListenerUse[] {
    return [];
  }

  /** Not used on a chain either. */
  tlsRefsUsing(): TlsRefUse[] {
    return [];
  }
}
