// The resources certguard reads, named once. Policies ask the view by these ids; the live view
// derives its list/watch URLs from them; the chart's RBAC lists the same set.
import { labelOf } from '../kube/accessors.ts';
import { CERT_MANAGER_GROUP, GATEWAY_GROUP } from '../kube/groups.ts';
import type { KubeObject } from '../kube/object.ts';

export type ResourceId =
  | 'secrets'
  | 'configmaps'
  | 'namespaces'
  | 'services'
  | 'referencegrants'
  | 'gateways'
  | 'listenersets'
  | 'backendtlspolicies'
  | 'issuers'
  | 'clusterissuers'
  | 'certificates'
  | 'solver-httproutes'
  | 'solver-ingresses';

export type ResourceInfo = {
  id: ResourceId;
  group: string;
  /** Preferred version first; a watch uses the first one the API server serves. */
  versions: string[];
  plural: string;
  kind: string;
  namespaced: boolean;
  /** Cache only metadata (PartialObjectMetadata): Secrets and solver objects can be numerous. */
  metadataOnly: boolean;
  /** Only objects carrying these labels are cached. */
  labelSelector?: Record<string, string>;
  /** Core/built-in resources are always served; CRD-backed ones may appear later. */
  builtin: boolean;
  /**
   * Never listed nor watched: read by a live GET when a policy asks. For a resource a cluster has
   * many of and certguard reads a few of (the CA ConfigMaps Gateways reference).
   */
  getOnly?: true;
};

export const SOLVER_LABEL = 'acme.cert-manager.io/http01-solver';

/** Labelled as a solver; only a Challenge ownerReference makes it one of cert-manager's (anyone can set a label). */
export const hasSolverLabel = (object: KubeObject | undefined): boolean => labelOf(object, SOLVER_LABEL) === 'true';

export const RESOURCES: Record<ResourceId, ResourceInfo> = {
  secrets: { id: 'secrets', group: '', versions: ['v1'], plural: 'secrets', kind: 'Secret', namespaced: true, metadataOnly: true, builtin: true },
  // Gateway frontend CA bundles (gateway-listener-tls): every namespace holds kube-root-ca.crt and
  // more, a Gateway references a handful, so only those are read, by a GET per review.
  configmaps: {
    id: 'configmaps',
    group: '',
    versions: ['v1'],
    plural: 'configmaps',
    kind: 'ConfigMap',
    namespaced: true,
    metadataOnly: false,
    builtin: true,
    getOnly: true,
  },
  namespaces: { id: 'namespaces', group: '', versions: ['v1'], plural: 'namespaces', kind: 'Namespace', namespaced: false, metadataOnly: false, builtin: true },
  services: { id: 'services', group: '', versions: ['v1'], plural: 'services', kind: 'Service', namespaced: true, metadataOnly: false, builtin: true },
  referencegrants: {
    id: 'referencegrants',
    group: GATEWAY_GROUP,
    versions: ['v1', 'v1beta1'],
    plural: 'referencegrants',
    kind: 'ReferenceGrant',
    namespaced: true,
    metadataOnly: false,
    builtin: false,
  },
  gateways: {
    id: 'gateways',
    group: GATEWAY_GROUP,
    versions: ['v1', 'v1beta1'],
    plural: 'gateways',
    kind: 'Gateway',
    namespaced: true,
    metadataOnly: false,
    builtin: false,
  },
  listenersets: {
    id: 'listenersets',
    group: GATEWAY_GROUP,
    versions: ['v1', 'v1alpha1'],
    plural: 'listenersets',
    kind: 'ListenerSet',
    namespaced: true,
    metadataOnly: false,
    builtin: false,
  },
  // Which CA bundles a BackendTLSPolicy uses (tls-secret-in-use protects them): kept as metadata
  // and spec.validation.caCertificateRefs only (live/compact.ts compactBackendTlsPolicy).
  backendtlspolicies: {
    id: 'backendtlspolicies',
    group: GATEWAY_GROUP,
    versions: ['v1'],
    plural: 'backendtlspolicies',
    kind: 'BackendTLSPolicy',
    namespaced: true,
    metadataOnly: false,
    builtin: false,
  },
  issuers: {
    id: 'issuers',
    group: CERT_MANAGER_GROUP,
    versions: ['v1'],
    plural: 'issuers',
    kind: 'Issuer',
    namespaced: true,
    metadataOnly: false,
    builtin: false,
  },
  clusterissuers: {
    id: 'clusterissuers',
    group: CERT_MANAGER_GROUP,
    versions: ['v1'],
    plural: 'clusterissuers',
    kind: 'ClusterIssuer',
    namespaced: false,
    metadataOnly: false,
    builtin: false,
  },
  // Which Certificate fills a listener's missing Secret (gateway-listener-tls) and which already
  // writes a secretName (certificate-issuable): kept compact, the fields policies read only
  // (live/certificate-entry.ts).
  certificates: {
    id: 'certificates',
    group: CERT_MANAGER_GROUP,
    versions: ['v1'],
    plural: 'certificates',
    kind: 'Certificate',
    namespaced: true,
    metadataOnly: false,
    builtin: false,
  },
  'solver-httproutes': {
    id: 'solver-httproutes',
    group: GATEWAY_GROUP,
    versions: ['v1', 'v1beta1'],
    plural: 'httproutes',
    kind: 'HTTPRoute',
    namespaced: true,
    metadataOnly: true,
    labelSelector: { [SOLVER_LABEL]: 'true' },
    builtin: false,
  },
  'solver-ingresses': {
    id: 'solver-ingresses',
    group: 'networking.k8s.io',
    versions: ['v1'],
    plural: 'ingresses',
    kind: 'Ingress',
    namespaced: true,
    metadataOnly: true,
    labelSelector: { [SOLVER_LABEL]: 'true' },
    builtin: true,
  },
};

/** The resources the live view lists and watches (all but the get-only ones). */
export const WATCHED_RESOURCE_IDS: readonly ResourceId[] = (Object.keys(RESOURCES) as ResourceId[]).filter((id) => !RESOURCES[id].getOnly);
