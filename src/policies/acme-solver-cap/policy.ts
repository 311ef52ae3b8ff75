// acme-solver-cap: refuses a new ACME HTTP-01 solver HTTPRoute or Ingress once its namespace (or
// the cluster) already holds the cap. Seed 001: a challenge that could never succeed left 22,514
// solver HTTPRoutes behind and the ingress controller died of them. Refusing is safe for
// cert-manager: its create fails, it retries with back-off, and nothing piles up.
//
// Counting uses the view's cache, so concurrent creates (cert-manager's workers, or several
// webhook replicas) can pass the cap by a few. That is accepted: the cap stops thousands, not one,
// and a lock across replicas would cost more than it saves.
import type { ResourceInfo } from '../../cluster/resources.ts';
import type { ClusterView } from '../../cluster/view.ts';
import { emptyResult, type Policy, type PolicyRequest, type PolicyResult } from '../types.ts';
import { clusterCapReached, invalidAnnotation, namespaceCapReached, notOwnedByChallenge, unownedSolvers } from './messages.ts';
import { ACME_SOLVER_CAP, type AcmeSolverCapSettings } from './settings.ts';
import { challengeOwnerOf, countSolvers, hasSolverLabel, solverResourceOf, tallySolvers } from './solvers.ts';

/** How many namespaces the cluster-wide message names. */
const TOP_NAMESPACES = 3;

type NamespaceCap = { cap: number; fromAnnotation: boolean; warning?: string };

const WHOLE_NUMBER = /^\d+$/;

/** The Namespace annotation overrides maxPerNamespace; a value that is not a whole number is ignored with a warning. */
export const getNamespaceCap = async (view: ClusterView, namespace: string, settings: AcmeSolverCapSettings): Promise<NamespaceCap> => {
  const fallback = { cap: settings.maxPerNamespace, fromAnnotation: false };
  const value = (await view.get('namespaces', undefined, namespace))?.metadata?.annotations?.[settings.namespaceAnnotation];
  if (value === undefined) return fallback;
  const trimmed = value.trim();
  const cap = Number(trimmed);
  if (WHOLE_NUMBER.test(trimmed) && Number.isSafeInteger(cap)) return { cap, fromAnnotation: true };
  const warning = invalidAnnotation({ namespace, annotation: settings.namespaceAnnotation, value, fallback: settings.maxPerNamespace });
  return { ...fallback, warning };
};

/** Namespaces by Challenge-owned solver count, most first (ties by name, for stable messages). */
export const getTopNamespaces = (owned: Map<string, number>): Array<[string, number]> =>
  [...owned].sort(([a, x], [b, y]) => y - x || a.localeCompare(b)).slice(0, TOP_NAMESPACES);

const checkNamespace = async (request: PolicyRequest, solver: ResourceInfo, view: ClusterView, settings: AcmeSolverCapSettings, result: PolicyResult) => {
  const namespace = request.namespace ?? request.object?.metadata?.namespace ?? 'default';
  const { cap, fromAnnotation, warning } = await getNamespaceCap(view, namespace, settings);
  if (warning) result.warnings.push(warning);
  const { owned, unowned } = tallySolvers(countSolvers(view, solver, namespace));
  const facts = { kind: solver.kind, plural: solver.plural, namespace, unowned };
  if (owned >= cap) {
    const challenge = challengeOwnerOf(request.object)?.name;
    result.violations.push(namespaceCapReached({ ...facts, count: owned, cap, capFromAnnotation: fromAnnotation, annotation: settings.namespaceAnnotation, challenge }));
  } else if (unowned > 0) {
    result.warnings.push(unownedSolvers(facts));
  }
};

const checkCluster = (solver: ResourceInfo, view: ClusterView, settings: AcmeSolverCapSettings, result: PolicyResult) => {
  const counts = countSolvers(view, solver);
  const { owned, unowned } = tallySolvers(counts);
  if (owned < settings.maxClusterWide) return;
  const top = getTopNamespaces(counts.owned);
  result.violations.push(clusterCapReached({ kind: solver.kind, plural: solver.plural, count: owned, unowned, cap: settings.maxClusterWide, top }));
};

export const createAcmeSolverCapPolicy = (settings: AcmeSolverCapSettings): Policy => ({
  id: ACME_SOLVER_CAP,
  mode: settings.mode,
  // CREATE only, selected by label: cert-manager uses generateName, so there is no name yet.
  // UPDATE and DELETE never add a solver, so they are never judged (and never denied).
  matches: (request) => request.operation === 'CREATE' && solverResourceOf(request.kind) !== undefined && hasSolverLabel(request.object),
  async check(request, view) {
    const solver = solverResourceOf(request.kind);
    const result = emptyResult();
    // No cache of this kind to count from (its API is not served yet): idle rather than guess.
    if (!solver || !view.isServed(solver.id)) return result;
    await checkNamespace(request, solver, view, settings, result);
    checkCluster(solver, view, settings, result);
    // Judged anyway: the label claims it is a solver and loads the ingress controller like one.
    if (!challengeOwnerOf(request.object)) result.warnings.push(notOwnedByChallenge(solver));
    return result;
  },
});
