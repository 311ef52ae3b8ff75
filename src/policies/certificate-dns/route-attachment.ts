// Will the solver HTTPRoute cert-manager creates for one name attach, and to which listener?
// cert-manager v1.21 creates it in the Challenge's namespace (the Certificate's), with
// spec.hostnames [the name] (none for an IP address) and the solver's parentRefs
// (pkg/issuer/acme/http/httproute.go generateHTTPRouteSpec); the Gateway controller then attaches
// it by Gateway API's rules (kube/attachment.ts). Predicted per parentRef: the parent's listeners,
// each with the rule that keeps the route off it, if any. A parent certguard cannot read (missing,
// not a Gateway or ListenerSet, Gateway API not served) is "unknown": no verdict rests on it.
import { isIP } from 'node:net';
import type { ClusterView } from '../../cluster/view.ts';
import { labelsOf, nameOf, namespaceOf } from '../../kube/accessors.ts';
import {
  allowedListenersOf,
  describeAllowedListeners,
  judgeRouteListeners,
  namespaceRefusal,
  withNameLabel,
  type AttachingRoute,
  type ListenerVerdict,
} from '../../kube/attachment.ts';
import { listenersOf, parentGatewayOf, type Listener } from '../../kube/gateway.ts';
import { GATEWAY_GROUP } from '../../kube/groups.ts';
import type { KubeObject } from '../../kube/object.ts';
import { effectiveParentRefs } from './addresses.ts';
import type { JudgedCertificate } from './shim.ts';
import type { AcmeSolver, ParentRef } from './solver-picker.ts';

export type ParentPrediction =
  | { ref: ParentRef; parent: string; code: 'unknown' }
  /** `refused`: a ListenerSet its Gateway does not attach, so none of its listeners takes routes. */
  | { ref: ParentRef; parent: string; code: 'judged'; namespace: string; name: string; kind: string; verdicts: ListenerVerdict[]; refused?: string };

export type RoutePrediction = { parents: ParentPrediction[] };

/** The object under review, when it is a parent the view does not hold yet (a Gateway on CREATE). */
type Lookup = { view: ClusterView; self?: KubeObject };

const isSelf = (self: KubeObject | undefined, kind: string, namespace: string, name: string): boolean =>
  self?.kind === kind && nameOf(self) === name && namespaceOf(self) === namespace;

const getParent = async ({ view, self }: Lookup, kind: 'Gateway' | 'ListenerSet', namespace: string, name: string): Promise<KubeObject | undefined> => {
  if (isSelf(self, kind, namespace, name)) return self;
  const resource = kind === 'Gateway' ? 'gateways' : 'listenersets';
  return view.isServed(resource) ? view.get(resource, namespace, name) : undefined;
};

/** Why the ListenerSet's Gateway does not attach it, undefined when it does, null when its Gateway cannot be read. */
const listenerSetRefusal = async (lookup: Lookup, listenerSet: KubeObject, namespace: string): Promise<string | undefined | null> => {
  const parent = parentGatewayOf(listenerSet, namespace);
  if (!parent) return 'it names no parent Gateway';
  const gateway = await getParent(lookup, 'Gateway', parent.namespace, parent.name);
  if (!gateway) return null;
  const allowed = allowedListenersOf(gateway);
  const ns = withNameLabel(namespace, labelsOf(await lookup.view.get('namespaces', undefined, namespace)));
  const refusal = namespaceRefusal(allowed, parent.namespace, ns);
  return refusal ? `its parent Gateway ${parent.namespace}/${parent.name} does not attach it (${describeAllowedListeners(allowed)}, ${refusal})` : undefined;
};

const predictParent = async (lookup: Lookup, ref: ParentRef, route: AttachingRoute): Promise<ParentPrediction> => {
  const namespace = ref.namespace ?? route.namespace.name;
  const kind = ref.kind ?? 'Gateway';
  const parent = `${kind} ${namespace}/${ref.name ?? ''}`;
  if (!ref.name || (ref.group ?? GATEWAY_GROUP) !== GATEWAY_GROUP || (kind !== 'Gateway' && kind !== 'ListenerSet')) return { ref, parent, code: 'unknown' };
  const object = await getParent(lookup, kind, namespace, ref.name);
  if (!object) return { ref, parent, code: 'unknown' };
  const listeners: Listener[] = listenersOf(object, namespace);
  const section = { ...(ref.sectionName !== undefined ? { sectionName: ref.sectionName } : {}), ...(typeof ref.port === 'number' ? { port: ref.port } : {}) };
  const verdicts = judgeRouteListeners(listeners, namespace, route, section);
  const prediction: ParentPrediction = { ref, parent, code: 'judged', namespace, name: ref.name, kind, verdicts };
  const refused = kind === 'ListenerSet' ? await listenerSetRefusal(lookup, object, namespace) : undefined;
  // A ListenerSet whose Gateway is not there yet: whether it will attach is unknown.
  if (refused === null) return { ref, parent, code: 'unknown' };
  if (refused) prediction.refused = refused;
  return prediction;
};

/** The solver route of `identifier` (the name as the ACME server returns it), parent by parent. */
export const predictSolverRoute = async (
  view: ClusterView,
  solver: AcmeSolver,
  certificate: JudgedCertificate,
  identifier: string,
  self?: KubeObject,
): Promise<RoutePrediction> => {
  const namespace = withNameLabel(certificate.namespace, labelsOf(await view.get('namespaces', undefined, certificate.namespace)));
  const route: AttachingRoute = { kind: 'HTTPRoute', namespace, hostnames: isIP(identifier) === 0 ? [identifier] : [] };
  const refs = effectiveParentRefs(solver, certificate);
  return { parents: await Promise.all(refs.map((ref) => predictParent({ view, self }, ref, route))) };
};

/** The listeners the route attaches to, with their parent. */
export const attachedListeners = (prediction: RoutePrediction): { parent: Extract<ParentPrediction, { code: 'judged' }>; listener: Listener }[] =>
  prediction.parents.flatMap((parent) =>
    parent.code === 'judged' && !parent.refused
      ? parent.verdicts.filter((verdict) => !verdict.excludedBy).map((verdict) => ({ parent, listener: verdict.listener }))
      : [],
  );

/** The challenge arrives over plain HTTP (RFC 8555 §8.3): only an HTTP listener answers it. */
export const isPlainHttp = (listener: Listener): boolean => listener.protocol === 'HTTP';

export type RouteVerdict = { code: 'ok' } | { code: 'unknown' } | { code: 'unattached' } | { code: 'tls-only' };

/** The verdict on one name's route: no verdict while any parent is unknown (it might take the route). */
export const routeVerdictOf = (prediction: RoutePrediction): RouteVerdict => {
  if (prediction.parents.length === 0 || prediction.parents.some((parent) => parent.code === 'unknown')) return { code: 'unknown' };
  const attached = attachedListeners(prediction);
  if (attached.length === 0) return { code: 'unattached' };
  return attached.some(({ listener }) => isPlainHttp(listener)) ? { code: 'ok' } : { code: 'tls-only' };
};
