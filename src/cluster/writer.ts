// The one write certguard makes (placeholder Secrets), kept apart from the read-only view so
// policies stay pure: they return a planned Secret and the admission layer performs it.
import type { KubeObject } from '../kube/object.ts';

export type CreateOutcome =
  | { outcome: 'created' }
  /** 409 AlreadyExists: someone else (another replica, cert-manager, the user) made it. Fine. */
  | { outcome: 'exists' }
  /** RBAC, quota, a terminating namespace: the API's reason, for the fallback denial. */
  | { outcome: 'refused'; reason: string };

export type CreateOptions = {
  /** The review's deadline: a create not started when it aborts is not started, one under way is abandoned. */
  signal?: AbortSignal;
};

export type SecretWriter = {
  createSecret(secret: KubeObject, options?: CreateOptions): Promise<CreateOutcome>;
};
