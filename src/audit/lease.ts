// Leader election over a coordination.k8s.io/v1 Lease, the way client-go's leaderelection does it:
// the API server's optimistic concurrency (resourceVersion) is the lock, so with several replicas
// exactly one holds the Lease and audits. Released on shutdown (holder emptied) so another replica
// takes over at its next try instead of waiting for the lease to expire.
import { apiErrorOf, type RequestOptions } from '../cluster/live/kube-client.ts';
import type { Requester } from './report-writer.ts';

// client-go's defaults are 15 s lease / 2 s retry; auditing is not urgent, so a slower retry is fine.
export const LEASE_DURATION_SECONDS = 15;

type LeaseSpec = { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number };
type Lease = { metadata?: { name?: string; namespace?: string; resourceVersion?: string }; spec?: LeaseSpec };

/** metav1.MicroTime: RFC 3339 with microseconds. */
export const microTime = (date: Date): string => date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

const TIMEOUT_MS = 5000;

export type LeaseOptions = { client: Requester; namespace: string; name: string; identity: string; now?: () => Date };

export class LeaderLease {
  readonly #options: LeaseOptions;
  #held = false;

  constructor(options: LeaseOptions) {
    this.#options = options;
  }

  get isLeader(): boolean {
    return this.#held;
  }

  get #path(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${this.#options.namespace}/leases`;
  }

  #call(path: string, options: Omit<RequestOptions, 'timeoutMs'> = {}) {
    return this.#options.client.request(path, { timeoutMs: TIMEOUT_MS, ...options });
  }

  #isFree(spec: LeaseSpec | undefined, now: Date): boolean {
    if (!spec?.holderIdentity) return true;
    const renewed = spec.renewTime ? new Date(spec.renewTime).getTime() : 0;
    return renewed + (spec.leaseDurationSeconds ?? LEASE_DURATION_SECONDS) * 1000 < now.getTime();
  }

  /** Acquires or renews; true while this replica holds the Lease. A conflict (409) means another won. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const now = (this.#options.now ?? (() => new Date()))();
    const { name, namespace, identity } = this.#options;
    const current = await this.#call(`${this.#path}/${name}`);
    if (current.status === 404) {
      const spec: LeaseSpec = {
        holderIdentity: identity,
        leaseDurationSeconds: LEASE_DURATION_SECONDS,
        acquireTime: microTime(now),
        renewTime: microTime(now),
        leaseTransitions: 0,
      };
      const created = await this.#call(this.#path, {
        method: 'POST',
        body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec },
      });
      return this.#settle(created.status, created.body, 'creating');
    }
    if (current.status !== 200) return this.#settle(current.status, current.body, 'reading');
    const lease = current.body as Lease;
    const mine = lease.spec?.holderIdentity === identity;
    if (!mine && !this.#isFree(lease.spec, now)) return (this.#held = false);
    const spec: LeaseSpec = {
      ...lease.spec,
      holderIdentity: identity,
      leaseDurationSeconds: LEASE_DURATION_SECONDS,
      renewTime: microTime(now),
      ...(mine ? {} : { acquireTime: microTime(now), leaseTransitions: (lease.spec?.leaseTransitions ?? 0) + 1 }),
    };
    const updated = await this.#call(`${this.#path}/${name}`, {
      method: 'PUT',
      body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: lease.metadata, spec },
    });
    return this.#settle(updated.status, updated.body, 'updating');
  }

  #settle(status: number, body: unknown, doing: string): boolean {
    if (status === 409) return (this.#held = false);
    if (status >= 300) {
      this.#held = false;
      throw new Error(`${doing} Lease ${this.#options.namespace}/${this.#options.name}: ${apiErrorOf(status, body).message}`);
    }
    return (this.#held = true);
  }

  /** Empties the holder if it is us, so the next replica takes over at once. */
  async release(): Promise<void> {
    if (!this.#held) return;
    this.#held = false;
    const current = await this.#call(`${this.#path}/${this.#options.name}`);
    const lease = current.body as Lease;
    if (current.status !== 200 || lease.spec?.holderIdentity !== this.#options.identity) return;
    const spec: LeaseSpec = { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(new Date()) };
    await this.#call(`${this.#path}/${this.#options.name}`, {
      method: 'PUT',
      body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: lease.metadata, spec },
    });
  }
}
