// The sentences explain adds where no policy speaks: what a controller or cert-manager reports
// on a hop, quoted as it wrote it, with the fix. Everything a policy already says comes from the
// policy itself (its messages.ts), word for word. One line each, no "; ".
import { describeCondition, type Condition } from '../kube/conditions.ts';

type Named = { namespace: string; name: string };

const nn = ({ namespace, name }: Named): string => `${namespace}/${name}`;

export const listenerSetNotAccepted = (listenerSet: Named, parent: Named | undefined, accepted: Condition): string =>
  `ListenerSet ${nn(listenerSet)} is not accepted by ${parent ? `its parent Gateway ${nn(parent)}` : 'a parent Gateway'}: the controller reports ${describeCondition(accepted)}, so none of its listeners is served. ` +
  `Fix: allow ListenerSets from namespace "${listenerSet.namespace}" in spec.allowedListeners of the parent Gateway, or correct spec.parentRef`;

export const gatewayUnanswered = (gateway: Named, className: string | undefined, accepted: Condition): string =>
  `Gateway ${nn(gateway)} has not been accepted by any controller yet (${describeCondition(accepted)}), so none of its listeners is served. ` +
  `Fix: check that a controller for its GatewayClass${className ? ` "${className}"` : ''} is running (kubectl get gatewayclass${className ? ` ${className}` : ''} -o yaml: status Accepted, spec.controllerName)`;

export const gatewayNotAccepted = (gateway: Named, accepted: Condition): string =>
  `Gateway ${nn(gateway)} is not accepted by its controller: it reports ${describeCondition(accepted)}, so none of its listeners is served. ` +
  `Fix: see the reason above, and describe the Gateway (kubectl describe gateway ${gateway.name} -n ${gateway.namespace})`;

export const listenerReported = (where: string, bad: Condition[]): string =>
  `${where}: the controller reports ${bad.map(describeCondition).join(', ')}. Fix: see the reason above, and describe the Gateway (kubectl describe gateway)`;

export const issuerNotReady = (issuer: string, ready: Condition | undefined): string =>
  `${issuer} is not Ready: cert-manager says ${ready ? describeCondition(ready) : 'nothing yet (no Ready condition)'}, so it issues no certificate. ` +
  `Fix: correct the issuer as the reason says (kubectl describe ${issuer.startsWith('ClusterIssuer') ? 'clusterissuer' : 'issuer'} ${issuer.split(' ')[1]?.split('/').pop() ?? ''})`;

const LOOK = (name: string, namespace: string): string =>
  `Look with: kubectl describe certificate ${name} -n ${namespace}, then kubectl get certificaterequests,orders,challenges -n ${namespace}`;

/** cert-manager's own account of a Certificate that is not Ready; `why` is the failing record (request, Order, Challenge). */
export const certificateNotReady = (certificate: Named, ready: Condition | undefined, why: string): string =>
  `Certificate ${nn(certificate)} is not Ready: cert-manager says ${ready ? describeCondition(ready) : 'nothing yet (no Ready condition)'}${why}. ${LOOK(certificate.name, certificate.namespace)}`;

export const routeNotAccepted = (route: Named, challenge: string, parent: string, accepted: Condition, controller: string | undefined): string =>
  `solver HTTPRoute ${nn(route)} (Challenge ${challenge}) is not accepted by ${parent}: ${controller ? `${controller} reports` : 'the controller reports'} ${describeCondition(accepted)}, ` +
  `so the ACME server's HTTP-01 request never reaches the solver. Fix: make that parent accept the route (a listener for HTTP on port 80 whose allowedRoutes admit namespace "${route.namespace}"), or point the issuer's gatewayHTTPRoute.parentRefs at one that does`;

export const routeUnattached = (route: Named, challenge: string): string =>
  `solver HTTPRoute ${nn(route)} (Challenge ${challenge}) has no status from any Gateway controller: no parent has accepted it yet. Fix: check its parentRefs name a Gateway a running controller serves`;

export const placeholderServing = (secret: Named, since: string | undefined): string =>
  `Secret ${nn(secret)} still holds certguard's self-signed placeholder${since ? ` (since ${since})` : ''}: clients do not trust it until cert-manager issues the real certificate into it. Look at the hops after this one for why it has not`;

export const secretUnusable = (secret: Named, what: string): string => `Secret ${nn(secret)} cannot serve TLS: ${what}`;

export const secretMissing = (secret: Named): string => `Secret ${nn(secret)} does not exist`;

/** The note of a hop a policy would refuse on the facts while admission lets it in (`how` the configured mode). */
export const admissionLetsIn = (policy: string, how: 'off' | 'warn', source: string, object: string): string =>
  `${policy} is ${how === 'off' ? 'off' : 'in warn mode'} (${source}): admission ${how === 'off' ? 'does not refuse' : 'only warns about'} ${object}, but this stops its issuance all the same`;

export const admissionSkipped = (policy: string, object: string, annotation: string): string =>
  `${object} carries the break-glass annotation ${annotation}: admission lets it past ${policy}, but this stops its issuance all the same`;
