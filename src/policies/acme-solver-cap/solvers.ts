// What an ACME HTTP-01 solver object is, shared by the policy and the metrics.
// cert-manager creates solver HTTPRoutes and Ingresses with generateName, the solver label and a
// controller ownerReference to its acme.cert-manager.io Challenge; anyone can set a label, so
// only the ownerReference makes an object one of cert-manager's.
import type { GroupVersionKind, KubeObject, OwnerReference } from '../../admission/types.ts';
import { RESOURCES, SOLVER_LABEL, type ResourceInfo } from '../../cluster/resources.ts';

export const SOLVER_RESOURCES: readonly ResourceInfo[] = [RESOURCES['solver-httproutes'], RESOURCES['solver-ingresses']];

export const CHALLENGE_GROUP = 'acme.cert-manager.io';

/** The solver resource for a request's kind (any version), or undefined. */
export const solverResourceOf = (kind: GroupVersionKind): ResourceInfo | undefined =>
  SOLVER_RESOURCES.find((info) => info.group === kind.group && info.kind === kind.kind);

export const hasSolverLabel = (object: KubeObject | undefined): boolean => object?.metadata?.labels?.[SOLVER_LABEL] === 'true';

const isChallengeRef = (ref: OwnerReference): boolean =>
  ref.kind === 'Challenge' && typeof ref.apiVersion === 'string' && ref.apiVersion.startsWith(`${CHALLENGE_GROUP}/`);

/** The Challenge that owns the object (cert-manager sets it as controller; any owner ref counts). */
export const challengeOwnerOf = (object: KubeObject | undefined): OwnerReference | undefined =>
  object?.metadata?.ownerReferences?.find(isChallengeRef);

export type SolverTally = { owned: number; unowned: number };

/** Splits labelled objects into Challenge-owned (counted) and not (reported apart). */
export const tallySolvers = (objects: KubeObject[]): SolverTally => {
  let owned = 0;
  for (const object of objects) if (challengeOwnerOf(object)) owned += 1;
  return { owned, unowned: objects.length - owned };
};
