// acme-solver-cap: refuses a new ACME HTTP-01 solver HTTPRoute or Ingress once its namespace (or
// the cluster) already holds the cap. Incident 001: a challenge that could never succeed left 22,514
// solver HTTPRoutes behind and the ingress controller died of them. Refusing is safe for
// cert-manager: its create fails, it retries with back-off, and nothing piles up.
//
// Counting uses the view's cache plus the creates this replica admitted that the cache has not
// shown yet (admitted.ts), so one replica never passes the cap. Replicas do not share that
// ledger: with N of them a burst can reach N × cap at worst (README.md of this policy).
import type { ResourceInfo } from '../../cluster/resources.ts';
import type { ClusterView } from '../../cluster/view.ts';
import { emptyResult, type Policy, type PolicyRequest, type PolicyResult } from '../types.ts';
import { clusterCapReached, namespaceCapReached, notOwnedByChallenge, unownedSolvers } from './messages.ts';
import { ACME_SOLVER_CAP, type AcmeSolverCapSettings } from './settings.ts';
import { namespaceOf } from '../../kube/accessors.ts';
import { getNamespaceCap } from './cap.ts';
import { acmeSolverCapAudit } from './audit.ts';
import type { AdmittedSolvers, PendingSolvers } from './admitted.ts';
import { hasSolverLabel } from '../../cluster/resources.ts';
import { challengeOwnerOf, countSolvers, solverResourceOf, tallySolvers } from './solvers.ts';

type NamespaceCap = Awaited<ReturnType<typeof getNamespaceCap>>;

const checkNamespace = (
  request: PolicyRequest,
  solver: ResourceInfo,
  view: ClusterView,
  cap: NamespaceCap,
  pending: number,
  settings: AcmeSolverCapSettings,
  result: PolicyResult,
) => {
  const namespace = namespaceOf(request.object, request.namespace);
  const { owned, unowned } = tallySolvers(countSolvers(view, solver, namespace));
  const kind = { kind: solver.kind, plural: solver.plural };
  if (owned + pending >= cap.value) {
    const challenge = challengeOwnerOf(request.object)?.name;
    result.violations.push(
      namespaceCapReached({ ...kind, namespace, cap: cap.value, capFromAnnotation: cap.fromAnnotation, annotation: settings.namespaceAnnotation, challenge }),
    );
  } else if (unowned > 0) {
    result.warnings.push(unownedSolvers({ ...kind, namespace, unowned }));
  }
};

const checkCluster = (solver: ResourceInfo, view: ClusterView, pending: number, settings: AcmeSolverCapSettings, result: PolicyResult) => {
  const { owned } = tallySolvers(countSolvers(view, solver));
  if (owned + pending < settings.maxClusterWide) return;
  result.violations.push(clusterCapReached({ kind: solver.kind, plural: solver.plural, cap: settings.maxClusterWide }));
};

export type AcmeSolverCapDependencies = {
  /** This replica's creates admitted but not yet in its cache (serve); absent (check, audit, explain): the cache alone counts. */
  admitted?: AdmittedSolvers;
};

const NONE_PENDING: PendingSolvers = { namespace: 0, cluster: 0 };

/** What the view will hold once the create is stored: the generated name (the API server fills it in before validating admission). */
const nameOf = (request: PolicyRequest): string | undefined => request.name ?? request.object?.metadata?.name;

export const createAcmeSolverCapPolicy = (settings: AcmeSolverCapSettings, deps: AcmeSolverCapDependencies = {}): Policy => ({
  id: ACME_SOLVER_CAP,
  mode: settings.mode,
  admission: 'validating',
  // CREATE only, selected by label: the name is generated (generateName), so it says nothing.
  // UPDATE and DELETE never add a solver, so they are never judged (and never denied).
  matches: (request) => request.operation === 'CREATE' && solverResourceOf(request.kind) !== undefined && hasSolverLabel(request.object),
  audit: acmeSolverCapAudit(settings),
  async check(request, view) {
    const solver = solverResourceOf(request.kind);
    const result = emptyResult();
    // No cache of this kind to count from (its API is not served yet): idle rather than guess.
    if (!solver || !view.isServed(solver.id)) return result;
    const namespace = namespaceOf(request.object, request.namespace);
    const cap = await getNamespaceCap(view, namespace, settings);
    if (cap.warning) result.warnings.push(cap.warning);
    // No await from here to record(): each review of a burst counts the ones admitted before it.
    const pending = deps.admitted?.pending(view, solver.id, namespace) ?? NONE_PENDING;
    checkNamespace(request, solver, view, cap, pending.namespace, settings, result);
    checkCluster(solver, view, pending.cluster, settings, result);
    // Judged anyway: the label claims it is a solver and loads the ingress controller like one.
    if (!challengeOwnerOf(request.object)) result.warnings.push(notOwnedByChallenge(solver));
    // Only what the view will count: Challenge-owned, admitted by this policy, really created.
    else if (result.violations.length === 0 && !request.dryRun) deps.admitted?.record(solver.id, namespace, nameOf(request));
    return result;
  },
});
