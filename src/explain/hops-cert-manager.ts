// cert-manager's own account, as `cmctl status certificate` shows it: the Certificate's
// conditions, its latest CertificateRequest, that request's Order and the Order's Challenges
// (each controller-owned by the one before: audit/challenges.ts cites cert-manager's code), then
// the solver HTTPRoutes of those Challenges with the status their Gateway controller wrote, and
// the namespace's solver cap (acme-solver-cap's numbers and sentence).
import type { ChallengeState } from '../audit/challenges.ts';
import { challengeText } from '../audit/not-ready.ts';
import { arrayOf, recordOf, specOf, statusOf, stringOf, textOf } from '../kube/accessors.ts';
import type { KubeObject, OwnerReference } from '../kube/object.ts';
import { clusterCapReached, namespaceCapReached } from '../policies/acme-solver-cap/messages.ts';
import { getNamespaceCap } from '../policies/acme-solver-cap/cap.ts';
import { challengeOwnerOf, countSolvers, tallySolvers } from '../policies/acme-solver-cap/solvers.ts';
import { RESOURCES } from '../cluster/resources.ts';
import { conditionOf, conditionsOf, describeCondition, oneLine } from '../kube/conditions.ts';
import type { ExplainContext } from './context.ts';
import { ReadError } from './source.ts';
import * as messages from './messages.ts';
import type { Hop } from './model.ts';

export type Records = { request?: KubeObject; order?: KubeObject; challenges: KubeObject[] };

const controlledBy = (object: KubeObject, kind: string, name: string | undefined): boolean =>
  Boolean(name) &&
  ((object.metadata?.ownerReferences ?? []) as OwnerReference[]).some((ref) => ref.controller === true && ref.kind === kind && ref.name === name);

const revisionOf = (request: KubeObject): number => Number(request.metadata?.annotations?.['cert-manager.io/certificate-revision'] ?? 0) || 0;

const latest = (objects: KubeObject[], by: (object: KubeObject) => number | string): KubeObject | undefined =>
  [...objects].sort((a, b) => (by(a) < by(b) ? 1 : by(a) > by(b) ? -1 : 0))[0];

/** The latest CertificateRequest (highest revision), its Order and the Order's Challenges: three namespaced lists. */
export const recordsOf = async (context: ExplainContext, certificate: KubeObject): Promise<Records> => {
  const namespace = certificate.metadata?.namespace ?? 'default';
  const requests = (await context.view.sourceList('CertificateRequest', namespace)).filter((request) =>
    controlledBy(request, 'Certificate', certificate.metadata?.name),
  );
  const request = latest(requests, (candidate) => revisionOf(candidate) * 1e13 + Date.parse(candidate.metadata?.creationTimestamp ?? '0'));
  if (!request) return { challenges: [] };
  const orders = (await context.view.sourceList('Order', namespace)).filter((order) => controlledBy(order, 'CertificateRequest', request.metadata?.name));
  const order = latest(orders, (candidate) => candidate.metadata?.creationTimestamp ?? '');
  if (!order) return { request, challenges: [] };
  const challenges = (await context.view.sourceList('Challenge', namespace)).filter((challenge) => controlledBy(challenge, 'Order', order.metadata?.name));
  return { request, order, challenges };
};

const challengeStateOf = (challenge: KubeObject): ChallengeState => {
  const spec = specOf(challenge);
  const status = statusOf(challenge);
  const state: ChallengeState = {
    namespace: challenge.metadata?.namespace ?? 'default',
    name: challenge.metadata?.name ?? '',
    dnsName: stringOf(spec.dnsName) ?? '',
  };
  const type = textOf(spec.type);
  const reached = textOf(status.state);
  const reason = textOf(status.reason);
  return { ...state, ...(type ? { type } : {}), ...(reached ? { state: reached } : {}), ...(reason ? { reason } : {}) };
};

const FAILED = new Set(['invalid', 'errored', 'expired']);

const recordDetails = (records: Records): string[] => {
  const details: string[] = [];
  if (records.request)
    details.push(
      `CertificateRequest ${records.request.metadata?.name} (revision ${revisionOf(records.request)}): ${conditionsOf(statusOf(records.request)).map(describeCondition).join(', ') || 'no conditions'}`,
    );
  if (records.order)
    details.push(
      `Order ${records.order.metadata?.name}: state ${textOf(statusOf(records.order).state) ?? '(none)'}${textOf(statusOf(records.order).reason) ? `, reason "${oneLine(textOf(statusOf(records.order).reason) ?? '')}"` : ''}`,
    );
  for (const challenge of records.challenges.map(challengeStateOf)) {
    details.push(
      `Challenge ${challenge.name} for ${challenge.dnsName} (${challenge.type ?? '?'}): state ${challenge.state ?? '(none)'}${challenge.reason ? `, reason "${oneLine(challenge.reason)}"` : ''}`,
    );
  }
  return details;
};

/** The failing record, as a clause of the not-Ready sentence: a Challenge, else the Order, else the request. */
const whyOf = (records: Records): { failed: boolean; why: string } => {
  const challenges = records.challenges.map(challengeStateOf).filter((challenge) => challenge.state !== 'valid');
  const failedChallenges = challenges.filter((challenge) => FAILED.has(challenge.state ?? ''));
  if (challenges.length > 0) return { failed: failedChallenges.length > 0, why: challengeText(failedChallenges.length > 0 ? failedChallenges : challenges) };
  const orderState = textOf(statusOf(records.order).state);
  if (records.order && FAILED.has(orderState ?? ''))
    return {
      failed: true,
      why: `, and its Order ${records.order.metadata?.name} is "${orderState}": "${oneLine(textOf(statusOf(records.order).reason) ?? '')}"`,
    };
  const requestReady = records.request ? conditionOf(statusOf(records.request), 'Ready') : undefined;
  const denied = records.request ? conditionOf(statusOf(records.request), 'Denied') : undefined;
  if (denied?.status === 'True')
    return { failed: true, why: `, and its CertificateRequest ${records.request?.metadata?.name} is denied: ${describeCondition(denied)}` };
  if (requestReady?.status === 'False' && requestReady.reason === 'Failed')
    return { failed: true, why: `, and its CertificateRequest ${records.request?.metadata?.name} failed: ${describeCondition(requestReady)}` };
  return { failed: false, why: '' };
};

export const certManagerHop = (certificate: KubeObject, records: Records): Hop => {
  const name = `Certificate ${certificate.metadata?.namespace}/${certificate.metadata?.name}`;
  const conditions = conditionsOf(statusOf(certificate));
  const details = [...conditions.map(describeCondition), ...recordDetails(records)];
  const ready = conditionOf(statusOf(certificate), 'Ready');
  if (ready?.status === 'True')
    return {
      hop: 'cert-manager',
      status: 'ok',
      summary: `${name}: Ready${textOf(statusOf(certificate).notAfter) ? `, expires ${textOf(statusOf(certificate).notAfter)}` : ''}`,
      details,
    };
  const { failed, why } = whyOf(records);
  const issuing = conditionOf(statusOf(certificate), 'Issuing');
  const status = failed || (!issuing && ready?.status === 'False' && records.request === undefined) ? 'broken' : 'pending';
  const message = messages.certificateNotReady({ namespace: certificate.metadata?.namespace ?? 'default', name: certificate.metadata?.name ?? '' }, ready, why);
  return { hop: 'cert-manager', status, summary: `${name}: not Ready${ready?.reason ? ` (${ready.reason})` : ''}`, message, details };
};

const parentName = (ref: Record<string, unknown>, namespace: string): string =>
  `${stringOf(ref.kind) ?? 'Gateway'} ${stringOf(ref.namespace) ?? namespace}/${stringOf(ref.name) ?? ''}${stringOf(ref.sectionName) ? ` (listener ${stringOf(ref.sectionName)})` : ''}`;

/** Each solver route with the Accepted condition each parent's controller wrote (status.parents[]). */
export const solverRouteHop = async (context: ExplainContext, namespace: string, records: Records): Promise<Hop> => {
  const names = new Set(records.challenges.map((challenge) => challenge.metadata?.name));
  const routes = (await context.view.fetch('solver-httproutes', namespace)).filter((route) =>
    ((route.metadata?.ownerReferences ?? []) as OwnerReference[]).some((ref) => ref.kind === 'Challenge' && names.has(ref.name)),
  );
  const pending = records.challenges.map(challengeStateOf).filter((challenge) => challenge.state !== 'valid' && challenge.type !== 'DNS-01');
  if (routes.length === 0) {
    if (pending.length === 0) return { hop: 'solver-route', status: 'skipped', summary: 'no pending HTTP-01 Challenge: no solver route needed', details: [] };
    return {
      hop: 'solver-route',
      status: 'pending',
      summary: `no solver HTTPRoute yet for ${pending.length} pending Challenges`,
      message: `no solver HTTPRoute exists yet in namespace "${namespace}" for Challenge ${pending[0]?.name}: cert-manager creates it when it presents the challenge`,
      details: [],
    };
  }
  const details: string[] = [];
  let broken: string | undefined;
  for (const route of routes) {
    const owner = ((route.metadata?.ownerReferences ?? []) as OwnerReference[]).find((ref) => ref.kind === 'Challenge')?.name ?? '';
    const parents = arrayOf(statusOf(route).parents).map(recordOf);
    const routeName = { namespace, name: route.metadata?.name ?? '' };
    if (parents.length === 0) {
      details.push(`HTTPRoute ${routeName.name}: no parent status`);
      broken ??= messages.routeUnattached(routeName, owner);
    }
    for (const parent of parents) {
      const accepted = conditionOf(parent, 'Accepted');
      const where = parentName(recordOf(parent.parentRef), namespace);
      details.push(
        `HTTPRoute ${routeName.name} → ${where}: ${accepted ? describeCondition(accepted) : 'no Accepted condition'} (${stringOf(parent.controllerName) ?? 'unknown controller'})`,
      );
      if (accepted?.status === 'False') broken ??= messages.routeNotAccepted(routeName, owner, where, accepted, stringOf(parent.controllerName));
    }
  }
  const summary = `${routes.length} solver HTTPRoutes for this Certificate's Challenges`;
  return broken
    ? { hop: 'solver-route', status: 'broken', summary, message: broken, details }
    : { hop: 'solver-route', status: 'ok', summary: `${summary}: accepted`, details };
};

type CapVerdict = { reached: boolean; summary: string; details: string[]; message?: string; unreadable?: string };

const namespaceCap = async (context: ExplainContext, namespace: string, records: Records): Promise<CapVerdict> => {
  const settings = context.config.policies['acme-solver-cap'];
  await context.view.fetch('solver-httproutes', namespace);
  const { owned, unowned } = tallySolvers(countSolvers(context.view, RESOURCES['solver-httproutes'], namespace));
  const { value: cap, fromAnnotation } = await getNamespaceCap(context.view, namespace, settings);
  const details = [
    `${owned} solver HTTPRoutes owned by Challenges in namespace ${namespace}${unowned > 0 ? ` (${unowned} more without a Challenge owner, not counted)` : ''}`,
    `cap ${cap} (${fromAnnotation ? settings.namespaceAnnotation : 'maxPerNamespace'})`,
  ];
  if (owned < cap) return { reached: false, summary: `namespace ${namespace}: ${owned} of ${cap} solver HTTPRoutes (headroom ${cap - owned})`, details };
  const challenge = records.challenges[0]?.metadata?.name;
  const message = namespaceCapReached({
    kind: 'HTTPRoute',
    plural: 'httproutes',
    namespace,
    cap,
    capFromAnnotation: fromAnnotation,
    annotation: settings.namespaceAnnotation,
    challenge,
  });
  return { reached: true, summary: `namespace ${namespace}: ${owned} of ${cap} solver HTTPRoutes, no headroom`, details, message };
};

/** maxClusterWide, counted as the policy counts it (Challenge-owned solver routes of every namespace): one label-selected list. */
const clusterCap = async (context: ExplainContext): Promise<CapVerdict> => {
  const cap = context.config.policies['acme-solver-cap'].maxClusterWide;
  let routes: KubeObject[];
  try {
    routes = await context.view.fetchAll('solver-httproutes');
  } catch (error) {
    // A user who may list one namespace only still gets its headroom: the cluster's is "cannot read".
    if (!(error instanceof ReadError) || error.unreachable) throw error;
    return { reached: false, summary: `cluster: ${error.message}`, details: [], unreadable: error.message };
  }
  const owned = routes.filter((route) => challengeOwnerOf(route) !== undefined).length;
  const details = [`${owned} solver HTTPRoutes owned by Challenges in the cluster, cap ${cap} (maxClusterWide)`];
  if (owned < cap) return { reached: false, summary: `cluster: ${owned} of ${cap} (headroom ${cap - owned})`, details };
  return {
    reached: true,
    summary: `cluster: ${owned} of ${cap}, no headroom`,
    details,
    message: clusterCapReached({ kind: 'HTTPRoute', plural: 'httproutes', cap }),
  };
};

/**
 * The namespace's headroom and the cluster's, as acme-solver-cap counts them. In warn mode the cap
 * refuses no route: reached, it is said, not counted as broken.
 */
export const solverCapHop = async (context: ExplainContext, namespace: string, records: Records): Promise<Hop> => {
  const settings = context.config.policies['acme-solver-cap'];
  if (settings.mode === 'off') return { hop: 'solver-cap', status: 'skipped', summary: 'acme-solver-cap is off', details: [] };
  const local = await namespaceCap(context, namespace, records);
  const cluster = await clusterCap(context);
  const summary = `${local.summary}, ${cluster.summary}`;
  const details = [...local.details, ...cluster.details];
  const message = local.message ?? cluster.message;
  if (!message)
    return cluster.unreadable
      ? { hop: 'solver-cap', status: 'unreadable', summary, message: cluster.unreadable, details }
      : { hop: 'solver-cap', status: 'ok', summary, details };
  if (settings.mode === 'warn') return { hop: 'solver-cap', status: 'ok', summary: `${summary} (acme-solver-cap warns only)`, details: [...details, message] };
  return { hop: 'solver-cap', status: 'broken', summary, message, details };
};
