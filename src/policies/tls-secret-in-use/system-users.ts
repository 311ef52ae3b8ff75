// Deletions that are not a person's and must go through even when a listener uses the Secret:
// refusing them would only leave dangling objects (the garbage collector retries forever; a
// namespace stays Terminating). Usernames from kube-controller-manager v1.36.3
// (cmd/kube-controller-manager/app/core.go: NewClientConfig("namespace-controller"),
// NewClient("generic-garbage-collector"); with --use-service-account-credentials, which kubeadm
// sets, each controller is system:serviceaccount:kube-system:<that name>; without it every
// controller uses kube-controller-manager's own kubeconfig identity, conventionally
// system:kube-controller-manager). The namespace controller deletes a namespace's Secrets with a
// DeleteCollection, which the API server judges per Secret through the admission chain
// (k8s.io/apiserver registry/generic/registry/store.go DeleteCollection → Delete with the
// admission validation), so these DELETEs do reach certguard.
import type { ClusterView } from '../../cluster/view.ts';
import type { KubeObject } from '../../kube/object.ts';
import type { PolicyRequest } from '../types.ts';

export const IN_USE_DELETION_REASONS = ['garbage-collector', 'namespace-deletion', 'kube-controller-manager', 'break-glass'] as const;

export type InUseDeletionReason = (typeof IN_USE_DELETION_REASONS)[number];

export const SYSTEM_USERS: Readonly<Record<string, InUseDeletionReason>> = {
  'system:serviceaccount:kube-system:generic-garbage-collector': 'garbage-collector',
  'system:serviceaccount:kube-system:namespace-controller': 'namespace-deletion',
  // kube-controller-manager without --use-service-account-credentials: its garbage collector and
  // namespace controller are the only controllers of it that delete TLS Secrets.
  'system:kube-controller-manager': 'kube-controller-manager',
};

const isTerminating = (namespace: KubeObject | undefined): boolean =>
  Boolean(namespace?.metadata?.deletionTimestamp) || (namespace?.status as { phase?: string } | undefined)?.phase === 'Terminating';

/**
 * Why this DELETE is let through whatever uses the Secret, or undefined. Any user's delete in a
 * terminating namespace counts as the namespace's deletion: the Secret goes with it anyway.
 */
export const systemDeletionReason = async (
  request: PolicyRequest,
  namespace: string,
  view: ClusterView,
  signal?: AbortSignal,
): Promise<InUseDeletionReason | undefined> => {
  const byUser = SYSTEM_USERS[request.userInfo?.username ?? ''];
  if (byUser) return byUser;
  return isTerminating(await view.get('namespaces', undefined, namespace, { signal })) ? 'namespace-deletion' : undefined;
};
