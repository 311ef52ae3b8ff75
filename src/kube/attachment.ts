// Gateway API attachment, as the spec states it (sigs.k8s.io/gateway-api v1.6.1 apis/v1), for two
// questions a controller answers only after admission:
//   - does a Gateway accept a ListenerSet? Gateway.spec.allowedListeners.namespaces.from, default
//     None (gateway_types.go AllowedListeners, ListenerNamespaces; GEP-1713 "Gateway & ListenerSet
//     Handshake": "By default a Gateway MUST NOT allow ListenerSets to be attached");
//   - which listeners of a parent does an HTTPRoute attach to? GEP-1713 "Summary of Attachments":
//     the relevant listeners are the direct parent's own (a Gateway's spec.listeners, never its
//     ListenerSets'), narrowed by the parentRef's sectionName and port (shared_types.go
//     ParentReference); each must allow the route's kind (AllowedRoutes.Kinds, else the kinds its
//     protocol supports: HTTPRoute on HTTP and HTTPS) and namespace (AllowedRoutes.Namespaces,
//     default Same; FromNamespaces); when both name hostnames they must intersect, a "*." listener
//     hostname being a suffix match over one or more labels (Listener.Hostname,
//     HTTPRouteSpec.Hostnames).
import { describeLabels, describeSelector, selects } from './selector.ts';
import { GATEWAY_GROUP } from './groups.ts';
import { recordOf, specOf, textOf } from './accessors.ts';
import type { Listener } from './gateway.ts';

/** Gateway.spec.allowedListeners.namespaces with its defaults. */
export type AllowedListeners = { from: string; selector?: unknown; written: boolean };

export const allowedListenersOf = (gateway: unknown): AllowedListeners => {
  const allowed = recordOf(specOf(gateway).allowedListeners);
  const namespaces = recordOf(allowed.namespaces);
  const from = textOf(namespaces.from);
  const result: AllowedListeners = { from: from ?? 'None', written: from !== undefined };
  if (namespaces.selector !== undefined) result.selector = namespaces.selector;
  return result;
};

/** The allowedListeners as a message shows them. */
export const describeAllowedListeners = (allowed: AllowedListeners): string =>
  `spec.allowedListeners.namespaces.from "${allowed.from}"${allowed.written ? '' : ' (the default when unset)'}`;

/** A namespace as attachment rules see it: its name and labels (the API server adds kubernetes.io/metadata.name). */
export type NamespaceLabels = { name: string; labels: Record<string, string> };

export const withNameLabel = (name: string, labels: Record<string, string>): NamespaceLabels => ({
  name,
  labels: { ...labels, 'kubernetes.io/metadata.name': name },
});

/**
 * Why a `from` rule (allowedListeners or allowedRoutes namespaces) refuses a namespace, as a
 * clause that follows the rule's description ("..., which admits no namespace"), or undefined.
 */
export const namespaceRefusal = (rule: { from: string; selector?: unknown }, ownerNamespace: string, namespace: NamespaceLabels): string | undefined => {
  switch (rule.from) {
    case 'All':
      return undefined;
    case 'Same':
      return namespace.name === ownerNamespace ? undefined : `which admits namespace "${ownerNamespace}" only`;
    case 'Selector':
      return selects(rule.selector, namespace.labels)
        ? undefined
        : `whose selector ${describeSelector(rule.selector)} does not select namespace "${namespace.name}" (${describeLabels(namespace.labels)})`;
    case 'None':
      return 'which admits no namespace';
    default:
      return 'which is not a value Gateway API defines';
  }
};

// ---------------------------------------------------------------- routes

/** The rule of the spec that keeps a route off one listener, in the order they are applied. */
export type Exclusion = 'sectionName' | 'port' | 'kind' | 'namespace' | 'hostname';

export type ListenerVerdict = { listener: Listener; excludedBy?: Exclusion; why?: string };

/** The route asking to attach: its kind, namespace (with labels) and spec.hostnames. */
export type AttachingRoute = { kind: string; namespace: NamespaceLabels; hostnames: string[] };

/** The parentRef's narrowing fields. */
export type ParentSection = { sectionName?: string; port?: number };

/** Route kinds a protocol supports (Listener.Protocol and AllowedRoutes.Kinds: HTTPRoute on HTTP and HTTPS). */
// A Map, not an object: a listener's protocol is user input ("constructor" must find nothing).
const PROTOCOL_KINDS = new Map<string, readonly string[]>([
  ['HTTP', ['HTTPRoute', 'GRPCRoute']],
  ['HTTPS', ['HTTPRoute', 'GRPCRoute']],
  ['TLS', ['TLSRoute']],
  ['TCP', ['TCPRoute']],
  ['UDP', ['UDPRoute']],
]);

const kindRefusal = (listener: Listener, kind: string): string | undefined => {
  const supported = PROTOCOL_KINDS.get(listener.protocol ?? '') ?? [];
  if (!supported.includes(kind)) return `protocol ${listener.protocol ?? '(none)'} takes no ${kind}`;
  const { kinds } = listener.allowedRoutes;
  if (kinds.length === 0 || kinds.some((entry) => entry.group === GATEWAY_GROUP && entry.kind === kind)) return undefined;
  return `allowedRoutes.kinds (${kinds.map((entry) => entry.kind).join(', ')}) does not list ${kind}`;
};

/** A "*." hostname is a suffix match over one or more labels (Listener.Hostname). */
const covers = (pattern: string, name: string): boolean => pattern === name || (pattern.startsWith('*.') && name.endsWith(pattern.slice(1)));

/** Listener and route hostnames intersect (HTTPRouteSpec.Hostnames); either side unset matches anything. */
export const hostnamesIntersect = (listenerHostname: string | undefined, routeHostnames: string[]): boolean => {
  if (!listenerHostname || routeHostnames.length === 0) return true;
  const listener = listenerHostname.toLowerCase();
  return routeHostnames.some((raw) => {
    const route = raw.toLowerCase();
    return covers(listener, route) || covers(route, listener);
  });
};

const listenerVerdict = (listener: Listener, ownerNamespace: string, route: AttachingRoute, section: ParentSection): ListenerVerdict => {
  if (section.sectionName !== undefined && section.sectionName !== listener.name)
    return { listener, excludedBy: 'sectionName', why: `not the parentRef's sectionName "${section.sectionName}"` };
  if (section.port !== undefined && section.port !== listener.port)
    return { listener, excludedBy: 'port', why: `port ${listener.port ?? '(none)'} is not the parentRef's port ${section.port}` };
  const kind = kindRefusal(listener, route.kind);
  if (kind) return { listener, excludedBy: 'kind', why: kind };
  const namespace = namespaceRefusal(listener.allowedRoutes, ownerNamespace, route.namespace);
  if (namespace) return { listener, excludedBy: 'namespace', why: `allowedRoutes.namespaces.from "${listener.allowedRoutes.from}", ${namespace}` };
  if (!hostnamesIntersect(listener.hostname, route.hostnames)) {
    return {
      listener,
      excludedBy: 'hostname',
      why: `hostname "${listener.hostname ?? ''}" does not intersect ${route.hostnames.map((name) => `"${name}"`).join(', ')}`,
    };
  }
  return { listener };
};

/** Each listener of the direct parent (owned in `ownerNamespace`) with the rule that excludes the route, if any. */
export const judgeRouteListeners = (listeners: Listener[], ownerNamespace: string, route: AttachingRoute, section: ParentSection): ListenerVerdict[] =>
  listeners.map((listener) => listenerVerdict(listener, ownerNamespace, route, section));
