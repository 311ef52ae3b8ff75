import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { review } from '../../admission/complete.ts';
import type { AdmissionRequest } from '../../admission/types.ts';
import { ManifestView, parseManifests } from '../../cluster/manifest-view.ts';
import type { ResourceId } from '../../cluster/resources.ts';
import type { KubeObject } from '../../kube/object.ts';
import { withoutDeadline, type PolicyRequest, type PolicyResult } from '../types.ts';
import { ViewReadError } from '../../cluster/view.ts';
import type { BreakGlassQuestion } from '../break-glass.ts';
import { createTlsSecretInUsePolicy } from './policy.ts';
import { readExpected } from '../../../test/helpers/policy-fixtures.ts';
import type { InUseDeletionReason } from './system-users.ts';

type Listener = { name: string; hostname?: string; secret?: string; secretNamespace?: string; protocol?: string; mode?: string };

const listenerSpec = (listener: Listener) => ({
  name: listener.name,
  port: 443,
  protocol: listener.protocol ?? 'HTTPS',
  ...(listener.hostname ? { hostname: listener.hostname } : {}),
  tls: {
    ...(listener.mode ? { mode: listener.mode } : {}),
    certificateRefs: listener.secret ? [{ name: listener.secret, ...(listener.secretNamespace ? { namespace: listener.secretNamespace } : {}) }] : [],
  },
});

const gateway = (namespace: string, name: string, listeners: Listener[]): KubeObject => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { namespace, name },
  spec: { gatewayClassName: 'traefik', listeners: listeners.map(listenerSpec) },
});

const listenerSet = (namespace: string, name: string, parent: string, listeners: Listener[]): KubeObject => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'ListenerSet',
  metadata: { namespace, name },
  spec: { parentRef: { name: parent, namespace: 'traefik' }, listeners: listeners.map(listenerSpec) },
});

const grant = (namespace: string, fromNamespace: string, kind = 'Gateway'): KubeObject => ({
  apiVersion: 'gateway.networking.k8s.io/v1beta1',
  kind: 'ReferenceGrant',
  metadata: { namespace, name: `from-${fromNamespace}` },
  spec: { from: [{ group: 'gateway.networking.k8s.io', kind, namespace: fromNamespace }], to: [{ group: '', kind: 'Secret' }] },
});

const namespace = (name: string, terminating = false): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, ...(terminating ? { deletionTimestamp: '2026-11-29T18:00:00Z' } : {}) },
  ...(terminating ? { status: { phase: 'Terminating' } } : {}),
});

const KEY_MATERIAL = 'LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tc2VjcmV0LWtleS1tYXRlcmlhbA==';

/** A Secret as a DELETE's oldObject carries it: with its data. */
const tlsSecret = (ns: string, name: string, annotations?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  type: 'kubernetes.io/tls',
  metadata: { namespace: ns, name, ...(annotations ? { annotations } : {}) },
  data: { 'tls.crt': KEY_MATERIAL, 'tls.key': KEY_MATERIAL },
});

type RequestOptions = { user?: string; dryRun?: boolean; collection?: boolean };

const deleteOf = (secret: KubeObject, options: RequestOptions = {}): PolicyRequest => ({
  operation: 'DELETE',
  kind: { group: '', version: 'v1', kind: secret.kind ?? 'Secret' },
  namespace: secret.metadata?.namespace,
  // A DeleteCollection's per-object request carries no name: only oldObject has it.
  name: options.collection ? undefined : secret.metadata?.name,
  oldObject: secret,
  dryRun: options.dryRun === true,
  userInfo: { username: options.user ?? 'jane@example.com' },
});

const WEB = gateway('traefik', 'web', [
  { name: 'websecure-app', hostname: 'app.example.com', secret: 'app-tls' },
  { name: 'websecure-any', secret: 'app-tls' },
  { name: 'websecure-other', hostname: 'other.example.com', secret: 'other-tls' },
]);

const HOW =
  'Remove or change the listeners first, or delete it anyway after ' +
  `"kubectl annotate secret app-tls -n traefik certguard.io/allow-delete='<reason>'" (the reason goes to certguard's decision log and the audit log).`;

const WEB_DENIAL =
  'secret "traefik/app-tls" is the certificate of 2 TLS listeners: ' +
  'Gateway traefik/web listener "websecure-app" (hostname app.example.com), Gateway traefik/web listener "websecure-any" (any hostname). ' +
  `Without it those listeners have no certificate to serve. ${HOW}`;

const WEB_AUDIT = 'Gateway traefik/web listener "websecure-app" (hostname app.example.com), Gateway traefik/web listener "websecure-any" (any hostname)';

type Case = {
  name: string;
  objects: KubeObject[];
  request: PolicyRequest;
  unsynced?: ResourceId[];
  unserved?: ResourceId[];
  violations?: string[];
  warnings?: string[];
  audit?: Record<string, string>;
  counted?: InUseDeletionReason[];
};

const allowedBy = (reason: InUseDeletionReason, listeners = WEB_AUDIT) => ({ 'in-use-delete-allowed-by': reason, 'in-use-delete-listeners': listeners });

const cases: Case[] = [
  {
    name: 'denies deleting a Secret that listeners of a Gateway in its namespace serve, naming every listener',
    objects: [WEB],
    request: deleteOf(tlsSecret('traefik', 'app-tls')),
    violations: [WEB_DENIAL],
  },
  {
    name: 'denies deleting a Secret a ListenerSet listener serves',
    objects: [listenerSet('app', 'extra', 'web', [{ name: 'api', hostname: 'api.example.com', secret: 'api-tls' }])],
    request: deleteOf(tlsSecret('app', 'api-tls')),
    violations: [
      'secret "app/api-tls" is the certificate of a TLS listener: ListenerSet app/extra listener "api" (hostname api.example.com). ' +
        'Without it that listener has no certificate to serve. Remove or change the listener first, or delete it anyway after ' +
        `"kubectl annotate secret api-tls -n app certguard.io/allow-delete='<reason>'" (the reason goes to certguard's decision log and the audit log).`,
    ],
  },
  {
    name: 'denies deleting a Secret in another namespace that a ReferenceGrant lets a Gateway use',
    objects: [
      gateway('traefik', 'web', [{ name: 'websecure-shop', hostname: 'shop.example.com', secret: 'shop-tls', secretNamespace: 'shop' }]),
      grant('shop', 'traefik'),
    ],
    request: deleteOf(tlsSecret('shop', 'shop-tls')),
    violations: [
      'secret "shop/shop-tls" is the certificate of a TLS listener: Gateway traefik/web listener "websecure-shop" (hostname shop.example.com). ' +
        'Without it that listener has no certificate to serve. Remove or change the listener first, or delete it anyway after ' +
        `"kubectl annotate secret shop-tls -n shop certguard.io/allow-delete='<reason>'" (the reason goes to certguard's decision log and the audit log).`,
    ],
  },
  {
    name: 'allows deleting a Secret in another namespace when no ReferenceGrant permits the ref (the listener already fails)',
    objects: [
      gateway('traefik', 'web', [{ name: 'websecure-shop', hostname: 'shop.example.com', secret: 'shop-tls', secretNamespace: 'shop' }]),
      grant('shop', 'traefik', 'HTTPRoute'),
    ],
    request: deleteOf(tlsSecret('shop', 'shop-tls')),
  },
  {
    name: 'allows deleting a Secret in another namespace when the ReferenceGrant API is not served',
    objects: [gateway('traefik', 'web', [{ name: 'websecure-shop', secret: 'shop-tls', secretNamespace: 'shop' }])],
    unserved: ['referencegrants'],
    request: deleteOf(tlsSecret('shop', 'shop-tls')),
  },
  {
    name: 'allows deleting a Secret no listener references',
    objects: [WEB],
    request: deleteOf(tlsSecret('traefik', 'unused-tls')),
  },
  {
    name: 'allows deleting a Secret of the same name in another namespace than the listener’s',
    objects: [WEB],
    request: deleteOf(tlsSecret('app', 'app-tls')),
  },
  {
    name: 'allows deleting a Secret only a TLS passthrough or HTTP listener names',
    objects: [
      gateway('traefik', 'web', [
        { name: 'pass', protocol: 'TLS', mode: 'Passthrough', secret: 'app-tls' },
        { name: 'plain', protocol: 'HTTP', secret: 'app-tls' },
      ]),
    ],
    request: deleteOf(tlsSecret('traefik', 'app-tls')),
  },
  {
    name: 'break glass: allows the delete with a warning, the reason in the audit annotations, and counts it',
    objects: [WEB],
    request: deleteOf(tlsSecret('traefik', 'app-tls', { 'certguard.io/allow-delete': ' rotating to app-tls-2, listener switches next ' })),
    warnings: [
      'secret "traefik/app-tls" is the certificate of 2 TLS listeners: ' +
        'Gateway traefik/web listener "websecure-app" (hostname app.example.com), Gateway traefik/web listener "websecure-any" (any hostname): ' +
        'deleted anyway (certguard.io/allow-delete: "rotating to app-tls-2, listener switches next")',
    ],
    audit: { ...allowedBy('break-glass'), 'allow-delete-reason': 'rotating to app-tls-2, listener switches next' },
    counted: ['break-glass'],
  },
  {
    name: 'break glass without a reason does not count: denied, with a warning saying why',
    objects: [WEB],
    request: deleteOf(tlsSecret('traefik', 'app-tls', { 'certguard.io/allow-delete': '  ' })),
    violations: [WEB_DENIAL],
    warnings: [
      'secret "traefik/app-tls" has the annotation certguard.io/allow-delete without a reason, so it does not count: ' +
        "give one, e.g. certguard.io/allow-delete='certificate moved to app-tls-2'",
    ],
  },
  {
    name: 'allows the garbage collector (an owner such as a Certificate was deleted) and counts it',
    objects: [WEB],
    request: deleteOf(tlsSecret('traefik', 'app-tls'), { user: 'system:serviceaccount:kube-system:generic-garbage-collector' }),
    audit: allowedBy('garbage-collector'),
    counted: ['garbage-collector'],
  },
  {
    name: 'allows the namespace controller emptying a namespace being deleted, and counts it',
    objects: [WEB],
    request: deleteOf(tlsSecret('traefik', 'app-tls'), { user: 'system:serviceaccount:kube-system:namespace-controller', collection: true }),
    audit: allowedBy('namespace-deletion'),
    counted: ['namespace-deletion'],
  },
  {
    name: 'allows kube-controller-manager running without service account credentials',
    objects: [WEB],
    request: deleteOf(tlsSecret('traefik', 'app-tls'), { user: 'system:kube-controller-manager' }),
    audit: allowedBy('kube-controller-manager'),
    counted: ['kube-controller-manager'],
  },
  {
    name: 'allows any user’s delete in a namespace that is terminating: the Secret goes with it anyway',
    objects: [WEB, namespace('traefik', true)],
    request: deleteOf(tlsSecret('traefik', 'app-tls')),
    audit: allowedBy('namespace-deletion'),
    counted: ['namespace-deletion'],
  },
  {
    name: 'denies in a namespace that is not terminating',
    objects: [WEB, namespace('traefik')],
    request: deleteOf(tlsSecret('traefik', 'app-tls')),
    violations: [WEB_DENIAL],
  },
  {
    name: 'a user that only looks like a system user is denied',
    objects: [WEB],
    request: deleteOf(tlsSecret('traefik', 'app-tls'), { user: 'system:serviceaccount:default:generic-garbage-collector' }),
    violations: [WEB_DENIAL],
  },
  {
    name: 'a dry run gets the same denial',
    objects: [WEB],
    request: deleteOf(tlsSecret('traefik', 'app-tls'), { dryRun: true }),
    violations: [WEB_DENIAL],
  },
  {
    name: 'a dry run by the garbage collector is allowed but not counted',
    objects: [WEB],
    request: deleteOf(tlsSecret('traefik', 'app-tls'), { user: 'system:serviceaccount:kube-system:generic-garbage-collector', dryRun: true }),
    audit: allowedBy('garbage-collector'),
  },
  {
    name: 'a DeleteCollection (no name in the request) is judged by the oldObject’s name',
    objects: [WEB],
    request: deleteOf(tlsSecret('traefik', 'app-tls'), { collection: true }),
    violations: [WEB_DENIAL],
  },
  {
    name: 'allows with a warning while the Gateway cache is not synced',
    objects: [WEB],
    unsynced: ['gateways'],
    request: deleteOf(tlsSecret('traefik', 'app-tls')),
    warnings: [
      'secret "traefik/app-tls" was not checked for TLS listeners and fields that use it: certguard\'s Gateway cache is not synced yet, so the delete is allowed',
    ],
  },
  {
    name: 'allows with a warning while neither cache is synced',
    objects: [],
    unsynced: ['gateways', 'listenersets'],
    request: deleteOf(tlsSecret('traefik', 'unused-tls')),
    warnings: [
      'secret "traefik/unused-tls" was not checked for TLS listeners and fields that use it: certguard\'s Gateway and ListenerSet cache is not synced yet, so the delete is allowed',
    ],
  },
];

const run = async (c: Case): Promise<{ result: PolicyResult; counted: InUseDeletionReason[] }> => {
  const counted: InUseDeletionReason[] = [];
  const policy = createTlsSecretInUsePolicy({ mode: 'enforce' }, { recordAllowedDeletion: (reason) => counted.push(reason) });
  const view = new ManifestView(c.objects, { unsynced: c.unsynced, unserved: c.unserved });
  t.ok(policy.matches(c.request), 'the policy selects a Secret DELETE');
  return { result: await policy.check(c.request, view, withoutDeadline()), counted };
};

for (const c of cases) {
  t.test(c.name, async (t) => {
    const { result, counted } = await run(c);
    t.same(result.violations, c.violations ?? [], 'violations');
    t.same(result.warnings, c.warnings ?? [], 'warnings');
    t.same(result.auditAnnotations, c.audit, 'audit annotations');
    t.same(counted, c.counted ?? [], 'certguard_in_use_deletions_total');
    const said = JSON.stringify(result);
    t.notOk(said.includes(KEY_MATERIAL), 'never the Secret data');
  });
}

t.test('selects DELETE (and UPDATE: update.test.ts) of core Secrets', async (t) => {
  const policy = createTlsSecretInUsePolicy({ mode: 'enforce' });
  const secret = tlsSecret('traefik', 'app-tls');
  t.ok(policy.matches(deleteOf(secret)));
  t.ok(policy.matches({ ...deleteOf(secret), operation: 'UPDATE', object: secret }), 'UPDATE');
  t.notOk(policy.matches({ ...deleteOf(secret), operation: 'CREATE', object: secret }), 'CREATE');
  t.notOk(policy.matches({ ...deleteOf(secret), kind: { group: 'example.com', version: 'v1', kind: 'Secret' } }), 'a Secret kind of another group');
  t.notOk(policy.matches({ ...deleteOf(secret), kind: { group: 'gateway.networking.k8s.io', version: 'v1', kind: 'Gateway' } }), 'a Gateway DELETE');
});

t.test('follows the view: a listener removed or changed stops protecting the Secret', async (t) => {
  const view = new ManifestView([WEB]);
  const policy = createTlsSecretInUsePolicy({ mode: 'enforce' });
  const request = deleteOf(tlsSecret('traefik', 'app-tls'));
  t.equal((await policy.check(request, view, withoutDeadline())).violations.length, 1, 'in use');
  view.add(gateway('traefik', 'web', [{ name: 'websecure-app', hostname: 'app.example.com', secret: 'app-tls-2' }]));
  t.same(await policy.check(request, view, withoutDeadline()), { violations: [], warnings: [] }, 'the listener moved to app-tls-2');
  t.equal((await policy.check(deleteOf(tlsSecret('traefik', 'app-tls-2')), view, withoutDeadline())).violations.length, 1, 'and now protects app-tls-2');
  view.remove('gateways', 'traefik', 'web');
  t.same(await policy.check(deleteOf(tlsSecret('traefik', 'app-tls-2')), view, withoutDeadline()), { violations: [], warnings: [] }, 'the Gateway is gone');
});

t.test('a Secret no listener references is answered without any lookup but the index', async (t) => {
  const view = new ManifestView([WEB]);
  const touched: string[] = [];
  const spy = new Proxy(view, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        touched.push(String(property));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  const policy = createTlsSecretInUsePolicy({ mode: 'enforce' });
  t.same(await policy.check(deleteOf(tlsSecret('traefik', 'unused-tls')), spy, withoutDeadline()), { violations: [], warnings: [] });
  t.same(touched, ['isSynced', 'isSynced', 'isSynced', 'listenersUsing', 'tlsRefsUsing'], 'no get (a live GET in the live view), no list');
});

const admissionRequestOf = (request: PolicyRequest): AdmissionRequest =>
  ({
    uid: '5d3c5ad0-0000-4000-8000-000000000013',
    kind: request.kind,
    resource: { group: '', version: 'v1', resource: 'secrets' },
    operation: request.operation,
    namespace: request.namespace,
    name: request.name ?? '',
    object: null,
    oldObject: request.oldObject,
    dryRun: request.dryRun,
    userInfo: request.userInfo,
  }) as AdmissionRequest;

t.test('through review(): enforce answers 403 with the message, warn allows with it as a warning', async (t) => {
  const view = new ManifestView([WEB]);
  const request = admissionRequestOf(deleteOf(tlsSecret('traefik', 'app-tls')));
  const enforced = await review(request, [createTlsSecretInUsePolicy({ mode: 'enforce' })], { view });
  t.same(enforced.response.status, { code: 403, reason: 'Forbidden', message: WEB_DENIAL });
  t.equal(enforced.response.allowed, false);
  const warned = await review(request, [createTlsSecretInUsePolicy({ mode: 'warn' })], { view });
  t.equal(warned.response.allowed, true);
  t.same(warned.response.warnings, [WEB_DENIAL]);
  const glass = admissionRequestOf(deleteOf(tlsSecret('traefik', 'app-tls', { 'certguard.io/allow-delete': 'moving to app-tls-2' })));
  const broken = await review(glass, [createTlsSecretInUsePolicy({ mode: 'enforce' })], { view });
  t.same(
    broken.response.auditAnnotations,
    { ...allowedBy('break-glass'), 'allow-delete-reason': 'moving to app-tls-2' },
    'audit annotations reach the response',
  );
  t.notOk(JSON.stringify([enforced, warned, broken]).includes(KEY_MATERIAL), 'never the Secret data');
});

t.test('break glass decided by RBAC: the delete goes through for the user allowed it, not for another, and review() reports the use', async (t) => {
  const view = new ManifestView([WEB]);
  const counted: InUseDeletionReason[] = [];
  const isAllowed = async (question: BreakGlassQuestion) =>
    question.user.username === 'alice' && question.namespace === 'traefik' && question.policy === 'tls-secret-in-use';
  const policy = createTlsSecretInUsePolicy(
    { mode: 'enforce' },
    { recordAllowedDeletion: (reason) => counted.push(reason), breakGlass: { mode: 'rbac', clusterRole: 'certguard-break-glass', isAllowed } },
  );
  const secret = tlsSecret('traefik', 'app-tls', { 'certguard.io/allow-delete': 'moving to app-tls-2' });
  const byAlice = await review(admissionRequestOf(deleteOf(secret, { user: 'alice' })), [policy], { view });
  t.equal(byAlice.response.allowed, true);
  const deletedAnyway = `secret "traefik/app-tls" is the certificate of 2 TLS listeners: ${WEB_AUDIT}: deleted anyway (certguard.io/allow-delete: "moving to app-tls-2")`;
  t.same(byAlice.breakGlass, [
    { annotation: 'certguard.io/allow-delete', reason: 'moving to app-tls-2', user: 'alice', message: deletedAnyway, policy: 'tls-secret-in-use' },
  ]);
  const byBob = await review(admissionRequestOf(deleteOf(secret, { user: 'bob' })), [policy], { view });
  const gatedHow =
    'Remove or change the listeners first, or delete it anyway after ' +
    `"kubectl annotate secret app-tls -n traefik certguard.io/allow-delete='<reason>'" (it counts only for a user allowed verb use on breakglass.certguard.io "tls-secret-in-use" in namespace "traefik", and the reason goes to certguard's decision log and the audit log).`;
  t.same(byBob.response.status?.message, WEB_DENIAL.replace(HOW, gatedHow));
  t.same(byBob.response.warnings, [
    'secret "traefik/app-tls": annotation certguard.io/allow-delete is ignored, so the in-use check ran: user "bob" may not use certguard\'s break glass for tls-secret-in-use in namespace "traefik" ' +
      '(verb use on breakglass.certguard.io "tls-secret-in-use"). A cluster admin, or anyone who may bind ClusterRole certguard-break-glass there, grants it with ' +
      '"kubectl create rolebinding <name> -n traefik --clusterrole=certguard-break-glass --user=bob"',
  ]);
  t.same(byBob.breakGlass, []);
  t.same(counted, ['break-glass'], 'only the delete that went through is counted');
});

t.test('a break-glass check that fails is "could not decide", naming what could not be asked', async (t) => {
  const isAllowed = async () =>
    Promise.reject(
      new ViewReadError(
        'asking the API server whether user "bob" may use certguard\'s break glass for tls-secret-in-use in namespace "traefik" (SubjectAccessReview): connect ECONNREFUSED',
      ),
    );
  const policy = createTlsSecretInUsePolicy({ mode: 'enforce' }, { breakGlass: { mode: 'rbac', clusterRole: 'certguard-break-glass', isAllowed } });
  const secret = tlsSecret('traefik', 'app-tls', { 'certguard.io/allow-delete': 'moving to app-tls-2' });
  const outcome = await review(admissionRequestOf(deleteOf(secret, { user: 'bob' })), [policy], { view: new ManifestView([WEB]) });
  t.equal(outcome.response.allowed, true);
  t.same(outcome.response.warnings, [
    'tls-secret-in-use could not decide, so this request was admitted without its check: asking the API server whether user "bob" may use certguard\'s break glass for tls-secret-in-use in namespace "traefik" (SubjectAccessReview): connect ECONNREFUSED',
  ]);
  t.same(
    outcome.decisions.map((decision) => decision.decision),
    ['undecided'],
  );
});

t.test('fixtures: deleting each good/ object is allowed, each bad/ one denied with the message fixtures/expected.yaml states', async (t) => {
  const root = new URL('./fixtures/', import.meta.url).pathname;
  const cluster = parseManifests(await readFile(join(root, 'cluster.yaml'), 'utf8'), 'cluster.yaml');
  const view = new ManifestView(cluster);
  const policy = createTlsSecretInUsePolicy({ mode: 'enforce' });
  const expected = readExpected('tls-secret-in-use');
  for (const verdict of ['good', 'bad'] as const) {
    const files = (await readdir(join(root, verdict))).sort();
    t.ok(files.length > 0, `${verdict}/ has fixtures`);
    for (const file of files) {
      const name = `${verdict}/${file}`;
      const [object, ...rest] = parseManifests(await readFile(join(root, name), 'utf8'), name);
      if (!object || rest.length > 0) throw new Error(`${name}: one object, the one deleted`);
      const { metadata = {} } = object;
      const stated = expected.get(name)?.[0] ?? { object: '', violations: [], warnings: [] };
      const result = await policy.check(deleteOf(object), view, withoutDeadline());
      t.same({ violations: result.violations, warnings: result.warnings }, { violations: stated.violations, warnings: stated.warnings }, name);
      if (expected.has(name)) t.equal(stated.object, `${object.kind} ${metadata.namespace}/${metadata.name}`, `${name}: expected.yaml names the object`);
      t.equal(result.violations.length > 0, verdict === 'bad', `${name}: denied exactly when under bad/`);
    }
  }
  const deletes = [...expected.keys()].filter((name) => !name.startsWith('update/'));
  t.same(
    deletes.filter((name) => !existsSync(join(root, name))),
    [],
    'expected.yaml names only existing DELETE fixtures',
  );
});
