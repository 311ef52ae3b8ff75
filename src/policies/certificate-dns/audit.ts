// certificate-dns's audit-only rule, solver-route-not-accepted: an ACME HTTP-01 solver HTTPRoute
// that a parentRef's controller did not accept (RouteParentStatus Accepted False), in the
// controller's words: its challenge is never routed. A controller that writes no status gives none.
import { refOf, type Finding } from '../../audit/findings.ts';
import { hasSolverLabel } from '../../cluster/resources.ts';
import { arrayOf, isRecord, recordOf, statusOf, stringOf } from '../../kube/accessors.ts';
import { conditionOf, describeCondition } from '../../kube/conditions.ts';
import { isGatewayApiKind } from '../../kube/groups.ts';
import type { KubeObject } from '../../kube/object.ts';
import type { PolicyAudit } from '../types.ts';
import { CERTIFICATE_DNS, type CertificateDnsSettings } from './settings.ts';

export const RULE_SOLVER_ROUTE_NOT_ACCEPTED = 'solver-route-not-accepted';

const describeParentRef = (ref: Record<string, unknown>, namespace: string): string => {
  const section = stringOf(ref.sectionName) ? ` sectionName "${stringOf(ref.sectionName)}"` : '';
  const port = typeof ref.port === 'number' ? ` port ${ref.port}` : '';
  return `${stringOf(ref.kind) ?? 'Gateway'} ${stringOf(ref.namespace) ?? namespace}/${stringOf(ref.name) ?? ''}${section}${port}`;
};

const findSolverRouteNotAccepted = (object: KubeObject): Finding[] => {
  if (!isGatewayApiKind(object, 'HTTPRoute') || !hasSolverLabel(object)) return [];
  const namespace = object.metadata?.namespace ?? 'default';
  const name = object.metadata?.name ?? '';
  const hostnames = arrayOf(recordOf(object.spec).hostnames).filter((host): host is string => typeof host === 'string');
  const challenge = (object.metadata?.ownerReferences ?? []).find((owner) => owner.kind === 'Challenge')?.name;
  const of = `${challenge ? ` (solver of Challenge ${namespace}/${challenge}` : ' (ACME solver'}${hostnames.length ? ` for "${hostnames.join('", "')}"` : ''})`;
  return arrayOf(statusOf(object).parents)
    .filter(isRecord)
    .flatMap((parent) => {
      const accepted = conditionOf(parent, 'Accepted');
      if (accepted?.status !== 'False') return [];
      const controller = stringOf(parent.controllerName) ?? 'its controller';
      const message = `HTTPRoute ${namespace}/${name}${of}: parentRef ${describeParentRef(recordOf(parent.parentRef), namespace)} did not accept it: ${controller} says ${describeCondition(accepted)}, so the challenge never reaches the solver and cert-manager retries. certificate-dns names the listener rule that refuses it when the Certificate is applied (certguard check -f <certificate>)`;
      return [{ policy: CERTIFICATE_DNS, rule: RULE_SOLVER_ROUTE_NOT_ACCEPTED, result: 'fail' as const, object: refOf(object), message }];
    });
};

export const certificateDnsAudit = (settings: CertificateDnsSettings): PolicyAudit | undefined =>
  settings.mode === 'off' ? undefined : { object: async (object) => findSolverRouteNotAccepted(object) };
