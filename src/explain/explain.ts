// `certguard explain`: from a Gateway, ListenerSet, Certificate or Secret to every chain behind
// it. A Gateway or ListenerSet: one chain per TLS listener certificateRef. A Secret: one chain per
// listener that references it (found by listing Gateways and ListenerSets), or the Secret's own
// chain when none does. A Certificate: as its spec.secretName.
import type { Config } from '../config/schema.ts';
import type { NameResolver } from '../dns/resolver.ts';
import { isCoreSecret, listenerOwnerOf, tlsListenersOf, type ListenerOwner } from '../kube/gateway.ts';
import type { KubeObject } from '../kube/object.ts';
import { specOf, textOf } from '../kube/accessors.ts';
import type { Site } from '../policies/gateway-listener-tls/messages.ts';
import { issuanceOf } from '../policies/gateway-listener-tls/issuance.ts';
import { issuanceHops, listenerChain } from './chain.ts';
import { guard, type ExplainContext } from './context.ts';
import type { CertificatePolicies } from './judged-policies.ts';
import { bareSecretHop } from './hops-secret.ts';
import { concludeChain, EXPLANATION_API_VERSION, worstOf, type Chain, type Explanation, type Target } from './model.ts';
import { ReadView } from './read-view.ts';
import { ReadError, type ExplainSource } from './source.ts';

/** The object asked about does not exist. */
export class NotFoundError extends Error {}

export type ExplainOptions = { source: ExplainSource; config: Config; certificatePolicies: CertificatePolicies; resolver: NameResolver; now: Date };

const sitesOf = (owner: ListenerOwner, object: KubeObject): Site[] =>
  tlsListenersOf(object, owner.namespace).flatMap((listener) =>
    (listener.tls?.certificateRefs ?? []).map((ref, refIndex) => ({ owner, listener, refIndex, ref })),
  );

/** Secrets' namespaces, their Certificates and ReferenceGrants: what the policies list() synchronously. */
const prefetch = async (view: ReadView, namespaces: Iterable<string>): Promise<void> => {
  for (const namespace of new Set(namespaces)) {
    await Promise.all(
      [view.fetch('certificates', namespace), view.fetch('referencegrants', namespace)].map((read) =>
        read.catch((error: unknown) => {
          if (error instanceof ReadError && !error.unreachable) return [];
          throw error;
        }),
      ),
    );
  }
};

const ownerChains = async (context: ExplainContext, kind: 'Gateway' | 'ListenerSet', object: KubeObject): Promise<{ chains: Chain[]; notes: string[] }> => {
  const owner = listenerOwnerOf(kind, object);
  if (!owner) return { chains: [], notes: [] };
  const sites = sitesOf(owner, object);
  await prefetch(
    context.view,
    sites.map((site) => site.ref.namespace),
  );
  const chains: Chain[] = [];
  // One after another: a 25-listener Gateway is 25 small chains sharing the view's reads.
  for (const site of sites) chains.push(await listenerChain(context, site, object));
  const notes =
    sites.length === 0
      ? [`${kind} ${owner.namespace}/${owner.name} has no listener that terminates TLS (HTTPS, or TLS mode Terminate): no certificate to explain`]
      : [];
  return { chains, notes };
};

const usesSecret = (site: Site, namespace: string, name: string): boolean =>
  isCoreSecret(site.ref) && site.ref.namespace === namespace && site.ref.name === name;

/** The listeners that reference the Secret: Gateways and ListenerSets of every namespace (two lists). */
const listenersUsing = async (
  context: ExplainContext,
  namespace: string,
  name: string,
): Promise<{ found: Array<{ site: Site; object: KubeObject }>; notes: string[] }> => {
  const found: Array<{ site: Site; object: KubeObject }> = [];
  const notes: string[] = [];
  for (const kind of ['Gateway', 'ListenerSet'] as const) {
    let objects: KubeObject[] = [];
    try {
      objects = await context.view.sourceList(kind, undefined);
    } catch (error) {
      if (!(error instanceof ReadError) || error.unreachable) throw error;
      notes.push(`${error.message}: listeners of that kind using the Secret are not shown`);
    }
    for (const object of objects) {
      const owner = listenerOwnerOf(kind, object);
      if (owner) for (const site of sitesOf(owner, object)) if (usesSecret(site, namespace, name)) found.push({ site, object });
    }
  }
  return { found, notes };
};

const secretChains = async (context: ExplainContext, namespace: string, name: string): Promise<{ chains: Chain[]; notes: string[] }> => {
  const { found, notes } = await listenersUsing(context, namespace, name);
  await prefetch(context.view, [namespace]);
  if (found.length > 0) {
    const chains: Chain[] = [];
    for (const { site, object } of found) chains.push(await listenerChain(context, site, object));
    return { chains, notes };
  }
  const owner: ListenerOwner = { kind: 'Gateway', namespace, name: '' };
  const ref = { group: '', kind: 'Secret', namespace, name, written: {} };
  const issuance = await issuanceOf({ view: context.view, owner, object: undefined }, ref).catch(() => ({ code: 'unmanaged' as const }));
  const secret = await guard('secret', () => bareSecretHop(context, namespace, name, issuance.code === 'managed'));
  const hops = [secret, ...(await issuanceHops(context, issuance, undefined))];
  return {
    chains: [{ secret: { namespace, name }, ...concludeChain(hops), hops }],
    notes: [...notes, `no Gateway or ListenerSet listener references Secret ${namespace}/${name}`],
  };
};

const getTarget = async (context: ExplainContext, target: Target): Promise<KubeObject> => {
  const object = await context.view.source.get(target.kind, target.namespace, target.name);
  if (!object) throw new NotFoundError(`${target.kind} ${target.namespace}/${target.name} does not exist`);
  return object;
};

export const explain = async (target: Target, options: ExplainOptions): Promise<Explanation> => {
  const context: ExplainContext = {
    view: new ReadView(options.source),
    config: options.config,
    certificatePolicies: options.certificatePolicies,
    resolver: options.resolver,
    now: options.now,
  };
  let result: { chains: Chain[]; notes: string[] };
  if (target.kind === 'Gateway' || target.kind === 'ListenerSet') {
    result = await ownerChains(context, target.kind, await getTarget(context, target));
  } else if (target.kind === 'Certificate') {
    const certificate = await getTarget(context, target);
    result = await secretChains(context, target.namespace, textOf(specOf(certificate).secretName) ?? target.name);
  } else {
    result = await secretChains(context, target.namespace, target.name);
  }
  return {
    apiVersion: EXPLANATION_API_VERSION,
    kind: 'Explanation',
    target,
    status: worstOf(result.chains.map((chain) => chain.status)),
    chains: result.chains,
    notes: result.notes,
  };
};
