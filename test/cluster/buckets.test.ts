// A namespace of metadata-only objects stored column by column and sorted by name: lookups,
// counts and the order a list or the watch brings objects in.
import t from 'tap';
import type { KubeObject } from '../../src/kube/object.ts';
import { MetadataBucket } from '../../src/cluster/live/buckets.ts';
import { RESOURCES } from '../../src/cluster/resources.ts';

const CONTEXT = { info: RESOURCES['solver-httproutes'], apiVersion: 'gateway.networking.k8s.io/v1' };
const CHALLENGE = 'acme.cert-manager.io/Challenge';

const route = (name: string, owner?: string, labels: Record<string, string> = { 'acme.cert-manager.io/http01-solver': 'true' }): KubeObject => ({
  metadata: { name, namespace: 'app', labels, ownerReferences: owner ? [{ apiVersion: 'acme.cert-manager.io/v1', kind: 'Challenge', name: owner, uid: 'u' }] : undefined },
});

const namesOf = (bucket: MetadataBucket): string[] => {
  const found: KubeObject[] = [];
  bucket.list(undefined, found);
  return found.map((object) => object.metadata?.name ?? '');
};

t.test('a list in any order, with a name listed twice, is sorted once and keeps the later record', async (t) => {
  const bucket = new MetadataBucket('app', CONTEXT, true);
  for (const [name, owner] of [['m', 'c-m'], ['b', undefined], ['z', 'c-z'], ['b', 'c-b'], ['a', undefined]] as const) bucket.upsert(name, route(name, owner));
  bucket.seal();
  t.strictSame(namesOf(bucket), ['a', 'b', 'm', 'z']);
  t.equal(bucket.size, 4);
  t.equal(bucket.get('b')?.metadata?.ownerReferences?.[0]?.name, 'c-b', 'the later record of "b"');
  t.equal(bucket.count(undefined, CHALLENGE), 3, 'owners counted once per object');
  t.equal(bucket.get('a')?.metadata?.namespace, 'app');
  t.equal(bucket.get('nope'), undefined);
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
  for (const [name, version] of [['m', '12'], ['b', '5'], ['z', 'opaque-7'], ['b', '9'], ['a', '9007199254740993']] as const) bucket.upsert(name, versioned(name, version));
  bucket.seal();
  t.strictSame(['a', 'b', 'm', 'z'].map((name) => bucket.version(name)), ['9007199254740993', '9', '12', 'opaque-7'], 'the later "b"; past 2^53 and non-numeric kept as written');
  bucket.upsert('c', versioned('c', '13'));
  bucket.upsert('z', versioned('z', '14'));
  bucket.remove('b');
  t.strictSame(['a', 'b', 'c', 'm', 'z'].map((name) => bucket.version(name)), ['9007199254740993', undefined, '13', '12', '14']);
  t.equal(bucket.get('c')?.metadata?.resourceVersion, undefined, 'handed-out objects still carry no resourceVersion');
});
