// What will fill a listener's missing Secret, and whether that issuance has to go through the
// very Gateway the listener breaks (incident 000's loop). In cert-manager's terms:
//   (a) a Certificate in the Secret's namespace whose spec.secretName is that name (from the
//       cluster, or from the same bundle in `certguard check`);
//   (b) the certificate shim of the Gateway or ListenerSet itself (cert-manager.io/issuer or
//       cluster-issuer annotations: certificate-dns/shim.ts, which mirrors cert-manager's
//       pkg/controller/certificate-shim; the ListenerSet shim is cert-manager v1.21's);
//   (c) nothing.
// "Through this Gateway": the issuer is ACME, the solver cert-manager picks for one of the names
// (certificate-dns/solver-picker.ts) is HTTP-01 with gatewayHTTPRoute, and its parentRefs — after
// the acme.cert-manager.io/http01-parentref* overrides — attach to this Gateway (or, for a
// ListenerSet, to the ListenerSet or its parent Gateway).
import type { KubeObject } from '../../kube/object.ts';
import type { ClusterView } from '../../cluster/view.ts';
import { effectiveParentRefs } from '../certificate-dns/addresses.ts';
import {
  certificateOf,
  gatewayCertificatesOf,
  hasShimAnnotation,
  listenerSetCertificatesOf,
  type IssuerRef,
  type JudgedCertificate,
} from '../certificate-dns/shim.ts';
import { offeredChallenges, pickSolver, type AcmeSolver, type ParentRef } from '../certificate-dns/solver-picker.ts';
import { getIssuer } from '../issuers.ts';
import { DEFAULT_KEY, type KeySpec } from '../../certs/x509.ts';
import type { CertRef, ListenerOwner } from '../../kube/gateway.ts';
import { GATEWAY_GROUP } from '../../kube/groups.ts';
import { attachedListeners, isPlainHttp, predictSolverRoute, type RoutePrediction } from '../certificate-dns/route-attachment.ts';

/** How the Secret gets issued when it does not go through this Gateway (for the message). */
export type Route =
  | { code: 'this-gateway'; name: string }
  | { code: 'dns-01' }
  | { code: 'http-01-elsewhere'; parents: string[] }
  /** The solver's parentRefs name this Gateway, but none of its HTTP listeners accepts the route. */
  | { code: 'http-01-unattached'; parents: string[] }
  | { code: 'http-01-ingress' }
  | { code: 'no-solver' }
  | { code: 'not-acme' }
  | { code: 'issuer-missing' }
  | { code: 'unknown' };

/** The Certificate that will fill the Secret: one in the cluster (or bundle), or the owner's shim. */
export type Filler = {
  source: 'certificate' | 'gateway-shim' | 'listenerset-shim';
  namespace: string;
  /** The Certificate's name (a shim Certificate is named after its secretName). */
  name: string;
  issuerRef: IssuerRef;
  /** The subject and SANs the placeholder should carry. */
  commonName?: string;
  dnsNames: string[];
  key: KeySpec;
  /** spec.privateKey.rotationPolicy Never: cert-manager reuses the Secret's key (measured: event Reused). */
  reusesKey: boolean;
};

export type Issuance = { code: 'unmanaged' } | { code: 'managed'; filler: Filler; route: Route };

type Raw = Record<string, unknown>;

const SHIM_PRIVATE_KEY_ALGORITHM = 'cert-manager.io/private-key-algorithm';
const SHIM_PRIVATE_KEY_SIZE = 'cert-manager.io/private-key-size';
const SHIM_PRIVATE_KEY_ROTATION = 'cert-manager.io/private-key-rotation-policy';

const RSA_SIZES = new Set([2048, 3072, 4096]);
const ECDSA_SIZES = new Set([256, 384, 521]);

/**
 * cert-manager's key defaults: RSA 2048, ECDSA 256. A size outside the listed ones (RSA 8192)
 * falls back to the algorithm's default: the sentinel annotations make cert-manager re-issue
 * anyway, and only rotationPolicy Never needs the exact key.
 */
export const keySpecOf = (algorithm: string | undefined, size: number | undefined): KeySpec => {
  switch (algorithm?.toUpperCase()) {
    case 'ECDSA':
      return { algorithm: 'ECDSA', size: size !== undefined && ECDSA_SIZES.has(size) ? (size as 256 | 384 | 521) : 256 };
    case 'ED25519':
      return { algorithm: 'Ed25519' };
    default:
      return size !== undefined && RSA_SIZES.has(size) ? { algorithm: 'RSA', size: size as 2048 | 3072 | 4096 } : DEFAULT_KEY;
  }
};

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const sizeOf = (value: unknown): number | undefined =>
  typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : undefined;

const fillerOfCertificate = (certificate: KubeObject, judged: JudgedCertificate): Filler => {
  const spec = (certificate.spec ?? {}) as Raw;
  const privateKey = (spec.privateKey ?? {}) as Raw;
  return {
    source: 'certificate',
    namespace: judged.namespace,
    name: certificate.metadata?.name ?? '',
    issuerRef: judged.issuerRef,
    commonName: text(spec.commonName),
    dnsNames: Array.isArray(spec.dnsNames) ? spec.dnsNames.filter((name): name is string => typeof name === 'string') : [],
    key: keySpecOf(text(privateKey.algorithm), sizeOf(privateKey.size)),
    reusesKey: privateKey.rotationPolicy === 'Never',
  };
};

const fillerOfShim = (judged: JudgedCertificate, source: Filler['source']): Filler => ({
  source,
  namespace: judged.namespace,
  name: judged.secretName ?? '',
  issuerRef: judged.issuerRef,
  commonName: judged.annotations['cert-manager.io/common-name'],
  dnsNames: judged.names.filter((name) => !name.isIp).map((name) => name.value),
  key: keySpecOf(judged.annotations[SHIM_PRIVATE_KEY_ALGORITHM], sizeOf(judged.annotations[SHIM_PRIVATE_KEY_SIZE])),
  reusesKey: judged.annotations[SHIM_PRIVATE_KEY_ROTATION] === 'Never',
});

const fillsSecret = (certificate: KubeObject, name: string): boolean =>
  (certificate.spec as Raw | undefined)?.secretName === name && !certificate.metadata?.deletionTimestamp;

/** (a): the first Certificate by name; a cache miss on the Secret's own name is confirmed live (a GitOps sync applies both together). */
const findCertificate = async (view: ClusterView, ref: CertRef): Promise<KubeObject | undefined> => {
  if (!view.isServed('certificates')) return undefined;
  const listed = view.list('certificates', { namespace: ref.namespace }).filter((certificate) => fillsSecret(certificate, ref.name));
  if (listed.length > 0) return listed.sort((a, b) => ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1))[0];
  const named = await view.get('certificates', ref.namespace, ref.name);
  return named && fillsSecret(named, ref.name) ? named : undefined;
};

/** (b): the shim Certificate of the object under review for this Secret, if cert-manager would make one. */
const findShim = (object: KubeObject | undefined, owner: ListenerOwner, ref: CertRef): JudgedCertificate | undefined => {
  if (!object || !hasShimAnnotation(object) || ref.namespace !== owner.namespace) return undefined;
  const derived = owner.kind === 'Gateway' ? gatewayCertificatesOf(object, owner.namespace) : listenerSetCertificatesOf(object, owner.namespace);
  return derived.certificates.find((certificate) => certificate.secretName === ref.name);
};

type Acme = { solvers: AcmeSolver[] } | { route: Route };

const acmeOf = async (view: ClusterView, issuerRef: IssuerRef, namespace: string): Promise<Acme> => {
  const lookup = await getIssuer(view, issuerRef, namespace);
  if (lookup.found === 'external') return { route: { code: 'not-acme' } };
  if (lookup.found === 'unknown') return { route: { code: 'unknown' } };
  if (lookup.found === 'missing') return { route: { code: 'issuer-missing' } };
  return lookup.acme ? { solvers: (lookup.acme.solvers as AcmeSolver[] | undefined) ?? [] } : { route: { code: 'not-acme' } };
};

const gatewayOfOwner = (owner: ListenerOwner): { namespace: string; name: string } | undefined =>
  owner.kind === 'Gateway' ? { namespace: owner.namespace, name: owner.name } : owner.parent;

const sameObject = (a: { namespace: string; name: string } | undefined, namespace: string, name: string): boolean =>
  a?.namespace === namespace && a.name === name;

/** Whether one solver parentRef lands on the owner's Gateway. */
const attachesHere = async (view: ClusterView, owner: ListenerOwner, ref: ParentRef, defaultNamespace: string): Promise<boolean> => {
  if (!ref.name || (ref.group !== undefined && ref.group !== GATEWAY_GROUP)) return false;
  const namespace = ref.namespace ?? defaultNamespace;
  const kind = ref.kind ?? 'Gateway';
  if (kind === 'Gateway') return sameObject(gatewayOfOwner(owner), namespace, ref.name);
  if (kind !== 'ListenerSet') return false;
  if (owner.kind === 'ListenerSet' && sameObject(owner, namespace, ref.name)) return true;
  const listenerSet = view.isServed('listenersets') ? await view.get('listenersets', namespace, ref.name) : undefined;
  const parent = (listenerSet?.spec as { parentRef?: ParentRef } | undefined)?.parentRef;
  return Boolean(parent?.name) && sameObject(gatewayOfOwner(owner), parent?.namespace ?? namespace, parent?.name ?? '');
};

const describeParent = (ref: ParentRef, defaultNamespace: string): string => `${ref.kind ?? 'Gateway'} ${ref.namespace ?? defaultNamespace}/${ref.name ?? ''}`;

/** The object under review as a parent the solver route may name (a Gateway on CREATE is not in the view yet). */
const selfOf = (owner: ListenerOwner, object: KubeObject | undefined): KubeObject | undefined =>
  object ? { ...object, kind: owner.kind, metadata: { ...object.metadata, namespace: owner.namespace, name: owner.name } } : undefined;

/**
 * Whether a route whose parentRefs land here (`here[i]`) attaches to an HTTP listener there:
 * certificate-dns's prediction (route-attachment.ts); a parent it cannot read counts as attached.
 */
const reachesHere = (prediction: RoutePrediction, here: boolean[]): boolean =>
  prediction.parents.some(
    (parent, index) => here[index] && (parent.code === 'unknown' || attachedListeners({ parents: [parent] }).some(({ listener }) => isPlainHttp(listener))),
  );

type RouteContext = { view: ClusterView; owner: ListenerOwner; self?: KubeObject };

const http01Route = async ({ view, owner, self }: RouteContext, judged: JudgedCertificate, solver: AcmeSolver, name: string): Promise<Route> => {
  const refs = effectiveParentRefs(solver, judged);
  const parents = refs.map((ref) => describeParent(ref, judged.namespace));
  const here = await Promise.all(refs.map((ref) => attachesHere(view, owner, ref, judged.namespace)));
  if (!here.some(Boolean)) return { code: 'http-01-elsewhere', parents };
  const prediction = await predictSolverRoute(view, solver, judged, name, self);
  return reachesHere(prediction, here) ? { code: 'this-gateway', name } : { code: 'http-01-unattached', parents };
};

/** The route of the first name whose challenge comes through this Gateway, else of the first name. */
const routeOf = async (context: RouteContext, judged: JudgedCertificate, solvers: AcmeSolver[]): Promise<Route> => {
  let first: Route | undefined;
  for (const name of judged.names) {
    const picked = pickSolver(name.value, offeredChallenges(name.value, name.isIp), solvers, judged.labels);
    let route: Route;
    if (!picked) route = { code: 'no-solver' };
    else if (picked.type === 'dns-01') route = { code: 'dns-01' };
    else if (!picked.solver.http01?.gatewayHTTPRoute) route = { code: 'http-01-ingress' };
    else route = await http01Route(context, judged, picked.solver, name.value);
    if (route.code === 'this-gateway') return route;
    first ??= route;
  }
  return first ?? { code: 'no-solver' };
};

export type IssuanceContext = { view: ClusterView; owner: ListenerOwner; object: KubeObject | undefined };

/** What will fill the missing Secret behind `ref`, and by which route. */
export const issuanceOf = async (context: IssuanceContext, ref: CertRef): Promise<Issuance> => {
  const { view, owner, object } = context;
  const certificate = await findCertificate(view, ref);
  let judged: JudgedCertificate | undefined;
  let filler: Filler | undefined;
  if (certificate) {
    judged = certificateOf(certificate, ref.namespace);
    filler = fillerOfCertificate(certificate, judged);
  } else {
    judged = findShim(object, owner, ref);
    if (judged) filler = fillerOfShim(judged, owner.kind === 'Gateway' ? 'gateway-shim' : 'listenerset-shim');
  }
  if (!judged || !filler) return { code: 'unmanaged' };
  const acme = await acmeOf(view, judged.issuerRef, judged.namespace);
  const route = 'route' in acme ? acme.route : await routeOf({ view, owner, self: selfOf(owner, object) }, judged, acme.solvers);
  return { code: 'managed', filler, route };
};
