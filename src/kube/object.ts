// The Kubernetes object shapes certguard reads, independent of admission: policies, the cluster
// view and the admission layer all speak these. Nothing here imports from admission/, policies/ or
// server/.

export type KubeObject = {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [key: string]: unknown;
};

export type OwnerReference = {
  apiVersion: string;
  kind: string;
  name: string;
  uid?: string;
  controller?: boolean;
};

export type ObjectMeta = {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
};

export type GroupVersionKind = { group: string; version: string; kind: string };
export type GroupVersionResource = { group: string; version: string; resource: string };

/** An admission operation (admission.k8s.io), also what a policy is asked about. */
export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

/** authentication.k8s.io UserInfo: who made the request. */
export type UserInfo = { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
