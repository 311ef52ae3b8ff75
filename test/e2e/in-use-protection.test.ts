// tls-secret-in-use on a real API server: deleting a TLS Secret a Gateway or ListenerSet listener
// serves is refused with the policy's message (also on --dry-run=server, and per Secret in
// `kubectl delete --all` and in a real DeleteCollection); removing the listener first, the break
// glass annotation, the garbage collector and the namespace controller get through. Replacing a
// served Secret's content with unusable content is refused too, a valid rotation is not. The same
// for what a Gateway's spec.tls and a BackendTLSPolicy use: a client CA ConfigMap, a backend CA
// ConfigMap, a backend client certificate Secret — the chart's CEL matchCondition sends a ConfigMap
// with a "ca.crt" key, and kubectl shows the policy's message.
//
// The garbage collector and the namespace controller are first played by impersonation (kubectl
// --as, the usernames kube-controller-manager uses with --use-service-account-credentials) over the
// same API calls they make — the garbage collector a DELETE per object, the namespace controller a
// DeleteCollection of the namespace's Secrets (k8s.io/kubernetes pkg/controller/namespace/deletion,
// metadata client) — so each path is asserted on its own; then the real kube-controller-manager the
// harness runs empties a namespace whose Secret a listener serves (`kubectl delete namespace`).
import { join } from 'node:path';
import t from 'tap';
import type { KubeObject } from '../../src/kube/object.ts';
import { readdirSync, readFileSync } from 'node:fs';
import { parseManifests, readManifests } from '../../src/cluster/manifest-view.ts';
import { readExpected } from '../helpers/policy-fixtures.ts';
import type { Cluster } from './harness/cluster.ts';
import { gateway, httpsListener, namespace, yamlOf } from './harness/objects.ts';
import { waitFor } from './harness/processes.ts';
import { startStack } from './harness/stack.ts';

const FIXTURES = join(import.meta.dirname, '../../src/policies/tls-secret-in-use/fixtures');
const GC = 'system:serviceaccount:kube-system:generic-garbage-collector';
const NAMESPACE_CONTROLLER = 'system:serviceaccount:kube-system:namespace-controller';
const WEBHOOK = 'tls-secret-in-use.certguard.io';

type Obj = Record<string, unknown>;

const denial = (namespace: string, name: string, listener: string): string =>
  `secret "${namespace}/${name}" is the certificate of a TLS listener: ${listener}. ` +
  'Without it that listener has no certificate to serve. Remove or change the listener first, or delete it anyway after ' +
  `"kubectl annotate secret ${name} -n ${namespace} certguard.io/allow-delete='<reason>'" (it counts only for a user allowed verb use on breakglass.certguard.io "tls-secret-in-use" in namespace "${namespace}", and the reason goes to certguard's decision log and the audit log).`;

const APP_DENIAL = denial('traefik', 'app-tls', 'Gateway traefik/web listener "websecure-app" (hostname app.example.com)');
const SHOP_DENIAL = denial('certs', 'shop-tls', 'Gateway traefik/web listener "websecure-shop" (hostname shop.example.com)');

/** The fixtures' messages are stated for breakGlass.authorization: annotation; the stack runs rbac. */
const gated = (message: string, namespace: string): string =>
  message.replace(
    "(the reason goes to certguard's decision log and the audit log).",
    `(it counts only for a user allowed verb use on breakglass.certguard.io "tls-secret-in-use" in namespace "${namespace}", and the reason goes to certguard's decision log and the audit log).`,
  );

/** Each update fixture: the object (Secret or ConfigMap) as stored, then the update. */
const updateFixtures = (): { name: string; stored: KubeObject; updated: KubeObject }[] =>
  ['update/bad', 'update/good'].flatMap((folder) =>
    readdirSync(join(FIXTURES, folder))
      .sort()
      .map((file) => {
        const name = `${folder}/${file}`;
        const [stored, updated] = parseManifests(readFileSync(join(FIXTURES, name), 'utf8'), name);
        if (!stored || !updated) throw new Error(`${name}: needs the stored object and the update`);
        return { name, stored, updated };
      }),
  );

const replace = async (cluster: Cluster, object: KubeObject, ...flags: string[]) => {
  const result = await cluster.kubectl(['replace', ...flags, '-f', '-'], { input: yamlOf(object as Obj) });
  // The API server's own warnings on kubernetes.io/tls content ("Warning: tls: private key does
  // not match public key"): it warns, and stores the Secret all the same.
  return { ...result, stderr: result.stderr.replace(/^Warning: tls: .*\n/gm, ''), apiServerWarned: /^Warning: tls: /m.test(result.stderr) };
};

/** The stored state of a fixture, whatever is there now: the break glass lets a test set up unusable content. */
const storedState = (stored: KubeObject): KubeObject => ({
  ...stored,
  metadata: { ...stored.metadata, annotations: { 'certguard.io/allow-unusable': 'e2e: the stored state of a fixture' } },
});

const replaceForbidden = (message: string): string =>
  `Error from server (Forbidden): error when replacing "STDIN": admission webhook "${WEBHOOK}" denied the request: ${message}\n`;

const forbidden = (message: string): string => `Error from server (Forbidden): admission webhook "${WEBHOOK}" denied the request: ${message}\n`;

const tlsSecret = (ns: string, name: string, annotations?: Record<string, string>): Obj => ({
  apiVersion: 'v1',
  kind: 'Secret',
  type: 'kubernetes.io/tls',
  metadata: { namespace: ns, name, ...(annotations ? { annotations } : {}) },
  stringData: { 'tls.crt': 'not-a-certificate', 'tls.key': 'not-a-key' },
});

const secretNames = async (cluster: Cluster, ns: string): Promise<string[]> => {
  const got = await cluster.kubectl(['get', 'secrets', '-n', ns, '-o', 'jsonpath={.items[*].metadata.name}']);
  return got.stdout.split(' ').filter(Boolean).sort();
};

const apply = async (cluster: Cluster, ...objects: Obj[]) => {
  const applied = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(...objects) });
  if (applied.code !== 0) throw new Error(`apply failed: ${applied.stderr}`);
};

/** certguard's index follows the watch a moment after an apply: poll a dry run until it answers `expect`. */
const waitForVerdict = (cluster: Cluster, ns: string, name: string, expect: 'denied' | 'allowed', kind: 'secret' | 'configmap' = 'secret') =>
  waitFor(
    `a dry-run delete of ${kind} ${ns}/${name} to be ${expect}`,
    async () => {
      const result = await cluster.kubectl(['delete', kind, name, '-n', ns, '--dry-run=server']);
      return (expect === 'denied' ? result.stderr.includes(WEBHOOK) : result.code === 0) ? true : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 200 },
  );

t.test('tls-secret-in-use on a real API server', async (t) => {
  // gateway-listener-tls only warns here: the fixtures' Secrets hold no real certificate, and one
  // listener's cross-namespace ref is deliberately not permitted.
  const { cluster, certguard } = await startStack(t, { config: { policies: { 'gateway-listener-tls': { mode: 'warn' } } }, failurePolicy: 'Fail' });
  const state = await readManifests([join(FIXTURES, 'cluster.yaml')]);
  const bad = await readManifests([join(FIXTURES, 'bad')]);
  const good = await readManifests([join(FIXTURES, 'good')]);
  const isNamespace = (object: KubeObject) => object.kind === 'Namespace';
  await apply(cluster, ...(state.filter(isNamespace) as Obj[]));
  await apply(
    cluster,
    ...([...bad, ...good] as Obj[]),
    tlsSecret('traefik', 'unused-2-tls'),
    tlsSecret('certs', 'extra-tls'),
    tlsSecret('certs', 'zz-spare-tls'),
  );
  await apply(cluster, ...(state.filter((object) => !isNamespace(object)) as Obj[]));
  await waitForVerdict(cluster, 'traefik', 'app-tls', 'denied');
  await waitForVerdict(cluster, 'apps', 'api-tls', 'denied');
  await waitForVerdict(cluster, 'mtls', 'client-ca', 'denied', 'configmap');
  await waitForVerdict(cluster, 'mtls', 'backend-ca', 'denied', 'configmap');

  await t.test(
    'fixtures: a dry-run delete of every bad/ object is denied with the message fixtures/expected.yaml states, of every good/ one allowed',
    async (t) => {
      const expected = readExpected('tls-secret-in-use');
      const check = async (name: string, object: KubeObject) => {
        const { namespace: ns = '', name: objectName = '' } = object.metadata ?? {};
        const kind = (object.kind ?? '').toLowerCase();
        const result = await cluster.kubectl(['delete', kind, objectName, '-n', ns, '--dry-run=server']);
        const violations = expected.get(name)?.[0]?.violations ?? [];
        if (violations.length === 0)
          t.same([result.code, result.stdout, result.stderr], [0, `${kind} "${objectName}" deleted (server dry run)\n`, ''], `${name}: allowed`);
        else t.same([result.code, result.stderr], [1, forbidden(gated(violations.join('; '), ns))], `${name}: denied, the message verbatim`);
      };
      for (const verdict of ['bad', 'good']) {
        for (const file of readdirSync(join(FIXTURES, verdict)).sort()) {
          const name = `${verdict}/${file}`;
          const [object] = parseManifests(readFileSync(join(FIXTURES, name), 'utf8'), name);
          if (!object) throw new Error(`${name}: no object`);
          await check(name, object);
        }
      }
      t.match(
        certguard.logs(),
        /"operation":"DELETE","kind":"core\/ConfigMap","object":"mtls\/unused-ca"/,
        'the API server sent the delete of a ConfigMap nothing references (it has "ca.crt") to certguard, which allowed it',
      );
    },
  );

  await t.test('update fixtures: kubectl replace --dry-run=server of each update gets the verdict fixtures/expected.yaml states', async (t) => {
    const expected = readExpected('tls-secret-in-use');
    for (const { name, stored, updated } of updateFixtures()) {
      const ns = stored.metadata?.namespace ?? '';
      const restored = await replace(cluster, storedState(stored));
      t.equal(restored.code, 0, `${name}: the stored object is in place\n${restored.stderr}`);
      const verdict = expected.get(name)?.[0] ?? { violations: [], warnings: [] };
      const result = await replace(cluster, updated, '--dry-run=server');
      if (verdict.violations.length > 0)
        t.same([result.code, result.stderr], [1, replaceForbidden(gated(verdict.violations.join('; '), ns))], `${name}: denied`);
      else t.same([result.code, result.stderr], [0, verdict.warnings.map((warning) => `Warning: ${warning}\n`).join('')], `${name}: allowed`);
    }
  });

  await t.test(
    'kubectl replace of a served Secret with a key of another certificate is refused, naming the listener; a valid rotation goes through',
    async (t) => {
      const fixtures = updateFixtures();
      const mismatch = fixtures.find((fixture) => fixture.name === 'update/bad/key-mismatch.yaml');
      const rotation = fixtures.find((fixture) => fixture.name === 'update/good/rotation.yaml');
      if (!mismatch || !rotation) throw new Error('the key-mismatch and rotation fixtures');
      t.equal((await replace(cluster, mismatch.stored)).code, 0, 'a usable certificate is in place');
      const refused = await replace(cluster, mismatch.updated);
      t.equal(refused.code, 1);
      t.equal(
        refused.stderr,
        replaceForbidden(
          'secret "traefik/app-tls" is the certificate of a TLS listener: Gateway traefik/web listener "websecure-app" (hostname app.example.com). ' +
            'This update would make it unusable for that listener: data.tls.key: "tls.key" does not match the certificate in "tls.crt". ' +
            'Fix: put the private key that belongs to the certificate in "tls.key", or reissue both together, or remove or change the listener first, ' +
            "or update it anyway with the annotation certguard.io/allow-unusable='<reason>' on the updated Secret " +
            `(it counts only for a user allowed verb use on breakglass.certguard.io "tls-secret-in-use" in namespace "traefik", and the reason goes to certguard's decision log and the audit log).`,
        ),
        'the message, verbatim',
      );
      const stored = await cluster.kubectl(['get', 'secret', 'app-tls', '-n', 'traefik', '-o', 'jsonpath={.data.tls\\.key}']);
      t.equal(
        Buffer.from(stored.stdout, 'base64').toString(),
        (mismatch.stored as { stringData: Record<string, string> }).stringData['tls.key'],
        'the stored key is unchanged',
      );
      const rotated = await replace(cluster, rotation.updated);
      t.same([rotated.code, rotated.stdout, rotated.stderr], [0, 'secret/app-tls replaced\n', ''], 'a new certificate with its key is allowed');
    },
  );

  await t.test(
    "a client CA ConfigMap a Gateway's spec.tls uses: kubectl delete and a leaf-only replace are refused, naming the Gateway and field; a rotation to another CA goes through",
    async (t) => {
      const fixtures = updateFixtures();
      const leafOnly = fixtures.find((fixture) => fixture.name === 'update/bad/client-ca-leaf-only.yaml');
      const rotation = fixtures.find((fixture) => fixture.name === 'update/good/client-ca-rotation.yaml');
      if (!leafOnly || !rotation) throw new Error('the client-ca-leaf-only and client-ca-rotation fixtures');
      const field = 'Gateway mtls/web spec.tls.frontend.default.validation.caCertificateRefs[0] (client CA bundle)';
      const how = `(it counts only for a user allowed verb use on breakglass.certguard.io "tls-secret-in-use" in namespace "mtls", and the reason goes to certguard's decision log and the audit log).`;
      t.equal((await replace(cluster, leafOnly.stored)).code, 0, 'a bundle with a valid CA is in place');
      const refused = await replace(cluster, leafOnly.updated);
      t.equal(refused.code, 1);
      t.equal(
        refused.stderr,
        replaceForbidden(
          `configmap "mtls/client-ca" is referenced by a TLS field: ${field}. ` +
            'This update would make it unusable for that field: data.ca.crt: none of the 1 certificates in "ca.crt" is a CA certificate (basicConstraints CA:TRUE). ' +
            `Fix: put the certificate of the CA that issues your clients' certificates, not a leaf, in "ca.crt", or remove or change the field first, ` +
            `or update it anyway with the annotation certguard.io/allow-unusable='<reason>' on the updated ConfigMap ${how}`,
        ),
        'the message, verbatim',
      );
      const caOf = async () => (await cluster.kubectl(['get', 'configmap', 'client-ca', '-n', 'mtls', '-o', 'jsonpath={.data.ca\\.crt}'])).stdout;
      const storedCa = (leafOnly.stored as { data: Record<string, string> }).data['ca.crt'];
      t.equal(await caOf(), storedCa, 'the stored CA bundle is unchanged');
      const deleted = await cluster.kubectl(['delete', 'configmap', 'client-ca', '-n', 'mtls']);
      t.same([deleted.code, deleted.stdout], [1, '']);
      t.equal(
        deleted.stderr,
        forbidden(
          `configmap "mtls/client-ca" is referenced by a TLS field: ${field}. Without it that field does not resolve. ` +
            `Remove or change the field first, or delete it anyway after "kubectl annotate configmap client-ca -n mtls certguard.io/allow-delete='<reason>'" ${how}`,
        ),
        'kubectl delete: the message, verbatim',
      );
      const rotated = await replace(cluster, rotation.updated);
      t.same([rotated.code, rotated.stdout, rotated.stderr], [0, 'configmap/client-ca replaced\n', ''], 'a bundle with another valid CA is allowed');
      t.equal(await caOf(), (rotation.updated as { data: Record<string, string> }).data['ca.crt'], 'and stored');
    },
  );

  await t.test('a BackendTLSPolicy CA ConfigMap is not deleted, one nothing references is; one without "ca.crt" is never sent', async (t) => {
    const deleted = await cluster.kubectl(['delete', 'configmap', 'backend-ca', '-n', 'mtls']);
    t.same([deleted.code, deleted.stdout], [1, ''], 'refused');
    t.equal(
      deleted.stderr,
      forbidden(gated(readExpected('tls-secret-in-use').get('bad/backendtlspolicy-ca.yaml')?.[0]?.violations[0] ?? 'no message stated', 'mtls')),
      'the message, verbatim',
    );
    await apply(cluster, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'mtls', name: 'plain-settings' }, data: { 'settings.yaml': 'a: 1' } });
    const plain = await cluster.kubectl(['delete', 'configmap', 'plain-settings', '-n', 'mtls']);
    t.same([plain.code, plain.stdout, plain.stderr], [0, 'configmap "plain-settings" deleted\n', ''], 'a ConfigMap without "ca.crt" is deleted');
    const unused = await cluster.kubectl(['delete', 'configmap', 'unused-ca', '-n', 'mtls']);
    t.same([unused.code, unused.stdout, unused.stderr], [0, 'configmap "unused-ca" deleted\n', ''], 'a CA ConfigMap nothing references is deleted');
    t.match(
      certguard.logs(),
      /"operation":"DELETE","kind":"core\/ConfigMap","object":"mtls\/unused-ca","user":"[^"]*","dryRun":false[^\n]*"allowed":true/,
      'the API server sent its delete to certguard, which allowed it',
    );
    t.notMatch(certguard.logs(), /"object":"mtls\/plain-settings"/, "the chart's matchCondition kept the other from certguard (deleted before, not logged)");
    const left = await cluster.kubectl(['get', 'configmaps', '-n', 'mtls', '-o', 'jsonpath={.items[*].metadata.name}']);
    t.same(
      left.stdout
        .split(' ')
        .filter((name) => name !== 'kube-root-ca.crt')
        .sort(),
      ['backend-ca', 'client-ca'],
      'the CA bundles in use are still there',
    );
  });

  await t.test("kubectl replace of a Gateway's backend client certificate with another certificate's key is refused, naming the field", async (t) => {
    const mismatch = updateFixtures().find((fixture) => fixture.name === 'update/bad/backend-client-key-mismatch.yaml');
    if (!mismatch) throw new Error('the backend-client-key-mismatch fixture');
    t.equal((await replace(cluster, mismatch.stored)).code, 0, 'a matching certificate and key are in place');
    const refused = await replace(cluster, mismatch.updated);
    t.same(
      [refused.code, refused.stderr],
      [
        1,
        replaceForbidden(
          'secret "mtls/backend-client-tls" is referenced by a TLS field: Gateway mtls/web spec.tls.backend.clientCertificateRef (backend client certificate). ' +
            'This update would make it unusable for that field: data.tls.key: "tls.key" does not match the certificate in "tls.crt". ' +
            'Fix: put the private key that belongs to the certificate in "tls.key", or reissue both together, or remove or change the field first, ' +
            "or update it anyway with the annotation certguard.io/allow-unusable='<reason>' on the updated Secret " +
            `(it counts only for a user allowed verb use on breakglass.certguard.io "tls-secret-in-use" in namespace "mtls", and the reason goes to certguard's decision log and the audit log).`,
        ),
      ],
      'the message, verbatim',
    );
    const stored = await cluster.kubectl(['get', 'secret', 'backend-client-tls', '-n', 'mtls', '-o', 'jsonpath={.data.tls\\.key}']);
    t.equal(
      Buffer.from(stored.stdout, 'base64').toString(),
      (mismatch.stored as { stringData: Record<string, string> }).stringData['tls.key'],
      'the stored key is unchanged',
    );
  });

  await t.test('kubectl delete of a Secret a Gateway listener serves is refused with the message, dry run too', async (t) => {
    const deleted = await cluster.kubectl(['delete', 'secret', 'app-tls', '-n', 'traefik']);
    t.same([deleted.code, deleted.stdout], [1, '']);
    t.equal(deleted.stderr, forbidden(APP_DENIAL), 'the message, verbatim');
    const dryRun = await cluster.kubectl(['delete', 'secret', 'app-tls', '-n', 'traefik', '--dry-run=server']);
    t.same([dryRun.code, dryRun.stderr], [1, forbidden(APP_DENIAL)], '--dry-run=server: the same denial');
    t.ok((await secretNames(cluster, 'traefik')).includes('app-tls'), 'the Secret is still there');
  });

  await t.test('kubectl delete secrets --all: each Secret gets its own answer', async (t) => {
    const deleted = await cluster.kubectl(['delete', 'secrets', '--all', '-n', 'traefik']);
    t.equal(deleted.code, 1);
    t.equal(deleted.stdout, 'secret "unused-2-tls" deleted\nsecret "unused-tls" deleted\n', 'the unused Secrets go');
    t.equal(deleted.stderr, forbidden(APP_DENIAL), 'the one in use is refused with its message');
    t.same(await secretNames(cluster, 'traefik'), ['app-tls']);
  });

  await t.test('a DeleteCollection is judged per Secret, and stops at the first refusal', async (t) => {
    // kubectl delete --all deletes one by one; DELETE on the collection is what the namespace
    // controller sends. The API server deletes the items in name order, each through admission;
    // its worker gives up at the first error (k8s.io/apiserver registry/generic/registry/store.go,
    // one worker by default: --delete-collection-workers=1), so later Secrets stay.
    const deleted = await cluster.kubectl(['delete', '--raw', '/api/v1/namespaces/certs/secrets']);
    t.equal(deleted.code, 1, deleted.stdout);
    t.equal(deleted.stderr, forbidden(SHOP_DENIAL), `the denial names shop-tls:\n${deleted.stderr}`);
    t.same(
      await secretNames(cluster, 'certs'),
      ['shop-tls', 'zz-spare-tls'],
      'extra-tls (before it) is deleted, shop-tls is refused, zz-spare-tls is never reached',
    );
    t.match(certguard.logs(), /"operation":"DELETE","kind":"core\/Secret","object":"certs\/extra-tls"/, 'the decision log names each Secret of the collection');
  });

  await t.test('the break glass: annotated with a reason, the delete goes through with a warning', async (t) => {
    const annotated = await cluster.kubectl(['annotate', 'secret', 'shop-tls', '-n', 'certs', 'certguard.io/allow-delete=shop moved to the new CDN']);
    t.equal(annotated.code, 0, annotated.stderr);
    await waitFor(
      'the annotated Secret',
      async () => ((await cluster.kubectl(['delete', 'secret', 'shop-tls', '-n', 'certs', '--dry-run=server'])).code === 0 ? true : undefined),
      { timeoutMs: 10_000, intervalMs: 200 },
    );
    const deleted = await cluster.kubectl(['delete', 'secret', 'shop-tls', '-n', 'certs']);
    t.same([deleted.code, deleted.stdout], [0, 'secret "shop-tls" deleted\n']);
    t.equal(
      deleted.stderr,
      'Warning: secret "certs/shop-tls" is the certificate of a TLS listener: Gateway traefik/web listener "websecure-shop" (hostname shop.example.com): ' +
        'deleted anyway (certguard.io/allow-delete: "shop moved to the new CDN")\n',
    );
    t.match(
      certguard.logs(),
      /"in-use-delete-allowed-by":"break-glass"[^\n]*"allow-delete-reason":"shop moved to the new CDN"/,
      'the reason is in the decision log',
    );
  });

  await t.test('the garbage collector and the namespace controller are let through', async (t) => {
    const byGc = await cluster.kubectl(['delete', 'secret', 'api-tls', '-n', 'apps', `--as=${GC}`]);
    t.same(
      [byGc.code, byGc.stdout, byGc.stderr],
      [0, 'secret "api-tls" deleted\n', ''],
      'the garbage collector deletes a Secret a ListenerSet listener serves',
    );
    await apply(cluster, tlsSecret('apps', 'api-tls'));
    await waitForVerdict(cluster, 'apps', 'api-tls', 'denied');
    const byNamespaceController = await cluster.kubectl(['delete', '--raw', '/api/v1/namespaces/apps/secrets', `--as=${NAMESPACE_CONTROLLER}`]);
    t.equal(byNamespaceController.code, 0, byNamespaceController.stderr);
    t.same(await secretNames(cluster, 'apps'), [], "the namespace controller's DeleteCollection empties the namespace");
    t.equal(await certguard.metric('certguard_in_use_deletions_total', { reason: 'garbage-collector' }), 1);
    t.equal(await certguard.metric('certguard_in_use_deletions_total', { reason: 'namespace-deletion' }), 1);
    t.equal(await certguard.metric('certguard_in_use_deletions_total', { reason: 'break-glass' }), 1);
  });

  await t.test('kubectl delete namespace empties a namespace whose TLS Secret a listener serves (the real namespace controller)', async (t) => {
    await apply(
      cluster,
      namespace('leaving'),
      tlsSecret('leaving', 'leaving-tls'),
      gateway('leaving', 'web', [httpsListener('websecure', 'leaving.example.com', 'leaving-tls')]),
    );
    await waitForVerdict(cluster, 'leaving', 'leaving-tls', 'denied');
    const gone = await cluster.kubectl(['delete', 'namespace', 'leaving', '--timeout=60s']);
    t.same([gone.code, gone.stderr], [0, ''], 'the namespace controller deletes the Gateway and the Secret, and the namespace goes');
    const left = await cluster.kubectl(['get', 'namespace', 'leaving', '--ignore-not-found', '-o', 'name']);
    t.equal(left.stdout, '', 'the namespace no longer exists');
    // Whether the Secret went while its Gateway still existed (let through: terminating namespace)
    // or after (nothing uses it) is the namespace controller's order; either way nothing was refused.
    const deletes = certguard
      .logs()
      .split('\n')
      .filter((line) => line.includes('"operation":"DELETE"') && line.includes('"object":"leaving/leaving-tls"') && line.includes('"dryRun":false'));
    t.ok(
      deletes.length > 0 && deletes.every((line) => line.includes('"allowed":true')),
      `certguard let the namespace controller's deletes through:\n${deletes.join('\n')}`,
    );
  });

  await t.test('kube-system is never sent to certguard: an in-use Secret there can be deleted', async (t) => {
    const grant = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'ReferenceGrant',
      metadata: { namespace: 'certs', name: 'allow-kube-system' },
      spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'kube-system' }], to: [{ group: '', kind: 'Secret' }] },
    };
    const system = gateway('kube-system', 'web', [httpsListener('websecure', 'system.example.com', 'system-tls')]) as { spec: { listeners: Obj[] } };
    system.spec.listeners.push({
      name: 'websecure-certs',
      port: 443,
      protocol: 'HTTPS',
      hostname: 'certs.example.com',
      tls: { certificateRefs: [{ name: 'probe-tls', namespace: 'certs' }] },
    });
    await apply(cluster, tlsSecret('kube-system', 'system-tls'), tlsSecret('certs', 'probe-tls'), grant, system);
    // The same Gateway's ref into certs is judged: once it is denied, certguard has indexed the Gateway.
    await waitForVerdict(cluster, 'certs', 'probe-tls', 'denied');
    const deleted = await cluster.kubectl(['delete', 'secret', 'system-tls', '-n', 'kube-system']);
    t.same([deleted.code, deleted.stdout, deleted.stderr], [0, 'secret "system-tls" deleted\n', ''], 'the chart excludes kube-system in every webhook');
  });

  await t.test('after the listener is removed, the delete succeeds', async (t) => {
    const patched = await cluster.kubectl([
      'patch',
      'gateway',
      'web',
      '-n',
      'traefik',
      '--type=json',
      '-p',
      '[{"op":"test","path":"/spec/listeners/1/name","value":"websecure-app"},{"op":"remove","path":"/spec/listeners/1"}]',
    ]);
    t.equal(patched.code, 0, patched.stderr);
    await waitForVerdict(cluster, 'traefik', 'app-tls', 'allowed');
    const deleted = await cluster.kubectl(['delete', 'secret', 'app-tls', '-n', 'traefik']);
    t.same([deleted.code, deleted.stdout, deleted.stderr], [0, 'secret "app-tls" deleted\n', '']);
  });

  t.notOk(certguard.logs().includes('not-a-certificate'), 'the Secret data (in every DELETE’s oldObject) is never logged');
  t.notOk(/BEGIN (RSA )?PRIVATE KEY|not a certificate/.test(certguard.logs()), 'nor the data of an UPDATE’s object and oldObject');
});
