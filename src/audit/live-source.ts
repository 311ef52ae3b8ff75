// What a live audit judges: the live view (the webhook's cache) for Gateways, ListenerSets,
// Secrets, solvers and the rest, plus paged lists, namespace by namespace, of the kinds the view
// keeps no full copy of (Certificates, Ingresses, solver HTTPRoutes' status), read with the same
// credentials.
import { ACCEPT_JSON, ACCEPT_METADATA_LIST, queryOf } from '../cluster/live/api-paths.ts';
import { apiErrorOf, KubeClient } from '../cluster/live/kube-client.ts';
import { loadCredentials } from '../cluster/live/kubeconfig.ts';
import { withoutBookkeeping } from '../cluster/live/compact.ts';
import type { ClusterView } from '../cluster/view.ts';
import type { KubeObject } from '../kube/object.ts';
import { hasSolverLabel, SOLVER_LABEL } from '../cluster/resources.ts';
import type { AuditSource } from './audit.ts';

type Listed = { kind: string; apiVersion: string; plural: string; accept?: string; labelSelector?: string };

const pathOf = (listed: Listed, namespace?: string): string =>
  `/apis/${listed.apiVersion}${namespace === undefined ? '' : `/namespaces/${encodeURIComponent(namespace)}`}/${listed.plural}`;

// The kinds certificate-dns judges that the view keeps no full copy of.
const EXTRA_KINDS: Listed[] = [
  { kind: 'Certificate', apiVersion: 'cert-manager.io/v1', plural: 'certificates' },
  { kind: 'Ingress', apiVersion: 'networking.k8s.io/v1', plural: 'ingresses' },
];

// Pages of 500 as kubectl does: a list of 10,000 Certificates is never one response.
const PAGE_SIZE = 500;
const LIST_TIMEOUT_MS = 30_000;

type ListEnvelope = { metadata?: { continue?: string } } | null;

/**
 * One kind's objects page by page (in `namespace`, or all); items of a list carry no kind: it is
 * set here. Nothing when the API is not served. Each item is parsed as it streams in and kept
 * without managedFields and the last-applied annotation (no policy reads them, as in the view's
 * cache): a page's text was one string too large for V8's young generation, and every page of
 * an audit went straight to the old one (bench/README.md, "Audit inside serve").
 */
export async function* listPages(client: KubeClient, listed: Listed, namespace?: string, signal?: AbortSignal): AsyncGenerator<KubeObject[]> {
  let token: string | undefined;
  do {
    const path = pathOf(listed, namespace);
    const items: KubeObject[] = [];
    const response = await client.listPage(
      `${path}${queryOf({ labelSelector: listed.labelSelector, limit: PAGE_SIZE, continue: token })}`,
      { accept: listed.accept ?? ACCEPT_JSON, timeoutMs: LIST_TIMEOUT_MS, signal },
      (item) => items.push({ ...withoutBookkeeping(item as KubeObject), apiVersion: listed.apiVersion, kind: listed.kind }),
    );
    if (response.status === 404) return;
    if (response.status !== 200) throw new Error(`listing ${path}: ${apiErrorOf(response.status, response.body).message}`);
    yield items;
    token = (response.body as ListEnvelope)?.metadata?.continue || undefined;
  } while (token);
}

/** Every object of one kind, cluster-wide. */
export const listAll = async (client: KubeClient, listed: Listed, signal?: AbortSignal): Promise<KubeObject[]> => {
  const objects: KubeObject[] = [];
  for await (const page of listPages(client, listed, undefined, signal)) objects.push(...page);
  return objects;
};

const CHALLENGES: Listed = { kind: 'Challenge', apiVersion: 'acme.cert-manager.io/v1', plural: 'challenges' };
// Only their ownerReferences are read: metadata lists, no CSRs or certificates in memory.
const CHALLENGE_OWNERS: Listed[] = [
  { kind: 'Order', apiVersion: 'acme.cert-manager.io/v1', plural: 'orders', accept: ACCEPT_METADATA_LIST },
  { kind: 'CertificateRequest', apiVersion: 'cert-manager.io/v1', plural: 'certificaterequests', accept: ACCEPT_METADATA_LIST },
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

/** The namespaces holding judged objects of `listed` (solver Ingresses are not judged), from a metadata list. */
const namespacesWith = async (client: KubeClient, listed: Listed, signal?: AbortSignal): Promise<Set<string>> => {
  const namespaces = new Set<string>();
  for await (const page of listPages(client, { ...listed, accept: ACCEPT_METADATA_LIST }, undefined, signal)) {
    for (const object of page) if (!hasSolverLabel(object) && object.metadata?.namespace) namespaces.add(object.metadata.namespace);
  }
  return namespaces;
};

// The view keeps solver routes as metadata (acme-solver-cap counts them); whether the Gateway
// controller accepted one is in its status, so the audit lists them in full, a page at a time, in
// the namespaces the view counts some in.
const SOLVER_ROUTES: Listed = { kind: 'HTTPRoute', apiVersion: 'gateway.networking.k8s.io/v1', plural: 'httproutes', labelSelector: `${SOLVER_LABEL}=true` };

/** One namespace's objects: its Gateways and ListenerSets from the view, then each extra kind page by page. */
async function* namespacePages(view: ClusterView, client: KubeClient, namespace: string, extra: Listed[], signal?: AbortSignal): AsyncGenerator<KubeObject[]> {
  yield [...view.list('gateways', { namespace }), ...view.list('listenersets', { namespace })];
  for (const listed of extra) {
    for await (const page of listPages(client, listed, namespace, signal))
      yield listed === SOLVER_ROUTES ? page : page.filter((object) => !hasSolverLabel(object));
  }
}

/**
 * What a live audit judges, namespace by namespace: the view's Gateways and ListenerSets, and the
 * Certificates and Ingresses of each namespace listed in pages when it is judged (a metadata list
 * first says which namespaces have any): the audit holds one page of them, never the cluster's.
 */
export const liveSource = (view: ClusterView, client: KubeClient, signal?: AbortSignal): AuditSource => ({
  issuance: () => issuanceRecords(client, signal),
  batches: async function* () {
    const extra = await Promise.all(EXTRA_KINDS.map(async (listed) => ({ listed, namespaces: await namespacesWith(client, listed, signal) })));
    const solverRoutes = view.count('solver-httproutes');
    const namespaces = new Set([...view.list('gateways'), ...view.list('listenersets')].map((object) => object.metadata?.namespace ?? 'default'));
    for (const { namespaces: found } of extra) for (const namespace of found) namespaces.add(namespace);
    for (const namespace of solverRoutes.keys()) namespaces.add(namespace);
    const withRoutes = (namespace: string): Listed[] => (solverRoutes.has(namespace) ? [SOLVER_ROUTES] : []);
    for (const namespace of [...namespaces].sort()) {
      const listed = extra.filter(({ namespaces: found }) => found.has(namespace)).map(({ listed }) => listed);
      yield { namespace, pages: namespacePages(view, client, namespace, [...listed, ...withRoutes(namespace)], signal) };
    }
  },
});

export const createAuditClient = (kubeconfig: string | undefined, context?: string): KubeClient =>
  new KubeClient(loadCredentials(kubeconfig, process.env, undefined, context));
