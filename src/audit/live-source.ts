// What a live audit judges: the live view (the webhook's cache) for Gateways, ListenerSets,
// Secrets, solvers and the rest, plus one paged list each of the kinds the view does not cache
// yet (Certificates, Ingresses), read with the same credentials.
import { ACCEPT_JSON, ACCEPT_METADATA_LIST, queryOf } from '../cluster/live/api-paths.ts';
import { apiErrorOf, KubeClient } from '../cluster/live/kube-client.ts';
import { loadCredentials } from '../cluster/live/kubeconfig.ts';
import type { ClusterView } from '../cluster/view.ts';
import type { KubeObject } from '../kube/object.ts';
import { hasSolverLabel } from '../policies/acme-solver-cap/solvers.ts';

type Listed = { kind: string; apiVersion: string; path: string; accept?: string };

// The kinds certificate-dns judges that the view has no cache of.
const EXTRA_KINDS: Listed[] = [
  { kind: 'Certificate', apiVersion: 'cert-manager.io/v1', path: '/apis/cert-manager.io/v1/certificates' },
  { kind: 'Ingress', apiVersion: 'networking.k8s.io/v1', path: '/apis/networking.k8s.io/v1/ingresses' },
];

// Pages of 500 as kubectl does: a list of 10,000 Certificates is never one response.
const PAGE_SIZE = 500;
const LIST_TIMEOUT_MS = 30_000;

type ListBody = { items?: KubeObject[]; metadata?: { continue?: string } };

/** Every object of one kind (items of a list carry no kind: it is set here); [] when the API is not served. */
export const listAll = async (client: KubeClient, listed: Listed, signal?: AbortSignal): Promise<KubeObject[]> => {
  const objects: KubeObject[] = [];
  let token: string | undefined;
  do {
    const response = await client.request(`${listed.path}${queryOf({ limit: PAGE_SIZE, continue: token })}`, { accept: listed.accept ?? ACCEPT_JSON, timeoutMs: LIST_TIMEOUT_MS, signal });
    if (response.status === 404) return [];
    if (response.status !== 200) throw new Error(`listing ${listed.path}: ${apiErrorOf(response.status, response.body).message}`);
    const body = response.body as ListBody;
    for (const item of body.items ?? []) objects.push({ ...item, apiVersion: listed.apiVersion, kind: listed.kind });
    token = body.metadata?.continue || undefined;
  } while (token);
  return objects;
};

const CHALLENGES: Listed = { kind: 'Challenge', apiVersion: 'acme.cert-manager.io/v1', path: '/apis/acme.cert-manager.io/v1/challenges' };
// Only their ownerReferences are read: metadata lists, no CSRs or certificates in memory.
const CHALLENGE_OWNERS: Listed[] = [
  { kind: 'Order', apiVersion: 'acme.cert-manager.io/v1', path: '/apis/acme.cert-manager.io/v1/orders', accept: ACCEPT_METADATA_LIST },
  { kind: 'CertificateRequest', apiVersion: 'cert-manager.io/v1', path: '/apis/cert-manager.io/v1/certificaterequests', accept: ACCEPT_METADATA_LIST },
];

/**
 * cert-manager deletes an Order's Challenges once the Order is valid (v1.21.1
 * pkg/controller/acmeorders/sync.go, deleteAllChallenges): in a healthy cluster there are few or
 * none. With none, nothing more is listed; with some, the Orders and CertificateRequests that lead
 * from each to its Certificate (challenges.ts), as metadata.
 */
const issuanceRecords = async (client: KubeClient, signal?: AbortSignal): Promise<KubeObject[]> => {
  const challenges = await listAll(client, CHALLENGES, signal);
  if (challenges.length === 0) return [];
  const owners = await Promise.all(CHALLENGE_OWNERS.map((listed) => listAll(client, listed, signal)));
  return [...challenges, ...owners.flat()];
};

/** The objects to judge in a live cluster: from the view's cache and the extra lists. */
export const liveObjects = async (view: ClusterView, client: KubeClient, signal?: AbortSignal): Promise<KubeObject[]> => {
  const extra = await Promise.all(EXTRA_KINDS.map((listed) => listAll(client, listed, signal)));
  const issuance = await issuanceRecords(client, signal);
  return [...view.list('gateways'), ...view.list('listenersets'), ...extra.flat().filter((object) => !hasSolverLabel(object)), ...issuance];
};

export const createAuditClient = (kubeconfig: string | undefined): KubeClient => new KubeClient(loadCredentials(kubeconfig));
