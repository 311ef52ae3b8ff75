// Create-only POST of a placeholder Secret. Never an update: an existing Secret belongs to
// someone else (cert-manager, the user, another replica) and 409 AlreadyExists is a fine answer.
import type { KubeObject } from '../../kube/object.ts';
import { abortedBecause } from '../view.ts';
import type { CreateOptions, CreateOutcome, SecretWriter } from '../writer.ts';
import { apiErrorOf, type KubeClient } from './kube-client.ts';

// A create inside a review stops when the review's signal aborts (its deadline, set below the
// webhook's timeoutSeconds). This bound is for a create without one: never hang.
const CREATE_TIMEOUT_MS = 3000;

type Status = { message?: string };

/** The API's own sentence (e.g. `... because it is being terminated`, an exceeded quota, RBAC). */
const reasonOf = (status: number, body: unknown): string => {
  const message = (typeof body === 'object' && body !== null ? (body as Status).message : undefined) ?? '';
  return message || apiErrorOf(status, body).message;
};

export const createSecretWriter = (client: KubeClient): SecretWriter => ({
  async createSecret(secret: KubeObject, options: CreateOptions = {}): Promise<CreateOutcome> {
    const { signal } = options;
    const namespace = secret.metadata?.namespace;
    if (!namespace) return { outcome: 'refused', reason: 'the placeholder Secret has no namespace' };
    // Not started once time is up: the API server has answered (or will) without it.
    if (signal?.aborted) return { outcome: 'refused', reason: `certguard did not start it: ${abortedBecause(signal)}` };
    let response;
    try {
      response = await client.request(`/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`, {
        method: 'POST',
        body: { ...secret, apiVersion: 'v1', kind: 'Secret' },
        ...(signal ? { signal } : { timeoutMs: CREATE_TIMEOUT_MS }),
      });
    } catch (error) {
      if (signal?.aborted) return { outcome: 'refused', reason: `the create was abandoned: ${abortedBecause(signal)}` };
      return { outcome: 'refused', reason: error instanceof Error ? error.message : String(error) };
    }
    if (response.status === 201 || response.status === 200) return { outcome: 'created' };
    if (response.status === 409) return { outcome: 'exists' };
    return { outcome: 'refused', reason: reasonOf(response.status, response.body) };
  },
});
