// acme-solver-cap over what exists: its own numbers and messages per namespace and cluster-wide,
// instead of one verdict per solver object (a flood is 100,000 of them). A namespace is reported
// once it holds its cap: the next solver cert-manager creates there is refused.
import { RULE_CLUSTER_SOLVER_CAP, RULE_NAMESPACE_SOLVER_CAP, type Finding, type FindingResult } from '../../audit/findings.ts';
import { hasSolverLabel, type ResourceInfo } from '../../cluster/resources.ts';
import type { ClusterView } from '../../cluster/view.ts';
import type { PolicyAudit } from '../types.ts';
import { getNamespaceCap } from './cap.ts';
import { clusterCapReached, namespaceCapReached } from './messages.ts';
import { ACME_SOLVER_CAP, type AcmeSolverCapSettings } from './settings.ts';
import { countSolvers, SOLVER_RESOURCES } from './solvers.ts';

const total = (counts: Map<string, number>): number => [...counts.values()].reduce((sum, count) => sum + count, 0);

const findInNamespaces = async (view: ClusterView, solver: ResourceInfo, settings: AcmeSolverCapSettings, result: FindingResult): Promise<Finding[]> => {
  const { owned } = countSolvers(view, solver);
  const findings: Finding[] = [];
  for (const [namespace, count] of owned) {
    const { value: cap, fromAnnotation } = await getNamespaceCap(view, namespace, settings);
    if (count < cap) continue;
    const message = namespaceCapReached({
      kind: solver.kind,
      plural: solver.plural,
      namespace,
      cap,
      capFromAnnotation: fromAnnotation,
      annotation: settings.namespaceAnnotation,
      challenge: undefined,
    });
    findings.push({
      policy: ACME_SOLVER_CAP,
      rule: RULE_NAMESPACE_SOLVER_CAP,
      result,
      object: { apiVersion: 'v1', kind: 'Namespace', name: namespace },
      message,
    });
  }
  return findings;
};

const findInCluster = (view: ClusterView, solver: ResourceInfo, settings: AcmeSolverCapSettings, result: FindingResult): Finding[] => {
  const { owned } = countSolvers(view, solver);
  if (total(owned) < settings.maxClusterWide) return [];
  const message = clusterCapReached({ kind: solver.kind, plural: solver.plural, cap: settings.maxClusterWide });
  return [{ policy: ACME_SOLVER_CAP, rule: RULE_CLUSTER_SOLVER_CAP, result, message }];
};

/** Nothing when the policy is off or the solver kind is not served; 'warn' when the policy only warns. */
const findSolverCaps = async (view: ClusterView, settings: AcmeSolverCapSettings): Promise<Finding[]> => {
  if (settings.mode === 'off') return [];
  const result: FindingResult = settings.mode === 'warn' ? 'warn' : 'fail';
  const findings: Finding[] = [];
  for (const solver of SOLVER_RESOURCES) {
    if (!view.isServed(solver.id)) continue;
    findings.push(...(await findInNamespaces(view, solver, settings, result)), ...findInCluster(view, solver, settings, result));
  }
  return findings;
};

/** Solver objects are always counted as a group, never judged one by one, whatever the mode. */
export const acmeSolverCapAudit = (settings: AcmeSolverCapSettings): PolicyAudit => ({
  groups: hasSolverLabel,
  view: ({ view }) => findSolverCaps(view, settings),
});
