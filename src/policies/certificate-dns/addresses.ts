// Where HTTP-01 challenges of one solver arrive: the ingress addresses a name must point at.
// From certguard's config (static IPs and hostnames) and discovered in the cluster:
//   gatewayHTTPRoute solver: status.addresses of the Gateways the solver HTTPRoute attaches to
//     (its parentRefs, after the acme.cert-manager.io/http01-parentref* overrides cert-manager
//     applies in acmeorders applyGatewayAPIAnnotationParentRefOverride);
//   ingress solver: status.loadBalancer.ingress of the configured ingress controller Services.
import { isIP } from 'node:net';
import { arrayOf, nameOf, namespaceOf, recordOf, statusOf, textOf } from '../../kube/accessors.ts';
import { parentGatewayOf } from '../../kube/gateway.ts';
import { GATEWAY_GROUP } from '../../kube/groups.ts';
import type { KubeObject } from '../../kube/object.ts';
import type { ClusterView } from '../../cluster/view.ts';
import { normalizeAddress, normalizeName } from '../../dns/resolver.ts';
import type { CertificateDnsSettings } from './settings.ts';
import { PARENT_REF_KIND_ANNOTATION, PARENT_REF_NAME_ANNOTATION, PARENT_REF_NAMESPACE_ANNOTATION, type JudgedCertificate } from './shim.ts';
import type { AcmeSolver, ParentRef } from './solver-picker.ts';

export type Target = { value: string; isIp: boolean; source: string };

/** `notes` say why discovery found nothing, for the "certguard does not know" warning. */
export type IngressTargets = { targets: Target[]; notes: string[] };

const targetOf = (value: string, source: string): Target => {
  const isIp = isIP(value) !== 0;
  return { value: isIp ? normalizeAddress(value) : normalizeName(value), isIp, source };
};

const staticTargets = (settings: CertificateDnsSettings): Target[] => [
  ...settings.ingress.addresses.map((value) => targetOf(value, 'config ingress.addresses')),
  ...settings.ingress.hostnames.map((value) => targetOf(value, 'config ingress.hostnames')),
];

/** The solver's parentRefs with the Certificate's override annotations applied, as cert-manager does. */
export const effectiveParentRefs = (solver: AcmeSolver, certificate: JudgedCertificate): ParentRef[] => {
  const configured = solver.http01?.gatewayHTTPRoute?.parentRefs ?? [];
  const name = certificate.annotations[PARENT_REF_NAME_ANNOTATION];
  const kind = certificate.annotations[PARENT_REF_KIND_ANNOTATION];
  // cert-manager requires both; with only one it refuses the challenge, so keep the solver's refs.
  if (name === undefined || kind === undefined) return configured;
  const namespace = certificate.annotations[PARENT_REF_NAMESPACE_ANNOTATION] ?? certificate.namespace;
  const kept = configured.filter((ref) => !(ref.namespace === namespace && ref.name === name && (ref.kind === undefined || ref.kind === kind)));
  return [...kept, { name, namespace, kind }];
};

type Found = { targets: Target[]; note?: string };

/** `self`: the Gateway under review (gateway-shim); on CREATE the view does not have it yet. */
type Lookup = { view: ClusterView; self?: KubeObject };

const isSelf = (self: KubeObject | undefined, namespace: string, name: string): boolean =>
  self?.kind === 'Gateway' && nameOf(self) === name && namespaceOf(self, namespace) === namespace;

const gatewayTargets = async ({ view, self }: Lookup, namespace: string, name: string): Promise<Found> => {
  const gateway = isSelf(self, namespace, name) ? self : await view.get('gateways', namespace, name);
  const source = `gateway ${namespace}/${name}`;
  if (!gateway) return { targets: [], note: `Gateway ${namespace}/${name} does not exist` };
  const addresses = arrayOf(statusOf(gateway).addresses).flatMap((address) => textOf(recordOf(address).value) ?? []);
  if (addresses.length === 0) return { targets: [], note: `Gateway ${namespace}/${name} has no status.addresses yet` };
  return { targets: addresses.map((value) => targetOf(value, source)) };
};

const parentRefTargets = async (lookup: Lookup, ref: ParentRef, defaultNamespace: string): Promise<Found> => {
  if (!ref.name || (ref.group !== undefined && ref.group !== GATEWAY_GROUP)) return { targets: [] };
  const namespace = ref.namespace ?? defaultNamespace;
  const kind = ref.kind ?? 'Gateway';
  if (kind === 'Gateway') return gatewayTargets(lookup, namespace, ref.name);
  if (kind !== 'ListenerSet') return { targets: [] };
  // A ListenerSet has no addresses of its own: traffic arrives at its parent Gateway.
  const listenerSet = await lookup.view.get('listenersets', namespace, ref.name);
  const parent = listenerSet && parentGatewayOf(listenerSet, namespace);
  if (!parent) return { targets: [], note: `ListenerSet ${namespace}/${ref.name} does not exist` };
  return gatewayTargets(lookup, parent.namespace, parent.name);
};

const gatewaySolverTargets = async (lookup: Lookup, solver: AcmeSolver, certificate: JudgedCertificate): Promise<Found[]> => {
  const refs = effectiveParentRefs(solver, certificate);
  if (refs.length === 0) return [{ targets: [], note: 'the solver has no parentRefs' }];
  if (!lookup.view.isServed('gateways')) return [{ targets: [], note: 'the Gateway API is not served' }];
  return Promise.all(refs.map((ref) => parentRefTargets(lookup, ref, certificate.namespace)));
};

const serviceTargets = async (view: ClusterView, namespace: string, name: string): Promise<Found> => {
  const service: KubeObject | undefined = await view.get('services', namespace, name);
  if (!service) return { targets: [], note: `Service ${namespace}/${name} does not exist` };
  const ingress = arrayOf(recordOf(statusOf(service).loadBalancer).ingress).map(recordOf);
  const values = ingress.flatMap((entry) => [textOf(entry.ip), textOf(entry.hostname)]).filter((value): value is string => value !== undefined);
  if (values.length === 0) return { targets: [], note: `Service ${namespace}/${name} has no status.loadBalancer.ingress` };
  return { targets: values.map((value) => targetOf(value, `service ${namespace}/${name}`)) };
};

const ingressSolverTargets = async (view: ClusterView, settings: CertificateDnsSettings): Promise<Found[]> => {
  if (settings.ingress.services.length === 0) return [{ targets: [], note: 'no ingress.services are configured' }];
  return Promise.all(settings.ingress.services.map((ref) => serviceTargets(view, ref.namespace, ref.name)));
};

/** Every value once, first source kept. */
const unique = (targets: Target[]): Target[] => {
  const seen = new Set<string>();
  return targets.filter((target) => !seen.has(target.value) && Boolean(seen.add(target.value)));
};

export const ingressTargetsFor = async (
  solver: AcmeSolver,
  certificate: JudgedCertificate,
  settings: CertificateDnsSettings,
  view: ClusterView,
  self?: KubeObject,
): Promise<IngressTargets> => {
  const found = solver.http01?.gatewayHTTPRoute ? await gatewaySolverTargets({ view, self }, solver, certificate) : await ingressSolverTargets(view, settings);
  const targets = unique([...found.flatMap((item) => item.targets), ...staticTargets(settings)]);
  const notes = found.map((item) => item.note).filter((note): note is string => Boolean(note));
  return { targets, notes: [...new Set(notes)] };
};
