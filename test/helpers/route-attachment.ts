// The solver-route attachment table (src/policies/certificate-dns/fixtures/route-attachment.yaml):
// its shapes as cluster objects, certguard's prediction for each, and the comparison with what the
// real controllers recorded. Read by the unit test of route-attachment.ts and by the e2e test that
// applies the shapes to a real cluster with cert-manager and Traefik (and records them).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { ManifestView } from '../../src/cluster/manifest-view.ts';
import type { KubeObject } from '../../src/kube/object.ts';
import { attachedListeners, predictSolverRoute, type ParentPrediction } from '../../src/policies/certificate-dns/route-attachment.ts';
import { certificateOf } from '../../src/policies/certificate-dns/shim.ts';
import type { AcmeSolver } from '../../src/policies/certificate-dns/solver-picker.ts';

export const ROUTE_TABLE = fileURLToPath(new URL('../../src/policies/certificate-dns/fixtures/route-attachment.yaml', import.meta.url));

type Obj = Record<string, unknown>;

export type ListenerShape = { name: string; protocol: string; port: number; hostname?: string; allowedRoutes?: Obj };

export type ParentRefShape = { kind?: 'Gateway' | 'ListenerSet'; name?: string; sectionName?: string; port?: number; omitNamespace?: boolean };

/** One parentRef's conditions as the controller wrote them ("none": no status for that parentRef). */
export type ObservedParent = { accepted: string; reason?: string; resolvedRefs?: string };

export type Observed = { route: boolean; parents: ObservedParent[]; attachedListeners: string[] };

export type RouteShape = {
  id: string;
  certificateNamespace?: 'same' | 'other';
  namespaceLabels?: Record<string, string>;
  listeners: ListenerShape[];
  allowedListeners?: Obj;
  listenerSet?: { namespace: 'same' | 'other'; listeners: ListenerShape[] };
  parentRefs: ParentRefShape[];
  dnsName: string;
  observed?: Observed;
};

export type RouteTable = { recordedWith?: string; cases: RouteShape[] };

export const loadRouteTable = (path = ROUTE_TABLE): RouteTable => parse(readFileSync(path, 'utf8')) as RouteTable;

/** The real ports behind the table's symbolic 80 (HTTP entry point) and 443 (HTTPS entry point). */
export type Ports = { web: number; websecure: number };

export const SYMBOLIC: Ports = { web: 80, websecure: 443 };

const realPort = (port: number, ports: Ports): number => (port === 80 ? ports.web : port === 443 ? ports.websecure : port);

export const gatewayNamespace = (shape: RouteShape): string => `${shape.id}-gw`;
export const certificateNamespace = (shape: RouteShape): string => (shape.certificateNamespace === 'same' ? gatewayNamespace(shape) : shape.id);
const listenerSetNamespace = (shape: RouteShape): string => (shape.listenerSet?.namespace === 'other' ? certificateNamespace(shape) : gatewayNamespace(shape));

export const GATEWAY_TLS_SECRET = 'gw-tls';

const listenerOf = (listener: ListenerShape, ports: Ports): Obj => ({
  ...listener,
  port: realPort(listener.port, ports),
  ...(listener.protocol === 'HTTPS' ? { tls: { certificateRefs: [{ name: GATEWAY_TLS_SECRET }] } } : {}),
  ...(listener.protocol === 'TLS' ? { tls: { mode: 'Passthrough' } } : {}),
});

const parentRefOf = (shape: RouteShape, ref: ParentRefShape, ports: Ports): Obj => {
  const listenerSet = ref.kind === 'ListenerSet';
  const namespace = listenerSet ? listenerSetNamespace(shape) : gatewayNamespace(shape);
  return {
    group: 'gateway.networking.k8s.io',
    kind: ref.kind ?? 'Gateway',
    name: ref.name ?? (listenerSet ? 'ls' : 'gw'),
    ...(ref.omitNamespace ? {} : { namespace }),
    ...(ref.sectionName ? { sectionName: ref.sectionName } : {}),
    ...(ref.port !== undefined ? { port: realPort(ref.port, ports) } : {}),
  };
};

export const solverOf = (shape: RouteShape, ports: Ports): AcmeSolver => ({
  http01: { gatewayHTTPRoute: { parentRefs: shape.parentRefs.map((ref) => parentRefOf(shape, ref, ports)) } },
});

const namespaceObject = (name: string, labels?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, ...(labels ? { labels } : {}) },
});

/** The shape's Gateway, ListenerSet, ClusterIssuer and Certificate (Secrets and the ACME server are the caller's). */
export const objectsOf = (shape: RouteShape, ports: Ports, acmeServer = 'https://acme.example/directory'): KubeObject[] => {
  const gwNs = gatewayNamespace(shape);
  const certNs = certificateNamespace(shape);
  const namespaces = certNs === gwNs ? [namespaceObject(gwNs, shape.namespaceLabels)] : [namespaceObject(gwNs), namespaceObject(certNs, shape.namespaceLabels)];
  const gateway: KubeObject = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { namespace: gwNs, name: 'gw' },
    spec: {
      gatewayClassName: 'traefik',
      listeners: shape.listeners.map((listener) => listenerOf(listener, ports)),
      ...(shape.allowedListeners ? { allowedListeners: { namespaces: shape.allowedListeners } } : {}),
    },
  };
  const listenerSet: KubeObject[] = shape.listenerSet
    ? [
        {
          apiVersion: 'gateway.networking.k8s.io/v1',
          kind: 'ListenerSet',
          metadata: { namespace: listenerSetNamespace(shape), name: 'ls' },
          spec: { parentRef: { name: 'gw', namespace: gwNs }, listeners: shape.listenerSet.listeners.map((listener) => listenerOf(listener, ports)) },
        },
      ]
    : [];
  const issuer: KubeObject = {
    apiVersion: 'cert-manager.io/v1',
    kind: 'ClusterIssuer',
    metadata: { name: shape.id },
    spec: { acme: { server: acmeServer, skipTLSVerify: true, privateKeySecretRef: { name: `${shape.id}-account` }, solvers: [solverOf(shape, ports)] } },
  };
  const certificate: KubeObject = {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: { namespace: certNs, name: 'cert' },
    // ECDSA: one key per Certificate, cheaper than the RSA default on shared cores.
    spec: { secretName: 'cert-tls', dnsNames: [shape.dnsName], privateKey: { algorithm: 'ECDSA' }, issuerRef: { kind: 'ClusterIssuer', name: shape.id } },
  };
  return [...namespaces, gateway, ...listenerSet, issuer, certificate];
};

/** certguard's prediction, per parentRef: undefined (a parent it cannot read), or the listeners the route attaches to. */
export const predict = async (shape: RouteShape): Promise<(string[] | undefined)[]> => {
  const objects = objectsOf(shape, SYMBOLIC);
  const certificate = objects.find((object) => object.kind === 'Certificate') as KubeObject;
  const prediction = await predictSolverRoute(new ManifestView(objects), solverOf(shape, SYMBOLIC), certificateOf(certificate), shape.dnsName);
  return prediction.parents.map((parent: ParentPrediction) =>
    parent.code === 'unknown' ? undefined : attachedListeners({ parents: [parent] }).map(({ listener }) => listener.name),
  );
};

/**
 * Cases where Traefik v3.6.12 answers otherwise than Gateway API, with the upstream reference.
 * The comparison must find exactly these: one that starts to agree fails too.
 */
export const TRAEFIK_DIVERGENCES: Record<string, string> = {
  'ra-listenerset-allowed':
    'Traefik v3.6.12 does not implement ListenerSet (its provider vendors gateway-api v1.4.0 and reads no ListenerSets): it writes no status on a route whose parentRef is a ListenerSet (traefik/traefik#12626, open; PR traefik/traefik#12909)',
  'ra-listenerset-not-allowed':
    'Traefik v3.6.12 does not implement ListenerSet: no status on the route at all, where Gateway API asks for Accepted=False (traefik/traefik#12626, open; PR traefik/traefik#12909)',
};

/**
 * One line per way the recording differs from certguard's prediction: per parentRef, a parent
 * certguard cannot read must have no status; a predicted attachment Accepted=True, none
 * Accepted=False; and the Gateway's listeners counting the route are the predicted ones.
 */
export const disagreements = (shape: RouteShape, predicted: (string[] | undefined)[]): string[] => {
  const observed = shape.observed;
  if (!observed) return [`${shape.id}: not recorded`];
  if (!observed.route) return [`${shape.id}: cert-manager created no solver route`];
  const wrong: string[] = [];
  predicted.forEach((listeners, index) => {
    const got = observed.parents[index]?.accepted ?? 'none';
    const want = listeners === undefined ? 'none' : listeners.length > 0 ? 'True' : 'False';
    if (got !== want)
      wrong.push(`${shape.id}: parentRefs[${index}]: certguard predicts Accepted ${want} (${listeners?.join(', ') || 'no listener'}), Traefik wrote ${got}`);
  });
  const gatewayListeners = predicted
    .flatMap((listeners, index) => ((shape.parentRefs[index]?.kind ?? 'Gateway') === 'Gateway' ? (listeners ?? []) : []))
    .filter((name, index, all) => all.indexOf(name) === index)
    .sort();
  const counted = [...observed.attachedListeners].sort();
  if (gatewayListeners.join(',') !== counted.join(','))
    wrong.push(`${shape.id}: certguard predicts the route on listeners [${gatewayListeners.join(', ')}], Traefik counts it on [${counted.join(', ')}]`);
  return wrong;
};
