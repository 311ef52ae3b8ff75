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
import { namespaceOf } from '../../kube/accessors.ts';
import { getNamespaceOverride } from '../namespace-override.ts';
import { challengeOwnerOf, countSolvers, hasSolverLabel, solverResourceOf, tallySolvers } from './solvers.ts';


const WHOLE_NUMBER = /^\d+$/;

const wholeNumberOf = (raw: string): number | undefined => {
  const trimmed = raw.trim();
  const value = Number(trimmed);
  return WHOLE_NUMBER.test(trimmed) && Number.isSafeInteger(value) ? value : undefined;
};

/** The Namespace annotation overrides maxPerNamespace; a value that is not a whole number is ignored with a warning. */
export const getNamespaceCap = (view: ClusterView, namespace: string, settings: AcmeSolverCapSettings) =>
  getNamespaceOverride(view, namespace, {
    annotation: settings.namespaceAnnotation,
    fallback: settings.maxPerNamespace,
    parse: wholeNumberOf,
    invalid: (value) => invalidAnnotation({ namespace, annotation: settings.namespaceAnnotation, value, fallback: settings.maxPerNamespace }),
  });

const checkNamespace = async (request: PolicyRequest, solver: ResourceInfo, view: ClusterView, settings: AcmeSolverCapSettings, result: PolicyResult) => {
  const namespace = namespaceOf(request.object, request.namespace);
  const { value: cap, fromAnnotation, warning } = await getNamespaceCap(view, namespace, settings);
  if (warning) result.warnings.push(warning);
  const { owned, unowned } = tallySolvers(countSolvers(view, solver, namespace));
  const kind = { kind: solver.kind, plural: solver.plural };
  if (owned >= cap) {
    const challenge = challengeOwnerOf(request.object)?.name;
    result.violations.push(namespaceCapReached({ ...kind, namespace, cap, capFromAnnotation: fromAnnotation, annotation: settings.namespaceAnnotation, challenge }));
  } else if (unowned > 0) {
    result.warnings.push(unownedSolvers({ ...kind, namespace, unowned }));
  }
};

const checkCluster = (solver: ResourceInfo, view: ClusterView, settings: AcmeSolverCapSettings, result: PolicyResult) => {
  const { owned } = tallySolvers(countSolvers(view, solver));
  if (owned < settings.maxClusterWide) return;
  result.violations.push(clusterCapReached({ kind: solver.kind, plural: solver.plural, cap: settings.maxClusterWide }));
};

export const createAcmeSolverCapPolicy = (settings: AcmeSolverCapSettings): Policy => ({
  id: ACME_SOLVER_CAP,
  mode: settings.mode,
  admission: 'validating',
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
