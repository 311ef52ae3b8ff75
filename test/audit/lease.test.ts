// Leader election over a Lease, against an API server in a Map: create when absent, renew our own,
// wait while another holder's lease is fresh, take an expired one over, lose on a conflict, release.
import t from 'tap';
import { LeaderLease, microTime } from '../../src/audit/lease.ts';
import type { ApiResponse, RequestOptions } from '../../src/cluster/live/kube-client.ts';

const PATH = '/apis/coordination.k8s.io/v1/namespaces/certguard/leases';

type Lease = { metadata: { name: string; namespace: string; resourceVersion?: string }; spec: Record<string, unknown> };

class FakeLeases {
  lease: Lease | undefined;
  conflict = false;
  #version = 0;

  async request(path: string, options: RequestOptions): Promise<ApiResponse> {
    const method = options.method ?? 'GET';
    if (method === 'GET')
      return this.lease && path === `${PATH}/certguard-audit` ? { status: 200, body: structuredClone(this.lease) } : { status: 404, body: {} };
    const body = structuredClone(options.body) as Lease;
    if (this.conflict || (method === 'PUT' && body.metadata.resourceVersion !== this.lease?.metadata.resourceVersion))
      return { status: 409, body: { message: 'the object has been modified' } };
    this.lease = { ...body, metadata: { ...body.metadata, resourceVersion: String((this.#version += 1)) } };
    return { status: method === 'POST' ? 201 : 200, body: this.lease };
  }
}

const at = (iso: string) => () => new Date(iso);

t.test('microTime has the microseconds metav1.MicroTime carries', async (t) => {
  t.equal(microTime(new Date('2027-01-01T00:00:00.123Z')), '2027-01-01T00:00:00.123000Z');
});

t.test('a Lease: created, renewed, kept from others while fresh, taken over when expired, released', async (t) => {
  const api = new FakeLeases();
  const a = new LeaderLease({ client: api, namespace: 'certguard', name: 'certguard-audit', identity: 'a', now: at('2027-01-01T00:00:00Z') });
  t.equal(await a.tryAcquireOrRenew(), true, 'created: a leads');
  t.same(api.lease?.spec, {
    holderIdentity: 'a',
    leaseDurationSeconds: 15,
    acquireTime: '2027-01-01T00:00:00.000000Z',
    renewTime: '2027-01-01T00:00:00.000000Z',
    leaseTransitions: 0,
  });

  const bFresh = new LeaderLease({ client: api, namespace: 'certguard', name: 'certguard-audit', identity: 'b', now: at('2027-01-01T00:00:10Z') });
  t.equal(await bFresh.tryAcquireOrRenew(), false, "b waits while a's lease is fresh");
  t.equal(api.lease?.spec.holderIdentity, 'a');

  const bLater = new LeaderLease({ client: api, namespace: 'certguard', name: 'certguard-audit', identity: 'b', now: at('2027-01-01T00:00:16Z') });
  t.equal(await bLater.tryAcquireOrRenew(), true, 'b takes over an expired lease');
  t.same([api.lease?.spec.holderIdentity, api.lease?.spec.leaseTransitions, api.lease?.spec.acquireTime], ['b', 1, '2027-01-01T00:00:16.000000Z']);

  api.conflict = true;
  t.equal(await bLater.tryAcquireOrRenew(), false, 'a conflict means another replica won');
  t.equal(bLater.isLeader, false);
  api.conflict = false;
  t.equal(await bLater.tryAcquireOrRenew(), true);

  await bLater.release();
  t.same([api.lease?.spec.holderIdentity, api.lease?.spec.leaseDurationSeconds, bLater.isLeader], ['', 1, false], 'released: holder emptied');
  t.equal(await bFresh.tryAcquireOrRenew(), true, 'an empty holder is free at once');
});
