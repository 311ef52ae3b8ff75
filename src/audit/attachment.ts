// Audit-only: what the Gateway controller itself refused after admission, in its own words.
//   - a ListenerSet whose Accepted condition is False (not admitted by its Gateway's
//     allowedListeners, its parent not accepted, invalid listeners: GEP-1713 "ListenerSet
//     Conditions");
//   - an ACME HTTP-01 solver HTTPRoute (label acme.cert-manager.io/http01-solver) that a parentRef's
//     controller did not accept (RouteParentStatus Accepted False): its challenge is never routed.
// Read from the objects' status as the controller wrote it; an object without status (a controller
// that implements none, Traefik v3.6 for ListenerSets) gives no finding.
import { arrayOf, isRecord, recordOf, statusOf, stringOf } from '../kube/accessors.ts';
import type { KubeObject } from '../kube/object.ts';
import { hasSolverLabel } from '../policies/acme-solver-cap/solvers.ts';
import { refOf, type Finding } from './findings.ts';

export const RULE_LISTENERSET_NOT_ACCEPTED = 'listenerset-not-accepted';
export const RULE_SOLVER_ROUTE_NOT_ACCEPTED = 'solver-route-not-accepted';

type Condition = { type?: string; status?: string; reason?: string; message?: string };

const acceptedOf = (conditions: unknown): Condition | undefined =>
  arrayOf(conditions).filter(isRecord).map((condition) => condition as Condition).find((condition) => condition.type === 'Accepted');

// Messages are joined with "; " elsewhere: the controller's text must not contain it.
const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, ' ').replace(/;\s/g, ', ');

/** `reason "NotAllowed": "..."` as the controller wrote it. */
const said = (condition: Condition): string =>
  `Accepted=${condition.status ?? 'Unknown'}${condition.reason ? ` reason "${condition.reason}"` : ''}${condition.message ? `: "${oneLine(condition.message)}"` : ''}`;

const isGatewayKind = (object: KubeObject, kind: string): boolean => object.kind === kind && (object.apiVersion ?? '').startsWith('gateway.networking.k8s.io/');

const listenerSetFindings = (object: KubeObject): Finding[] => {
  const accepted = acceptedOf(statusOf(object).conditions);
  if (accepted?.status !== 'False') return [];
  const namespace = object.metadata?.namespace ?? 'default';
  const name = object.metadata?.name ?? '';
  const parent = recordOf(recordOf(object.spec).parentRef);
  const gateway = `${stringOf(parent.namespace) ?? namespace}/${stringOf(parent.name) ?? ''}`;
  const message = `ListenerSet ${namespace}/${name} is not attached to Gateway ${gateway}: its controller says ${said(accepted)}, so none of its listeners is served. Look with: kubectl get gateway ${gateway.split('/')[1] ?? ''} -n ${gateway.split('/')[0] ?? ''} -o yaml (spec.allowedListeners)`;
  return [{ policy: 'gateway-listener-tls', rule: RULE_LISTENERSET_NOT_ACCEPTED, result: 'fail', object: refOf(object), message }];
};

const describeParentRef = (ref: Record<string, unknown>, namespace: string): string => {
  const section = stringOf(ref.sectionName) ? ` sectionName "${stringOf(ref.sectionName)}"` : '';
  const port = typeof ref.port === 'number' ? ` port ${ref.port}` : '';
  return `${stringOf(ref.kind) ?? 'Gateway'} ${stringOf(ref.namespace) ?? namespace}/${stringOf(ref.name) ?? ''}${section}${port}`;
};

const solverRouteFindings = (object: KubeObject): Finding[] => {
  const namespace = object.metadata?.namespace ?? 'default';
  const name = object.metadata?.name ?? '';
  const hostnames = arrayOf(recordOf(object.spec).hostnames).filter((host): host is string => typeof host === 'string');
  const challenge = (object.metadata?.ownerReferences ?? []).find((owner) => owner.kind === 'Challenge')?.name;
  const of = `${challenge ? ` (solver of Challenge ${namespace}/${challenge}` : ' (ACME solver'}${hostnames.length ? ` for "${hostnames.join('", "')}"` : ''})`;
  return arrayOf(statusOf(object).parents).filter(isRecord).flatMap((parent) => {
    const accepted = acceptedOf(parent.conditions);
    if (accepted?.status !== 'False') return [];
    const controller = stringOf(parent.controllerName) ?? 'its controller';
    const message = `HTTPRoute ${namespace}/${name}${of}: parentRef ${describeParentRef(recordOf(parent.parentRef), namespace)} did not accept it: ${controller} says ${said(accepted)}, so the challenge never reaches the solver and cert-manager retries. certificate-dns names the listener rule that refuses it when the Certificate is applied (certguard check -f <certificate>)`;
    return [{ policy: 'certificate-dns', rule: RULE_SOLVER_ROUTE_NOT_ACCEPTED, result: 'fail' as const, object: refOf(object), message }];
  });
};

/** The controller's refusals on one object: a ListenerSet not accepted, a solver HTTPRoute a parent did not accept. */
export const findNotAccepted = (object: KubeObject): Finding[] => {
  if (isGatewayKind(object, 'ListenerSet')) return listenerSetFindings(object);
  if (isGatewayKind(object, 'HTTPRoute') && hasSolverLabel(object)) return solverRouteFindings(object);
  return [];
};
