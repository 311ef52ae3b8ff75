// What an ACME HTTP-01 solver object is, shared by the policy and the metrics.
// cert-manager creates solver HTTPRoutes and Ingresses with generateName, the solver label and a
// controller ownerReference to its acme.cert-manager.io Challenge; anyone can set a label, so
// only the ownerReference makes an object one of cert-manager's.
import { ownerReferencesOf } from '../../kube/accessors.ts';
import { ACME_GROUP } from '../../kube/groups.ts';
import type { GroupVersionKind, KubeObject, OwnerReference } from '../../kube/object.ts';
import { RESOURCES, type ResourceInfo } from '../../cluster/resources.ts';
import type { ClusterView } from '../../cluster/view.ts';

export const SOLVER_RESOURCES: readonly ResourceInfo[] = [RESOURCES['solver-httproutes'], RESOURCES['solver-ingresses']];

export const CHALLENGE_GROUP = ACME_GROUP;

/** The solver resource for a request's kind (any version), or undefined. */
export const solverResourceOf = (kind: GroupVersionKind): ResourceInfo | undefined =>
  SOLVER_RESOURCES.find((info) => info.group === kind.group && info.kind === kind.kind);

const isChallengeRef = (ref: OwnerReference): boolean =>
  ref.kind === 'Challenge' && typeof ref.apiVersion === 'string' && ref.apiVersion.startsWith(`${CHALLENGE_GROUP}/`);

/** The Challenge that owns the object (cert-manager sets it as controller; any owner ref counts). */
export const challengeOwnerOf = (object: KubeObject | undefined): OwnerReference | undefined => ownerReferencesOf(object).find(isChallengeRef);

/** What count() matches for "owned by a Challenge" (as challengeOwnerOf: any version). */
export const CHALLENGE_OWNER = { group: CHALLENGE_GROUP, kind: 'Challenge' };

/** Labelled objects per namespace: all of them, and those a Challenge owns. */
export type SolverCounts = { all: Map<string, number>; owned: Map<string, number> };

/** From the view's counts, not its objects: a flood is 100,000 routes, counted at every CREATE. */
export const countSolvers = (view: Pick<ClusterView, 'count'>, info: ResourceInfo, namespace?: string): SolverCounts => ({
  all: view.count(info.id, { namespace }),
  owned: view.count(info.id, { namespace, ownedBy: CHALLENGE_OWNER }),
});

export type SolverTally = { owned: number; unowned: number };

const sum = (counts: Map<string, number>): number => {
  let total = 0;
  for (const count of counts.values()) total += count;
  return total;
};

/** Challenge-owned objects (counted) and the others (reported apart). */
export const tallySolvers = (counts: SolverCounts): SolverTally => {
  const owned = sum(counts.owned);
  return { owned, unowned: sum(counts.all) - owned };
};
