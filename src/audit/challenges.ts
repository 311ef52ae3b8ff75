// The failing ACME Challenges of a Certificate, for the not-Ready finding: cert-manager's Ready
// condition says "order is in invalid state"; the Challenge says why (a 404 from the solver, a
// DNS record not propagated). A Challenge is controller-owned by its Order, the Order by its
// CertificateRequest, the request by its Certificate (cert-manager v1.21.1:
// pkg/controller/acmeorders/util.go, certificaterequests/acme/acme.go,
// certificates/requestmanager/requestmanager_controller.go: metav1.NewControllerRef each).
import type { KubeObject } from '../kube/object.ts';
import { groupOf } from '../kube/groups.ts';

const ACME_GROUP = 'acme.cert-manager.io';
const CERT_MANAGER_GROUP = 'cert-manager.io';

/** The issuance records the chain runs through: read for the finding, never judged themselves. */
export const ISSUANCE_KINDS = [
  { group: ACME_GROUP, kind: 'Challenge' },
  { group: ACME_GROUP, kind: 'Order' },
  { group: CERT_MANAGER_GROUP, kind: 'CertificateRequest' },
] as const;

const isKind = (object: KubeObject, group: string, kind: string): boolean => object.kind === kind && groupOf(object.apiVersion) === group;

export const isIssuanceRecord = (object: KubeObject): boolean => ISSUANCE_KINDS.some(({ group, kind }) => isKind(object, group, kind));

export type ChallengeState = { namespace: string; name: string; dnsName: string; type?: string; state?: string; reason?: string };

type Owner = { apiVersion?: string; kind?: string; name?: string; uid?: string; controller?: boolean };

/** The controlling owner of `kind` in `group` (the one cert-manager sets). */
const controllerOf = (object: KubeObject, group: string, kind: string): Owner | undefined =>
  (object.metadata?.ownerReferences as Owner[] | undefined)?.find((ref) => ref.controller === true && ref.kind === kind && groupOf(ref.apiVersion) === group);

/** By uid when both sides have one (a re-created owner is another object), else by name (hand-written manifests). */
const isOwner = (ref: Owner | undefined, owner: KubeObject | undefined): boolean => {
  if (!ref || !owner || ref.name !== owner.metadata?.name) return false;
  return !ref.uid || !owner.metadata?.uid || ref.uid === owner.metadata.uid;
};

const keyOf = (namespace: string | undefined, name: string | undefined): string => `${namespace ?? 'default'}/${name ?? ''}`;

const stateOf = (challenge: KubeObject): ChallengeState => {
  const spec = (challenge.spec ?? {}) as { dnsName?: string; type?: string };
  const status = (challenge.status ?? {}) as { state?: string; reason?: string };
  return {
    namespace: challenge.metadata?.namespace ?? 'default',
    name: challenge.metadata?.name ?? '',
    dnsName: spec.dnsName ?? '',
    ...(spec.type ? { type: spec.type } : {}),
    ...(status.state ? { state: status.state } : {}),
    ...(status.reason ? { reason: status.reason } : {}),
  };
};

/** Challenges, Orders and CertificateRequests of one audit, indexed for the walk up to a Certificate. */
export class IssuanceRecords {
  readonly #orders = new Map<string, KubeObject>();
  readonly #requests = new Map<string, KubeObject>();
  readonly #challenges = new Map<string, KubeObject[]>();

  constructor(objects: Iterable<KubeObject>) {
    for (const object of objects) {
      const key = keyOf(object.metadata?.namespace, object.metadata?.name);
      if (isKind(object, ACME_GROUP, 'Challenge')) this.#inNamespace(object.metadata?.namespace ?? 'default').push(object);
      else if (isKind(object, ACME_GROUP, 'Order')) this.#orders.set(key, object);
      else if (isKind(object, CERT_MANAGER_GROUP, 'CertificateRequest')) this.#requests.set(key, object);
    }
  }

  /** The Certificate's Challenges that are not valid (yet), by name. */
  failingChallengesOf(certificate: KubeObject): ChallengeState[] {
    return (this.#challenges.get(certificate.metadata?.namespace ?? 'default') ?? [])
      .filter((challenge) => this.#certificateOwns(certificate, challenge))
      .map(stateOf)
      .filter((challenge) => challenge.state !== 'valid')
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  #inNamespace(namespace: string): KubeObject[] {
    let challenges = this.#challenges.get(namespace);
    if (!challenges) this.#challenges.set(namespace, (challenges = []));
    return challenges;
  }

  #certificateOwns(certificate: KubeObject, challenge: KubeObject): boolean {
    const namespace = challenge.metadata?.namespace;
    const orderRef = controllerOf(challenge, ACME_GROUP, 'Order');
    const order = this.#orders.get(keyOf(namespace, orderRef?.name));
    if (!isOwner(orderRef, order) || !order) return false;
    const requestRef = controllerOf(order, CERT_MANAGER_GROUP, 'CertificateRequest');
    const request = this.#requests.get(keyOf(namespace, requestRef?.name));
    if (!isOwner(requestRef, request) || !request) return false;
    return isOwner(controllerOf(request, CERT_MANAGER_GROUP, 'Certificate'), certificate);
  }
}
