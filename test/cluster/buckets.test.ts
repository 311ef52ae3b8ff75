// A namespace of metadata-only objects stored column by column and sorted by name: lookups,
// counts and the order a list or the watch brings objects in.
import fc from 'fast-check';
import t from 'tap';
import type { KubeObject, OwnerReference } from '../../src/kube/object.ts';
import { MetadataBucket, ObjectBucket } from '../../src/cluster/live/buckets.ts';
import { objectOf, recordOf } from '../../src/cluster/live/metadata-entry.ts';
import { RESOURCES } from '../../src/cluster/resources.ts';

const CONTEXT = { info: RESOURCES['solver-httproutes'], apiVersion: 'gateway.networking.k8s.io/v1' };
const CHALLENGE = 'acme.cert-manager.io/Challenge';

const route = (name: string, owner?: string, labels: Record<string, string> = { 'acme.cert-manager.io/http01-solver': 'true' }): KubeObject => ({
  metadata: {
    name,
    namespace: 'app',
    labels,
    ownerReferences: owner ? [{ apiVersion: 'acme.cert-manager.io/v1', kind: 'Challenge', name: owner, uid: 'u' }] : undefined,
  },
});

const namesOf = (bucket: MetadataBucket): string[] => {
  const found: KubeObject[] = [];
  bucket.list(undefined, found);
  return found.map((object) => object.metadata?.name ?? '');
};

t.test('a list in any order, with a name listed twice, is sorted once and keeps the later record', async (t) => {
  const bucket = new MetadataBucket('app', CONTEXT, true);
  for (const [name, owner] of [
    ['m', 'c-m'],
    ['b', undefined],
    ['z', 'c-z'],
    ['b', 'c-b'],
    ['a', undefined],
  ] as const)
    bucket.upsert(name, route(name, owner));
  bucket.seal();
  t.strictSame(namesOf(bucket), ['a', 'b', 'm', 'z']);
  t.equal(bucket.size, 4);
  t.equal(bucket.get('b')?.metadata?.ownerReferences?.[0]?.name, 'c-b', 'the later record of "b"');
  t.equal(bucket.count(undefined, CHALLENGE), 3, 'owners counted once per object');
  t.equal(bucket.get('a')?.metadata?.namespace, 'app');
  t.equal(bucket.get('nope'), undefined);
  t.same([bucket.has('a'), bucket.has('b'), bucket.has('nope')], [true, true, false]);
});

t.test('after the list, the watch inserts, replaces and removes in place', async (t) => {
  const bucket = new MetadataBucket('app', CONTEXT, true);
  for (const name of ['b', 'd', 'f']) bucket.upsert(name, route(name, `c-${name}`));
  bucket.seal();
  bucket.upsert('a', route('a'));
  bucket.upsert('e', route('e', 'c-e'));
  bucket.upsert('d', route('d'));
  bucket.remove('f');
  bucket.remove('never-there');
  t.strictSame(namesOf(bucket), ['a', 'b', 'd', 'e']);
  t.equal(bucket.count(undefined, CHALLENGE), 2, 'b and e: d lost its owner, f is gone');
  t.equal(bucket.count(undefined, undefined), 4);
  t.equal(bucket.get('d')?.metadata?.ownerReferences, undefined);
});

t.test('objects of different shapes in one namespace keep their own labels and owners', async (t) => {
  const bucket = new MetadataBucket('app', CONTEXT, false);
  bucket.upsert('b', route('b', 'c-b'));
  bucket.upsert('c', route('c', 'c-c'));
  bucket.upsert('a', route('a', undefined, { 'acme.cert-manager.io/http01-solver': 'true', 'certguard.io/mark': 'x' }));
  bucket.upsert('c', route('c', undefined));
  t.strictSame(namesOf(bucket), ['a', 'b', 'c']);
  t.strictSame(bucket.get('a')?.metadata?.labels, { 'acme.cert-manager.io/http01-solver': 'true', 'certguard.io/mark': 'x' });
  t.equal(bucket.get('b')?.metadata?.ownerReferences?.[0]?.name, 'c-b');
  t.equal(bucket.get('c')?.metadata?.ownerReferences, undefined);
  t.equal(bucket.count({ 'certguard.io/mark': 'x' }, undefined), 1);
  t.equal(bucket.count({ 'acme.cert-manager.io/http01-solver': 'true' }, CHALLENGE), 1);
  bucket.remove('a');
  t.strictSame(namesOf(bucket), ['b', 'c']);
  t.strictSame(bucket.get('b')?.metadata?.labels, { 'acme.cert-manager.io/http01-solver': 'true' });
});

t.test('keeps each object resourceVersion (what Secret content verdicts are keyed by), in any order and any form', async (t) => {
  const bucket = new MetadataBucket('app', CONTEXT, true);
  const versioned = (name: string, resourceVersion: string): KubeObject => ({ metadata: { ...route(name).metadata, resourceVersion } });
  for (const [name, version] of [
    ['m', '12'],
    ['b', '5'],
    ['z', 'opaque-7'],
    ['b', '9'],
    ['a', '9007199254740993'],
  ] as const)
    bucket.upsert(name, versioned(name, version));
  bucket.seal();
  t.strictSame(
    ['a', 'b', 'm', 'z'].map((name) => bucket.version(name)),
    ['9007199254740993', '9', '12', 'opaque-7'],
    'the later "b"; past 2^53 and non-numeric kept as written',
  );
  bucket.upsert('c', versioned('c', '13'));
  bucket.upsert('z', versioned('z', '14'));
  bucket.remove('b');
  t.strictSame(
    ['a', 'b', 'c', 'm', 'z'].map((name) => bucket.version(name)),
    ['9007199254740993', undefined, '13', '12', '14'],
  );
  t.equal(bucket.get('c')?.metadata?.resourceVersion, undefined, 'handed-out objects still carry no resourceVersion');
});

t.test('any sequence of list upserts, watch upserts and removes answers as a map by name would', async (t) => {
  // Prefixes of each other, under and over 13 characters (V8 slices or copies), beyond Latin-1.
  const name = fc.constantFrom('a', 'ab', 'b', 'cm-acme-http-solver-abcde', 'cm-acme-http-solver-abcdf', 'cm-acme-http-solver-abcd', 'z-é', 'z-€', '😀', '');
  const owner = (name: string) => ({ apiVersion: 'acme.cert-manager.io/v1', kind: 'Challenge', name, uid: 'u' });
  const metadata = fc.record({
    owners: fc.constantFrom<OwnerReference[]>(
      [],
      [owner('app-1-tls-1-2-3')],
      [owner('')],
      [owner('c-x'), { apiVersion: 'v1', kind: 'Pod', name: 'p', uid: 'v' }],
    ),
    annotations: fc.constantFrom<Record<string, string> | undefined>(
      undefined,
      { 'cert-manager.io/certificate-name': 'app-1-tls' },
      { 'cert-manager.io/certificate-name': '' },
      { 'cert-manager.io/certificate-name': 'c', 'certguard.io/note': 'two €' },
    ),
    mark: fc.boolean(),
    version: fc.constantFrom(undefined, '7', '12345678901', 'opaque'),
    deleting: fc.boolean(),
  });
  type Step =
    | { kind: 'upsert'; name: string; metadata: typeof metadata extends fc.Arbitrary<infer M> ? M : never }
    | { kind: 'remove'; name: string }
    | { kind: 'seal' }
    | { kind: 'check' };
  const step: fc.Arbitrary<Step> = fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('upsert' as const), name, metadata }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('remove' as const), name }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'seal' as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'check' as const }) },
  );
  const NAMES = ['a', 'ab', 'b', 'cm-acme-http-solver-abcde', 'cm-acme-http-solver-abcdf', 'cm-acme-http-solver-abcd', 'z-é', 'z-€', '😀', '', 'nope'];
  const MARK = { 'certguard.io/mark': 'x' };
  const check = (bucket: MetadataBucket, model: Map<string, KubeObject>): void => {
    const sorted = [...model.keys()].sort();
    t.strictSame(namesOf(bucket), sorted);
    t.equal(bucket.size, model.size);
    for (const name of NAMES) {
      const object = model.get(name);
      const expected = object ? objectOf(recordOf(object.metadata!), CONTEXT.info, CONTEXT.apiVersion, 'app', name) : undefined;
      t.strictSame(bucket.get(name), expected, `get(${name})`);
      t.equal(bucket.version(name), object?.metadata?.resourceVersion, `version(${name})`);
      t.equal(bucket.has(name), object !== undefined, `has(${name})`);
    }
    const owned = (object: KubeObject) => (object.metadata?.ownerReferences ?? []).some((owner) => owner.kind === 'Challenge');
    const marked = (object: KubeObject) => object.metadata?.labels?.['certguard.io/mark'] === 'x';
    const objects = [...model.values()];
    t.equal(bucket.count(undefined, undefined), objects.length);
    t.equal(bucket.count(undefined, CHALLENGE), objects.filter(owned).length);
    t.equal(bucket.count(MARK, CHALLENGE), objects.filter((object) => owned(object) && marked(object)).length);
    const found: KubeObject[] = [];
    bucket.list(MARK, found);
    t.strictSame(
      found.map((object) => object.metadata?.name),
      sorted.filter((name) => marked(model.get(name)!)),
    );
  };
  fc.assert(
    fc.property(fc.boolean(), fc.array(step, { maxLength: 60 }), (loading, steps) => {
      const bucket = new MetadataBucket('app', CONTEXT, loading);
      const model = new Map<string, KubeObject>();
      for (const step of steps) {
        if (step.kind === 'upsert') {
          const { owners, annotations, mark, version, deleting } = step.metadata;
          const object: KubeObject = {
            metadata: {
              name: step.name,
              labels: { 'acme.cert-manager.io/http01-solver': 'true', ...(mark ? MARK : {}) },
              ownerReferences: owners,
              annotations,
              resourceVersion: version,
              creationTimestamp: '2026-01-02T03:04:05Z',
              deletionTimestamp: deleting ? '2026-01-03T00:00:00Z' : undefined,
            },
          };
          bucket.upsert(step.name, object);
          model.set(step.name, object);
        } else if (step.kind === 'remove') {
          bucket.remove(step.name);
          model.delete(step.name);
        } else if (step.kind === 'seal') bucket.seal();
        else check(bucket, model);
      }
      check(bucket, model);
    }),
    { numRuns: 300 },
  );
});

t.test('a bucket of whole objects selects by every label of the selector', async (t) => {
  const bucket = new ObjectBucket('app', { info: RESOURCES.gateways, apiVersion: 'gateway.networking.k8s.io/v1' });
  const labelled = (name: string, labels: Record<string, string>, owner?: string): KubeObject => ({
    metadata: {
      name,
      namespace: 'app',
      labels,
      ownerReferences: owner ? [{ apiVersion: 'acme.cert-manager.io/v1', kind: 'Challenge', name: owner, uid: 'u' }] : undefined,
    },
  });
  bucket.upsert('both', labelled('both', { tier: 'edge', team: 'a' }, 'c-1'));
  bucket.upsert('tier-only', labelled('tier-only', { tier: 'edge' }));
  bucket.upsert('other', labelled('other', { tier: 'core', team: 'a' }, 'c-2'));
  const listed = (labels?: Record<string, string>): string[] => {
    const found: KubeObject[] = [];
    bucket.list(labels, found);
    return found.map((object) => object.metadata?.name ?? '').sort();
  };
  t.strictSame(listed({ tier: 'edge', team: 'a' }), ['both']);
  t.strictSame(listed({ tier: 'edge' }), ['both', 'tier-only']);
  t.strictSame(listed({ team: 'b' }), []);
  t.strictSame(listed(), ['both', 'other', 'tier-only']);
  t.equal(bucket.count({ team: 'a' }, CHALLENGE), 2);
  t.equal(bucket.count({ tier: 'edge', team: 'a' }, CHALLENGE), 1);
  t.equal(bucket.count({ tier: 'edge' }, undefined), 2);
});
