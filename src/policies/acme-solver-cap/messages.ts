// The acme-solver-cap messages: user-facing API, asserted exactly by policy.test.ts.
// One line each, and no "; " inside: complete.ts joins the violations of one request with it.
// The two cap denials read the same on every retry of the same Challenge: no current counts, no
// generated names, nothing per request. cert-manager backs off only from a repeated error; a
// reason that changed on every create (a count, the route's generated name) made it retry 70-90
// times a second (docs/e2e.md, README.md of this policy).
import { SOLVER_LABEL } from '../../cluster/resources.ts';

type SolverKind = { kind: string; plural: string };

const NOT_ATTACHED: Record<string, string> = {
  HTTPRoute: 'the route is not attached to a Gateway listener',
  Ingress: 'no ingress controller serves the Ingress',
};

/** "1 HTTPRoute", "3 Ingresses". */
const counted = (count: number, kind: string): string => `${count} ${count === 1 ? kind : kind.endsWith('s') ? `${kind}es` : `${kind}s`}`;

const likelyCause = (kind: string): string =>
  'a challenge that keeps failing leaves a new solver behind on every retry, usually because DNS for its domain ' +
  `does not point at the ingress, the backend Service is missing, or ${NOT_ATTACHED[kind] ?? 'the solver is not served'}`;

const cleanup = (plural: string, namespace: string): string =>
  `Remove stale solvers with "kubectl delete ${plural} -n ${namespace} -l ${SOLVER_LABEL}=true" ` +
  '(cert-manager recreates the ones its pending challenges still need).';

export type NamespaceCapFacts = SolverKind & {
  namespace: string;
  cap: number;
  /** Where the cap came from: the Namespace annotation, or the maxPerNamespace setting. */
  capFromAnnotation: boolean;
  annotation: string;
  /** The Challenge owning the object being created, when it has one. */
  challenge: string | undefined;
};

export const namespaceCapReached = (f: NamespaceCapFacts): string =>
  `namespace "${f.namespace}" has reached its cap of ${counted(f.cap, `ACME HTTP-01 solver ${f.kind}`)} owned by cert-manager Challenges ` +
  `(${f.capFromAnnotation ? `Namespace annotation ${f.annotation}` : 'certguard setting maxPerNamespace'}): ${likelyCause(f.kind)}. ` +
  `Look with "kubectl get challenges -n ${f.namespace}" and "kubectl describe challenge ${f.challenge ?? '<name>'} -n ${f.namespace}". ` +
  `${cleanup(f.plural, f.namespace)} ` +
  `Raise the cap with "kubectl annotate namespace ${f.namespace} ${f.annotation}=<n> --overwrite".`;

export type ClusterCapFacts = SolverKind & { cap: number };

export const clusterCapReached = (f: ClusterCapFacts): string =>
  `the cluster has reached its cap of ${counted(f.cap, `ACME HTTP-01 solver ${f.kind}`)} owned by cert-manager Challenges ` +
  `(certguard setting maxClusterWide): ${likelyCause(f.kind)}. ` +
  `Look with "kubectl get challenges -A" and "kubectl get ${f.plural} -A -l ${SOLVER_LABEL}=true". ` +
  `${cleanup(f.plural, '<namespace>')} ` +
  'Raise the cap with policies.acme-solver-cap.maxClusterWide in the certguard config.';

export const unownedSolvers = (f: SolverKind & { namespace: string; unowned: number }): string =>
  `namespace "${f.namespace}" has ${counted(f.unowned, f.kind)} labelled ${SOLVER_LABEL}=true without a cert-manager Challenge owner, ` +
  `not counted against the solver cap: list them with "kubectl get ${f.plural} -n ${f.namespace} -l ${SOLVER_LABEL}=true"`;

export const notOwnedByChallenge = (f: SolverKind): string =>
  `this ${f.kind} is labelled ${SOLVER_LABEL}=true but has no ownerReference to a cert-manager Challenge: ` +
  'it is capped like a solver but will not be counted as one';

export const invalidAnnotation = (f: { namespace: string; annotation: string; value: string; fallback: number }): string =>
  `namespace "${f.namespace}" annotation ${f.annotation}=${JSON.stringify(f.value)} is not a whole number, ` +
  `so the default solver cap ${f.fallback} applies`;
