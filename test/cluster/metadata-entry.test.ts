// What a metadata-only object keeps in the cache, and what it looks like when handed out again.
import t from 'tap';
import type { ObjectMeta } from '../../src/kube/object.ts';
import { isKeptAnnotation, isKeptLabel, objectOf, recordOf } from '../../src/cluster/live/metadata-entry.ts';
import { RESOURCES, SOLVER_LABEL } from '../../src/cluster/resources.ts';
import { PLACEHOLDER_SELECTOR, SENTINEL_ISSUER } from '../../src/policies/gateway-listener-tls/placeholder-labels.ts';

const roundTrip = (metadata: ObjectMeta) => objectOf(recordOf(metadata), RESOURCES.secrets, 'v1', 'app', metadata.name ?? 'x').metadata;

t.test('keeps what readers use and hands it back unchanged', async (t) => {
  const cases: Array<{ name: string; metadata: ObjectMeta; kept: ObjectMeta }> = [
    {
      name: "a cert-manager Secret keeps its certificate-name annotation only (issuer-name only while it is certguard's sentinel)",
      metadata: {
        name: 'a',
        creationTimestamp: '2025-03-01T10:00:00Z',
        labels: { 'controller.cert-manager.io/fao': 'true' },
        annotations: { 'cert-manager.io/certificate-name': 'a', 'cert-manager.io/issuer-name': 'le' },
        uid: 'u',
        resourceVersion: '9',
      },
      kept: { name: 'a', namespace: 'app', creationTimestamp: '2025-03-01T10:00:00Z', annotations: { 'cert-manager.io/certificate-name': 'a' } },
    },
    {
      name: 'a placeholder cert-manager has not replaced yet keeps the sentinel issuer-name',
      metadata: {
        name: 'q',
        labels: { 'certguard.io/placeholder': 'true' },
        annotations: { 'cert-manager.io/issuer-name': 'certguard.io/placeholder', 'cert-manager.io/issuer-kind': 'CertguardPlaceholder' },
      },
      kept: {
        name: 'q',
        namespace: 'app',
        labels: { 'certguard.io/placeholder': 'true' },
        annotations: { 'cert-manager.io/issuer-name': 'certguard.io/placeholder' },
      },
    },
    {
      name: 'a placeholder keeps its marks and certguard annotations',
      metadata: {
        name: 'p',
        labels: { 'certguard.io/placeholder': 'true', 'app.kubernetes.io/managed-by': 'certguard', team: 'web' },
        annotations: { 'certguard.io/placeholder-for': 'Gateway a/b', 'certguard.io/created-at': '2025-03-01T10:00:00.123Z' },
      },
      kept: {
        name: 'p',
        namespace: 'app',
        labels: { 'app.kubernetes.io/managed-by': 'certguard', 'certguard.io/placeholder': 'true' },
        annotations: { 'certguard.io/placeholder-for': 'Gateway a/b', 'certguard.io/created-at': '2025-03-01T10:00:00.123Z' },
      },
    },
    {
      name: 'one owner: apiVersion, kind, name and controller, without uid or blockOwnerDeletion',
      metadata: {
        name: 'r',
        ownerReferences: [{ apiVersion: 'acme.cert-manager.io/v1', kind: 'Challenge', name: 'c-1', uid: 'u', controller: true }],
        annotations: { 'certguard.io/x': 'y' },
      },
      kept: {
        name: 'r',
        namespace: 'app',
        annotations: { 'certguard.io/x': 'y' },
        ownerReferences: [{ apiVersion: 'acme.cert-manager.io/v1', kind: 'Challenge', name: 'c-1', controller: true }],
      },
    },
    {
      name: 'several owners, a deletion in progress',
      metadata: {
        name: 's',
        deletionTimestamp: '2025-03-02T00:00:00Z',
        ownerReferences: [
          { apiVersion: 'v1', kind: 'ConfigMap', name: 'one', uid: 'u1' },
          { apiVersion: 'acme.cert-manager.io/v1', kind: 'Challenge', name: 'two', uid: 'u2', controller: false },
        ],
      },
      kept: {
        name: 's',
        namespace: 'app',
        deletionTimestamp: '2025-03-02T00:00:00Z',
        ownerReferences: [
          { apiVersion: 'v1', kind: 'ConfigMap', name: 'one' },
          { apiVersion: 'acme.cert-manager.io/v1', kind: 'Challenge', name: 'two', controller: false },
        ],
      },
    },
    {
      name: "a creation time not in the API's form is kept as written (Date.parse would roll it over)",
      metadata: { name: 't', creationTimestamp: '2025-02-30T00:00:00Z' },
      kept: { name: 't', namespace: 'app', creationTimestamp: '2025-02-30T00:00:00Z' },
    },
    {
      name: 'so is one with fractions',
      metadata: { name: 'u', creationTimestamp: '2025-03-01T10:00:00.5Z' },
      kept: { name: 'u', namespace: 'app', creationTimestamp: '2025-03-01T10:00:00.5Z' },
    },
  ];
  for (const entry of cases) t.strictSame(roundTrip(entry.metadata), entry.kept, entry.name);
});

t.test('objects of one shape share their labels and owner kind', async (t) => {
  const owner = (name: string) => [{ apiVersion: 'acme.cert-manager.io/v1', kind: 'Challenge', name, uid: name, controller: true }];
  const first = recordOf({ labels: { [SOLVER_LABEL]: 'true', 'acme.cert-manager.io/http-token': '1' }, ownerReferences: owner('a') });
  const second = recordOf({ labels: { [SOLVER_LABEL]: 'true', 'acme.cert-manager.io/http-token': '2' }, ownerReferences: owner('b') });
  t.equal(first.shape, second.shape);
  t.strictSame([first.strings, second.strings], ['a', 'b'], 'only the owner names are their own');
  t.equal(first.created, -1);
});

t.test('keeps every label a policy or gauge selects metadata-only objects by', async (t) => {
  for (const key of [SOLVER_LABEL, ...Object.keys(PLACEHOLDER_SELECTOR)]) t.ok(isKeptLabel(key), key);
  t.notOk(isKeptLabel('acme.cert-manager.io/http-domain'), "a solver route's per-object hashes are dropped");
});

t.test('hands out frozen objects', async (t) => {
  const object = objectOf(recordOf({ name: 'f', labels: { 'certguard.io/placeholder': 'true' } }), RESOURCES.secrets, 'v1', 'app', 'f');
  t.ok(Object.isFrozen(object) && Object.isFrozen(object.metadata) && Object.isFrozen(object.metadata?.labels));
});

t.test('keeps the sentinel issuer-name placeholders carry, and no other issuer-name', async (t) => {
  t.ok(isKeptAnnotation('cert-manager.io/issuer-name', SENTINEL_ISSUER.name));
  t.notOk(isKeptAnnotation('cert-manager.io/issuer-name', 'letsencrypt-prod'), 'a real issuer name is dropped');
  t.notOk(isKeptAnnotation('kubectl.kubernetes.io/last-applied-configuration', '{"data":{}}'));
});
