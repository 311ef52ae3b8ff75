// gateway-listener-tls: a Gateway (or ListenerSet) listener that terminates TLS must reference a
// certificate the controller can load: otherwise the listener serves no certificate, the Gateway's
// status says it is broken (Traefik ≤ 3.0 dropped the whole Gateway: incidents 000/001), and an HTTP-01
// challenge answered through it may never complete. In placeholder mode a missing, permitted
// Secret that cert-manager will issue (issuance.ts) is planned as a self-signed placeholder
// instead of denied; complete.ts performs the create. A listener whose hostname its certificate
// does not cover only gets a warning (coverage.ts). A Gateway's other TLS references (client CA
// bundles, the backend client certificate) and a BackendTLSPolicy's CA bundles are judged alike,
// without placeholders (tls-refs.ts).
import type { KubeObject } from '../../kube/object.ts';
import { validityWindow } from '../../certs/x509.ts';
import type { ClusterView } from '../../cluster/view.ts';
import type { PlannedSecret, Policy, PolicyRequest, PolicyResult } from '../types.ts';
import { changedListeners, coverageWarning } from './coverage.ts';
import { judgeRefs, type JudgeContext, type Verdict } from './judge.ts';
import * as messages from './messages.ts';
import type { Site } from './messages.ts';
import { issuanceOf, type Issuance, type IssuanceContext } from './issuance.ts';
import { buildPlaceholderSecret, generatePlaceholderCertificate, type GeneratePlaceholder, type PlaceholderTarget } from './placeholder.ts';
import { isBeingDeleted } from '../../kube/accessors.ts';
import { listenerOwnerOf, refKey, tlsListenersOf, type CertRef, type Listener, type ListenerOwner } from '../../kube/gateway.ts';
import { GATEWAY_GROUP } from '../../kube/groups.ts';
import { checkListenerSetAttachment } from './listener-sets.ts';
import { GATEWAY_LISTENER_TLS, type GatewayListenerTlsSettings } from './settings.ts';
import { gatewayListenerTlsAudit } from './audit.ts';
import { checkBackendTlsPolicy, checkGatewayTlsRefs } from './tls-refs.ts';

export type GatewayListenerTlsDeps = {
  /** The clock for certificate expiry and placeholder validity (tests pin it). */
  now?: () => Date;
  /** Key and certificate for a placeholder (tests swap the key generation for a fixed pair). */
  generatePlaceholder?: GeneratePlaceholder;
};

/** `heal`: every listener using this Secret kept a ref the request did not change. */
type Planned = { site: Site; target: PlaceholderTarget; heal: boolean };

type Collected = { violations: string[]; warnings: string[]; placeholders: Map<string, Planned> };

type Run = { settings: GatewayListenerTlsSettings; now: Date; generate: GeneratePlaceholder };

const GATEWAY_VERSIONS = new Set(['v1', 'v1beta1']);

/** Gateway v1/v1beta1, ListenerSet or BackendTLSPolicy v1, on CREATE or UPDATE. */
export const isListenerOwnerRequest = (request: PolicyRequest): boolean => {
  const { group, version, kind } = request.kind;
  if (group !== GATEWAY_GROUP || (request.operation !== 'CREATE' && request.operation !== 'UPDATE')) return false;
  return (kind === 'Gateway' && GATEWAY_VERSIONS.has(version)) || kind === 'ListenerSet' || (kind === 'BackendTLSPolicy' && version === 'v1');
};

// One array for all of them, not one per listener: a review allocates little besides its answer.
const sitesOf = (owner: ListenerOwner, listeners: Listener[]): Site[] => {
  const sites: Site[] = [];
  for (const listener of listeners) listener.tls?.certificateRefs.forEach((ref, refIndex) => sites.push({ owner, listener, refIndex, ref }));
  return sites;
};

/** Identity of a ref on a listener, to tell an UPDATE's new refs from the ones it kept. */
const listenerRefKey = (listenerName: string, ref: CertRef): string => `${listenerName}\u0000${refKey(ref)}`;

/** The refs the object carried before this UPDATE (empty for CREATE): those are only warned about. */
const previousRefKeys = (request: PolicyRequest, owner: ListenerOwner): Set<string> => {
  if (request.operation !== 'UPDATE' || !request.oldObject) return new Set();
  return new Set(sitesOf(owner, tlsListenersOf(request.oldObject, owner.namespace)).map((site) => listenerRefKey(site.listener.name, site.ref)));
};

/** The sentence for a broken ref (certguard explain names its hop with it). */
export const messageFor = (verdict: Exclude<Verdict, { code: 'ok' }>, site: Site, issuance: Issuance, settings: GatewayListenerTlsSettings): string => {
  switch (verdict.code) {
    case 'unsupported':
      return messages.unsupportedKind(site);
    case 'not-permitted':
      return messages.notPermitted(site);
    case 'missing':
      return messages.missingSecret(site, issuance, settings.mode === 'placeholder');
    case 'unusable':
      return messages.unusableSecret(site, verdict.problem);
  }
};

/** One placeholder per Secret, however many listeners share it; its SANs cover all their hostnames. */
const planPlaceholder = (collected: Collected, site: Site, isNew: boolean, issuance: Issuance): void => {
  const { ref, listener, owner } = site;
  const key = `${ref.namespace}/${ref.name}`;
  const filler = issuance.code === 'managed' ? issuance.filler : undefined;
  const target: PlaceholderTarget = { namespace: ref.namespace, name: ref.name, owner, listenerNames: [], hostnames: [], ...(filler ? { filler } : {}) };
  const planned = collected.placeholders.get(key) ?? { site, target, heal: true };
  if (isNew && planned.heal) Object.assign(planned, { site, heal: false });
  collected.placeholders.set(key, planned);
  if (!planned.target.listenerNames.includes(listener.name)) planned.target.listenerNames.push(listener.name);
  if (listener.hostname && !planned.target.hostnames.includes(listener.hostname)) planned.target.hostnames.push(listener.hostname);
};

/** Placeholders stand in only for Secrets cert-manager will issue: for any other, one would hide a typo forever. */
const wantsPlaceholder = (issuance: Issuance, settings: GatewayListenerTlsSettings): boolean =>
  settings.mode === 'placeholder' && (issuance.code === 'managed' || settings.placeholder.forUnmanagedSecrets);

const UNMANAGED: Issuance = { code: 'unmanaged' };

const route = (collected: Collected, site: Site, verdict: Verdict, isNew: boolean, issuance: Issuance, settings: GatewayListenerTlsSettings): void => {
  if (verdict.code === 'ok') return;
  // A missing ref the request kept gets a placeholder too: that heals a Gateway already stuck in
  // incident 000's deadlock on its next update. Its failure only warns: an UPDATE is never denied
  // for a ref it did not change.
  if (verdict.code === 'missing' && wantsPlaceholder(issuance, settings)) return planPlaceholder(collected, site, isNew, issuance);
  const message = messageFor(verdict, site, issuance, settings);
  if (!isNew) collected.warnings.push(messages.alreadyBroken(message));
  else if (verdict.code === 'unusable' && settings.secretContent === 'warn') collected.warnings.push(message);
  else collected.violations.push(message);
};

const isTerminating = (namespace: KubeObject | undefined): boolean =>
  Boolean(namespace?.metadata?.deletionTimestamp) || (namespace?.status as { phase?: string } | undefined)?.phase === 'Terminating';

const failureMessage = (planned: Planned, reason: string): string => {
  const message = messages.placeholderFailed(planned.site, reason);
  return planned.heal ? messages.alreadyBroken(message) : message;
};

const plannedSecret = (planned: Planned, run: Run): PlannedSecret => ({
  type: 'create-secret',
  // Key generation waits for the admission layer: only a Secret really created costs a key.
  buildSecret: () => buildPlaceholderSecret(planned.target, run.settings.placeholder, run.now, run.generate),
  warningOnCreate: messages.placeholderCreated(
    planned.site,
    planned.target.hostnames,
    validityWindow(run.settings.placeholder.validityDays, run.now).notAfter,
    planned.target.filler,
  ),
  denyOnFailure: failureMessage(planned, messages.REASON_SLOT),
  onFailure: planned.heal ? 'warn' : 'deny',
});

/** Placeholders to create; a terminating namespace is refused up front, a dry run only says what would happen. */
const placeholderEffects = async (collected: Collected, request: PolicyRequest, view: ClusterView, run: Run): Promise<PlannedSecret[]> => {
  const creatable: Planned[] = [];
  for (const planned of collected.placeholders.values()) {
    const { namespace } = planned.target;
    if (isTerminating(await view.get('namespaces', undefined, namespace))) {
      (planned.heal ? collected.warnings : collected.violations).push(failureMessage(planned, `namespace "${namespace}" is terminating`));
    } else if (request.dryRun) {
      collected.warnings.push(messages.wouldCreatePlaceholder(planned.site));
    } else {
      creatable.push(planned);
    }
  }
  // A denied request creates nothing (complete.ts).
  if (collected.violations.length > 0) return [];
  return creatable.map((planned) => plannedSecret(planned, run));
};

/**
 * Whether what fills the Secret matters: it is missing, or — for the coverage check of a listener
 * the request changed — it holds a placeholder whose Certificate will replace it.
 */
const needsIssuance = (verdict: Verdict | undefined, changed: boolean): boolean =>
  verdict?.code === 'missing' || (changed && verdict?.code === 'ok' && verdict.served?.placeholder === true);

/** What fills each Secret that needs it, looked up once per Secret. */
const issuancesOf = async (context: IssuanceContext, sites: Site[], verdicts: Verdict[], isChanged: (listener: Listener) => boolean): Promise<Issuance[]> => {
  const bySecret = new Map<string, Promise<Issuance>>();
  const issuances = sites.map((site, index) => {
    if (!needsIssuance(verdicts[index], isChanged(site.listener))) return UNMANAGED;
    const key = `${site.ref.namespace}/${site.ref.name}`;
    let found = bySecret.get(key);
    if (!found) bySecret.set(key, (found = issuanceOf(context, site.ref)));
    return found;
  });
  // Nothing looked up (every Secret present, the usual review): no promise per listener to settle.
  return bySecret.size === 0 ? (issuances as Issuance[]) : Promise.all(issuances);
};

/** The ListenerSet attachment rule (listener-sets.ts), as its setting says. */
const addAttachment = async (
  collected: Collected,
  request: PolicyRequest,
  view: ClusterView,
  owner: ListenerOwner,
  settings: GatewayListenerTlsSettings,
): Promise<void> => {
  if (settings.listenerSetAttachment === 'off') return;
  const found = await checkListenerSetAttachment(request, view, owner);
  (settings.listenerSetAttachment === 'warn' ? collected.warnings : collected.violations).push(...found.violations);
  collected.warnings.push(...found.warnings);
};

/** A BackendTLSPolicy has only its CA bundles to judge (tls-refs.ts). */
const checkBackendTls = async (request: PolicyRequest, view: ClusterView, run: Run, signal?: AbortSignal): Promise<PolicyResult> => {
  const result: PolicyResult = { violations: [], warnings: [] };
  if (isBeingDeleted(request.object)) return result;
  await checkBackendTlsPolicy(request, { view, settings: run.settings, now: run.now, signal }, result);
  return result;
};

const checkOwner = async (request: PolicyRequest, view: ClusterView, run: Run, signal?: AbortSignal): Promise<PolicyResult> => {
  if (request.kind.kind === 'BackendTLSPolicy') return checkBackendTls(request, view, run, signal);
  const owner = listenerOwnerOf(request.kind.kind, request.object, request);
  // A Gateway being deleted only loses finalizers: nothing to judge, nothing to create.
  if (!owner || isBeingDeleted(request.object)) return { violations: [], warnings: [] };
  const sites = sitesOf(owner, tlsListenersOf(request.object, owner.namespace));
  const previous = previousRefKeys(request, owner);
  const context: JudgeContext = { view, owner, settings: run.settings, now: run.now, signal, secrets: new Map() };
  const verdicts = await judgeRefs(
    context,
    sites.map((site) => site.ref),
  );
  const isChanged = changedListeners(request, owner);
  const issuances = await issuancesOf({ view, owner, object: request.object }, sites, verdicts, isChanged);
  const collected: Collected = { violations: [], warnings: [], placeholders: new Map() };
  sites.forEach((site, index) => {
    // A CREATE has no previous refs: no key to build per listener.
    const isNew = previous.size === 0 || !previous.has(listenerRefKey(site.listener.name, site.ref));
    const verdict = verdicts[index] ?? { code: 'ok' };
    const issuance = issuances[index] ?? UNMANAGED;
    route(collected, site, verdict, isNew, issuance, run.settings);
    const uncovered = isChanged(site.listener) ? coverageWarning(site, verdict, issuance) : undefined;
    if (uncovered) collected.warnings.push(uncovered);
  });
  await checkGatewayTlsRefs(request, context, collected);
  await addAttachment(collected, request, view, owner, run.settings);
  const effects = await placeholderEffects(collected, request, view, run);
  const result: PolicyResult = { violations: collected.violations, warnings: collected.warnings };
  if (effects.length > 0) result.effects = effects;
  return result;
};

export const createGatewayListenerTlsPolicy = (settings: GatewayListenerTlsSettings, deps: GatewayListenerTlsDeps = {}): Policy => {
  const now = deps.now ?? (() => new Date());
  const generate = deps.generatePlaceholder ?? generatePlaceholderCertificate;
  return {
    id: GATEWAY_LISTENER_TLS,
    mode: settings.mode,
    // Placeholder mode creates Secrets: only a mutating webhook may have side effects (NoneOnDryRun).
    admission: settings.mode === 'placeholder' ? 'mutating' : 'validating',
    matches: isListenerOwnerRequest,
    audit: gatewayListenerTlsAudit(settings),
    check: (request, view, review) => checkOwner(request, view, { settings, now: now(), generate }, review?.signal),
  };
};
