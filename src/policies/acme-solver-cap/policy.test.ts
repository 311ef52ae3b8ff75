import { Ajv } from 'ajv';
import t from 'tap';
import { review } from '../../admission/complete.ts';
import type { AdmissionRequest } from '../../admission/types.ts';
import type { KubeObject, Operation } from '../../kube/object.ts';
import { ManifestView } from '../../cluster/manifest-view.ts';
import { withoutDeadline, type PolicyRequest } from '../types.ts';
import { ADMITTED_TTL_MS, createAdmittedSolvers } from './admitted.ts';
import { createAcmeSolverCapPolicy } from './policy.ts';
import { acmeSolverCapSchema, type AcmeSolverCapSettings } from './settings.ts';

const SETTINGS: AcmeSolverCapSettings = { mode: 'enforce', maxPerNamespace: 25, maxClusterWide: 200, namespaceAnnotation: 'certguard.io/max-solver-routes' };
const SOLVER_LABELS = { 'acme.cert-manager.io/http01-solver': 'true', 'acme.cert-manager.io/http-domain': '1234', 'acme.cert-manager.io/http-token': '5678' };

const challenge = (name: string) => ({ apiVersion: 'acme.cert-manager.io/v1', kind: 'Challenge', name, uid: `uid-${name}`, controller: true });

type SolverOptions = { owner?: 'challenge' | 'none' | 'foreign'; kind?: 'HTTPRoute' | 'Ingress' };

const ownersFor = (owner: SolverOptions['owner'], name: string) => {
  if (owner === 'none') return undefined;
  if (owner === 'foreign') return [{ apiVersion: 'example.com/v1', kind: 'Challenge', name, uid: `uid-${name}` }];
  return [challenge(`web-tls-${name}`)];
};

const solver = (namespace: string, name: string, { owner = 'challenge', kind = 'HTTPRoute' }: SolverOptions = {}): KubeObject => ({
  apiVersion: kind === 'HTTPRoute' ? 'gateway.networking.k8s.io/v1' : 'networking.k8s.io/v1',
  kind,
  metadata: { name: `cm-acme-http-solver-${name}`, namespace, labels: SOLVER_LABELS, ownerReferences: ownersFor(owner, name) },
});

const solvers = (namespace: string, count: number, options: SolverOptions = {}, prefix = 'x'): KubeObject[] =>
  Array.from({ length: count }, (_, i) => solver(namespace, `${prefix}${i}`, options));

const namespace = (name: string, annotations?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, annotations },
});

/** A solver as cert-manager creates it: generateName, no name yet. */
const newSolver = (ns: string, options: SolverOptions = {}): KubeObject => {
  const object = solver(ns, 'new', options);
  return { ...object, metadata: { ...object.metadata, name: undefined, generateName: 'cm-acme-http-solver-' } };
};

const requestFor = (object: KubeObject, operation: Operation = 'CREATE'): PolicyRequest => ({
  operation,
  kind: { group: object.apiVersion?.split('/')[0] ?? '', version: object.apiVersion?.split('/')[1] ?? '', kind: object.kind ?? '' },
  namespace: object.metadata?.namespace,
  object,
  dryRun: false,
});

const ROUTE_CAUSE =
  'a challenge that keeps failing leaves a new solver behind on every retry, usually because DNS for its domain does not point at the ingress, ' +
  'the backend Service is missing, or the route is not attached to a Gateway listener.';

type Case = {
  name: string;
  objects: KubeObject[];
  object: KubeObject;
  settings?: Partial<AcmeSolverCapSettings>;
  unserved?: 'solver-httproutes'[];
  violations?: string[];
  warnings?: string[];
};

const cases: Case[] = [
  {
    name: 'allows a solver HTTPRoute when the namespace holds fewer than the cap',
    objects: [namespace('team-a'), ...solvers('team-a', 24)],
    object: newSolver('team-a'),
  },
  {
    name: 'denies a solver HTTPRoute when the namespace already holds the cap',
    objects: [namespace('team-a'), ...solvers('team-a', 25)],
    object: newSolver('team-a'),
    violations: [
      'namespace "team-a" has reached its cap of 25 ACME HTTP-01 solver HTTPRoutes owned by cert-manager Challenges (certguard setting maxPerNamespace): ' +
        ROUTE_CAUSE +
        ' Look with "kubectl get challenges -n team-a" and "kubectl describe challenge web-tls-new -n team-a".' +
        ' Remove stale solvers with "kubectl delete httproutes -n team-a -l acme.cert-manager.io/http01-solver=true" (cert-manager recreates the ones its pending challenges still need).' +
        ' Raise the cap with "kubectl annotate namespace team-a certguard.io/max-solver-routes=<n> --overwrite".',
    ],
  },
  {
    name: 'denies a solver HTTPRoute when the namespace already holds more than the cap, with the message it gives at the cap (no moving count)',
    objects: [namespace('team-a'), ...solvers('team-a', 31)],
    object: newSolver('team-a'),
    violations: [
      'namespace "team-a" has reached its cap of 25 ACME HTTP-01 solver HTTPRoutes owned by cert-manager Challenges (certguard setting maxPerNamespace): ' +
        ROUTE_CAUSE +
        ' Look with "kubectl get challenges -n team-a" and "kubectl describe challenge web-tls-new -n team-a".' +
        ' Remove stale solvers with "kubectl delete httproutes -n team-a -l acme.cert-manager.io/http01-solver=true" (cert-manager recreates the ones its pending challenges still need).' +
        ' Raise the cap with "kubectl annotate namespace team-a certguard.io/max-solver-routes=<n> --overwrite".',
    ],
  },
  {
    name: 'counts only the solvers in the namespace of the request',
    objects: [namespace('team-a'), namespace('team-b'), ...solvers('team-b', 25)],
    object: newSolver('team-a'),
  },
  {
    name: 'allows more in a namespace whose annotation raises the cap',
    objects: [namespace('team-a', { 'certguard.io/max-solver-routes': '40' }), ...solvers('team-a', 39)],
    object: newSolver('team-a'),
  },
  {
    name: 'denies earlier in a namespace whose annotation lowers the cap, and says the cap comes from the annotation',
    objects: [namespace('team-a', { 'certguard.io/max-solver-routes': '2' }), ...solvers('team-a', 2)],
    object: newSolver('team-a'),
    violations: [
      'namespace "team-a" has reached its cap of 2 ACME HTTP-01 solver HTTPRoutes owned by cert-manager Challenges (Namespace annotation certguard.io/max-solver-routes): ' +
        ROUTE_CAUSE +
        ' Look with "kubectl get challenges -n team-a" and "kubectl describe challenge web-tls-new -n team-a".' +
        ' Remove stale solvers with "kubectl delete httproutes -n team-a -l acme.cert-manager.io/http01-solver=true" (cert-manager recreates the ones its pending challenges still need).' +
        ' Raise the cap with "kubectl annotate namespace team-a certguard.io/max-solver-routes=<n> --overwrite".',
    ],
  },
  {
    name: 'refuses every solver in a namespace annotated with a cap of 0',
    objects: [namespace('team-a', { 'certguard.io/max-solver-routes': '0' })],
    object: newSolver('team-a'),
    violations: [
      'namespace "team-a" has reached its cap of 0 ACME HTTP-01 solver HTTPRoutes owned by cert-manager Challenges (Namespace annotation certguard.io/max-solver-routes): ' +
        ROUTE_CAUSE +
        ' Look with "kubectl get challenges -n team-a" and "kubectl describe challenge web-tls-new -n team-a".' +
        ' Remove stale solvers with "kubectl delete httproutes -n team-a -l acme.cert-manager.io/http01-solver=true" (cert-manager recreates the ones its pending challenges still need).' +
        ' Raise the cap with "kubectl annotate namespace team-a certguard.io/max-solver-routes=<n> --overwrite".',
    ],
  },
  {
    name: 'accepts an annotation value with surrounding spaces',
    objects: [namespace('team-a', { 'certguard.io/max-solver-routes': ' 30 ' }), ...solvers('team-a', 29)],
    object: newSolver('team-a'),
  },
  {
    name: 'ignores an annotation that is not a whole number and warns, keeping the default cap',
    objects: [namespace('team-a', { 'certguard.io/max-solver-routes': '2.5' }), ...solvers('team-a', 3)],
    object: newSolver('team-a'),
    warnings: ['namespace "team-a" annotation certguard.io/max-solver-routes="2.5" is not a whole number, so the default solver cap 25 applies'],
  },
  {
    name: 'ignores a negative annotation and denies at the default cap',
    objects: [namespace('team-a', { 'certguard.io/max-solver-routes': '-1' }), ...solvers('team-a', 25)],
    object: newSolver('team-a'),
    violations: [
      'namespace "team-a" has reached its cap of 25 ACME HTTP-01 solver HTTPRoutes owned by cert-manager Challenges (certguard setting maxPerNamespace): ' +
        ROUTE_CAUSE +
        ' Look with "kubectl get challenges -n team-a" and "kubectl describe challenge web-tls-new -n team-a".' +
        ' Remove stale solvers with "kubectl delete httproutes -n team-a -l acme.cert-manager.io/http01-solver=true" (cert-manager recreates the ones its pending challenges still need).' +
        ' Raise the cap with "kubectl annotate namespace team-a certguard.io/max-solver-routes=<n> --overwrite".',
    ],
    warnings: ['namespace "team-a" annotation certguard.io/max-solver-routes="-1" is not a whole number, so the default solver cap 25 applies'],
  },
  {
    name: 'reads the annotation name from the settings',
    settings: { namespaceAnnotation: 'example.com/solver-cap', maxPerNamespace: 5 },
    objects: [namespace('team-a', { 'example.com/solver-cap': '1', 'certguard.io/max-solver-routes': '100' }), ...solvers('team-a', 1)],
    object: newSolver('team-a'),
    violations: [
      'namespace "team-a" has reached its cap of 1 ACME HTTP-01 solver HTTPRoute owned by cert-manager Challenges (Namespace annotation example.com/solver-cap): ' +
        ROUTE_CAUSE +
        ' Look with "kubectl get challenges -n team-a" and "kubectl describe challenge web-tls-new -n team-a".' +
        ' Remove stale solvers with "kubectl delete httproutes -n team-a -l acme.cert-manager.io/http01-solver=true" (cert-manager recreates the ones its pending challenges still need).' +
        ' Raise the cap with "kubectl annotate namespace team-a example.com/solver-cap=<n> --overwrite".',
    ],
  },
  {
    name: 'uses the default cap when the Namespace is not in the view',
    objects: [...solvers('team-a', 24)],
    object: newSolver('team-a'),
  },
  {
    name: 'denies when the cluster-wide cap is reached, with no counts or namespace ranking (they move between retries)',
    settings: { maxClusterWide: 7 },
    objects: [...solvers('a', 1), ...solvers('b', 3), ...solvers('c', 2), ...solvers('d', 1), namespace('e')],
    object: newSolver('e'),
    violations: [
      'the cluster has reached its cap of 7 ACME HTTP-01 solver HTTPRoutes owned by cert-manager Challenges (certguard setting maxClusterWide): ' +
        ROUTE_CAUSE +
        ' Look with "kubectl get challenges -A" and "kubectl get httproutes -A -l acme.cert-manager.io/http01-solver=true".' +
        ' Remove stale solvers with "kubectl delete httproutes -n <namespace> -l acme.cert-manager.io/http01-solver=true" (cert-manager recreates the ones its pending challenges still need).' +
        ' Raise the cap with policies.acme-solver-cap.maxClusterWide in the certguard config.',
    ],
  },
  {
    name: 'allows below the cluster-wide cap',
    settings: { maxClusterWide: 7 },
    objects: [...solvers('a', 3), ...solvers('b', 3), ...solvers('b', 2, { owner: 'none' }, 'u')],
    object: newSolver('c'),
  },
  {
    name: 'reports both caps when both are reached',
    settings: { maxClusterWide: 3, maxPerNamespace: 2 },
    objects: [...solvers('team-a', 2), ...solvers('team-b', 1), ...solvers('team-b', 1, { owner: 'none' }, 'u')],
    object: newSolver('team-a'),
    violations: [
      'namespace "team-a" has reached its cap of 2 ACME HTTP-01 solver HTTPRoutes owned by cert-manager Challenges (certguard setting maxPerNamespace): ' +
        ROUTE_CAUSE +
        ' Look with "kubectl get challenges -n team-a" and "kubectl describe challenge web-tls-new -n team-a".' +
        ' Remove stale solvers with "kubectl delete httproutes -n team-a -l acme.cert-manager.io/http01-solver=true" (cert-manager recreates the ones its pending challenges still need).' +
        ' Raise the cap with "kubectl annotate namespace team-a certguard.io/max-solver-routes=<n> --overwrite".',
      'the cluster has reached its cap of 3 ACME HTTP-01 solver HTTPRoutes owned by cert-manager Challenges (certguard setting maxClusterWide): ' +
        ROUTE_CAUSE +
        ' Look with "kubectl get challenges -A" and "kubectl get httproutes -A -l acme.cert-manager.io/http01-solver=true".' +
        ' Remove stale solvers with "kubectl delete httproutes -n <namespace> -l acme.cert-manager.io/http01-solver=true" (cert-manager recreates the ones its pending challenges still need).' +
        ' Raise the cap with policies.acme-solver-cap.maxClusterWide in the certguard config.',
    ],
  },
  {
    name: 'does not count labelled HTTPRoutes without a Challenge owner, and warns about them',
    objects: [...solvers('team-a', 24), ...solvers('team-a', 3, { owner: 'none' }, 'u'), ...solvers('team-a', 2, { owner: 'foreign' }, 'f')],
    object: newSolver('team-a'),
    warnings: [
      'namespace "team-a" has 5 HTTPRoutes labelled acme.cert-manager.io/http01-solver=true without a cert-manager Challenge owner, not counted against the solver cap: ' +
        'list them with "kubectl get httproutes -n team-a -l acme.cert-manager.io/http01-solver=true"',
    ],
  },
  {
    name: 'leaves the uncounted labelled HTTPRoutes out of the denial (their number moves between retries)',
    objects: [...solvers('team-a', 25), ...solvers('team-a', 1, { owner: 'none' }, 'u')],
    object: newSolver('team-a'),
    violations: [
      'namespace "team-a" has reached its cap of 25 ACME HTTP-01 solver HTTPRoutes owned by cert-manager Challenges (certguard setting maxPerNamespace): ' +
        ROUTE_CAUSE +
        ' Look with "kubectl get challenges -n team-a" and "kubectl describe challenge web-tls-new -n team-a".' +
        ' Remove stale solvers with "kubectl delete httproutes -n team-a -l acme.cert-manager.io/http01-solver=true" (cert-manager recreates the ones its pending challenges still need).' +
        ' Raise the cap with "kubectl annotate namespace team-a certguard.io/max-solver-routes=<n> --overwrite".',
    ],
  },
  {
    name: 'judges a labelled HTTPRoute that no Challenge owns, and warns that it will not be counted',
    objects: [...solvers('team-a', 25)],
    object: newSolver('team-a', { owner: 'none' }),
    violations: [
      'namespace "team-a" has reached its cap of 25 ACME HTTP-01 solver HTTPRoutes owned by cert-manager Challenges (certguard setting maxPerNamespace): ' +
        ROUTE_CAUSE +
        ' Look with "kubectl get challenges -n team-a" and "kubectl describe challenge <name> -n team-a".' +
        ' Remove stale solvers with "kubectl delete httproutes -n team-a -l acme.cert-manager.io/http01-solver=true" (cert-manager recreates the ones its pending challenges still need).' +
        ' Raise the cap with "kubectl annotate namespace team-a certguard.io/max-solver-routes=<n> --overwrite".',
    ],
    warnings: [
      'this HTTPRoute is labelled acme.cert-manager.io/http01-solver=true but has no ownerReference to a cert-manager Challenge: it is capped like a solver but will not be counted as one',
    ],
  },
  {
    name: 'allows a labelled HTTPRoute that no Challenge owns below the cap, with the warning',
    objects: [],
    object: newSolver('team-a', { owner: 'none' }),
    warnings: [
      'this HTTPRoute is labelled acme.cert-manager.io/http01-solver=true but has no ownerReference to a cert-manager Challenge: it is capped like a solver but will not be counted as one',
    ],
  },
  {
    name: 'denies a solver Ingress when the namespace already holds the cap',
    objects: [...solvers('team-a', 25, { kind: 'Ingress' })],
    object: newSolver('team-a', { kind: 'Ingress' }),
    violations: [
      'namespace "team-a" has reached its cap of 25 ACME HTTP-01 solver Ingresses owned by cert-manager Challenges (certguard setting maxPerNamespace): ' +
        'a challenge that keeps failing leaves a new solver behind on every retry, usually because DNS for its domain does not point at the ingress, ' +
        'the backend Service is missing, or no ingress controller serves the Ingress.' +
        ' Look with "kubectl get challenges -n team-a" and "kubectl describe challenge web-tls-new -n team-a".' +
        ' Remove stale solvers with "kubectl delete ingresses -n team-a -l acme.cert-manager.io/http01-solver=true" (cert-manager recreates the ones its pending challenges still need).' +
        ' Raise the cap with "kubectl annotate namespace team-a certguard.io/max-solver-routes=<n> --overwrite".',
    ],
  },
  {
    name: 'counts solver Ingresses and solver HTTPRoutes apart',
    objects: [...solvers('team-a', 25), ...solvers('team-a', 24, { kind: 'Ingress' })],
    object: newSolver('team-a', { kind: 'Ingress' }),
  },
  {
    name: 'judges a v1beta1 HTTPRoute like a v1 one',
    objects: [...solvers('team-a', 25)],
    object: { ...newSolver('team-a'), apiVersion: 'gateway.networking.k8s.io/v1beta1' },
    violations: [
      'namespace "team-a" has reached its cap of 25 ACME HTTP-01 solver HTTPRoutes owned by cert-manager Challenges (certguard setting maxPerNamespace): ' +
        ROUTE_CAUSE +
        ' Look with "kubectl get challenges -n team-a" and "kubectl describe challenge web-tls-new -n team-a".' +
        ' Remove stale solvers with "kubectl delete httproutes -n team-a -l acme.cert-manager.io/http01-solver=true" (cert-manager recreates the ones its pending challenges still need).' +
        ' Raise the cap with "kubectl annotate namespace team-a certguard.io/max-solver-routes=<n> --overwrite".',
    ],
  },
  {
    name: 'idles when the view does not serve HTTPRoutes',
    unserved: ['solver-httproutes'],
    objects: [...solvers('team-a', 25)],
    object: newSolver('team-a'),
  },
];

t.test('acme-solver-cap check', async (t) => {
  for (const c of cases) {
    t.test(c.name, async (t) => {
      const policy = createAcmeSolverCapPolicy({ ...SETTINGS, ...c.settings });
      const view = new ManifestView(c.objects, { unserved: c.unserved });
      const request = requestFor(c.object);
      t.equal(policy.matches(request), true, 'the policy selects the request');
      const result = await policy.check(request, view, withoutDeadline());
      t.same(result, { violations: c.violations ?? [], warnings: c.warnings ?? [] });
    });
  }
});

type MatchCase = { name: string; request: PolicyRequest; matches: boolean };

const route = newSolver('team-a');
const withoutLabel: KubeObject = { ...route, metadata: { ...route.metadata, labels: { app: 'web' } } };
const labelFalse: KubeObject = { ...route, metadata: { ...route.metadata, labels: { 'acme.cert-manager.io/http01-solver': 'false' } } };

const matchCases: MatchCase[] = [
  { name: 'selects the CREATE of a solver HTTPRoute that has only a generateName', request: requestFor(route), matches: true },
  { name: 'selects the CREATE of a solver Ingress', request: requestFor(newSolver('team-a', { kind: 'Ingress' })), matches: true },
  { name: 'leaves an HTTPRoute without the solver label alone', request: requestFor(withoutLabel), matches: false },
  { name: 'leaves an HTTPRoute whose solver label is not "true" alone', request: requestFor(labelFalse), matches: false },
  { name: 'never judges an UPDATE of a solver HTTPRoute', request: requestFor(route, 'UPDATE'), matches: false },
  { name: 'never judges a DELETE of a solver HTTPRoute', request: { ...requestFor(route, 'DELETE'), object: undefined, oldObject: route }, matches: false },
  {
    name: 'leaves a solver-labelled Service alone',
    request: { ...requestFor(route), kind: { group: '', version: 'v1', kind: 'Service' } },
    matches: false,
  },
  {
    name: 'leaves an HTTPRoute-named kind of another group alone',
    request: { ...requestFor(route), kind: { group: 'example.com', version: 'v1', kind: 'HTTPRoute' } },
    matches: false,
  },
];

t.test('acme-solver-cap selection', async (t) => {
  for (const c of matchCases) {
    t.test(c.name, async (t) => {
      t.equal(createAcmeSolverCapPolicy(SETTINGS).matches(c.request), c.matches);
    });
  }
});

const groupVersion = (apiVersion = ''): [string, string] => {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? ['', apiVersion] : [apiVersion.slice(0, slash), apiVersion.slice(slash + 1)];
};

const PLURALS: Record<string, string> = { HTTPRoute: 'httproutes', Ingress: 'ingresses', Namespace: 'namespaces' };

const admissionRequest = (object: KubeObject, operation: Operation): AdmissionRequest => {
  const [group, version] = groupVersion(object.apiVersion);
  return {
    uid: 'uid-1',
    kind: { group, version, kind: object.kind ?? '' },
    resource: { group, version, resource: PLURALS[object.kind ?? ''] ?? 'unknown' },
    namespace: object.metadata?.namespace,
    name: object.metadata?.name,
    operation,
    object: operation === 'DELETE' ? null : object,
    oldObject: operation === 'CREATE' ? null : object,
  };
};

t.test('UPDATE and DELETE of solver objects are admitted even above the cap', async (t) => {
  const view = new ManifestView([namespace('team-a', { 'certguard.io/max-solver-routes': '0' }), ...solvers('team-a', 30)]);
  const policy = createAcmeSolverCapPolicy(SETTINGS);
  for (const operation of ['UPDATE', 'DELETE'] as const) {
    for (const kind of ['HTTPRoute', 'Ingress'] as const) {
      const outcome = await review(admissionRequest(solver('team-a', 'x1', { kind }), operation), [policy], { view });
      t.same([outcome.response, outcome.decisions], [{ uid: 'uid-1', allowed: true }, []], `${operation} ${kind}: admitted, no policy ran`);
    }
  }
});

t.test('in warn mode a reached cap admits the solver with the message as a warning', async (t) => {
  const view = new ManifestView([namespace('team-a', { 'certguard.io/max-solver-routes': '0' })]);
  const outcome = await review(admissionRequest(solver('team-a', 'new'), 'CREATE'), [createAcmeSolverCapPolicy({ ...SETTINGS, mode: 'warn' })], { view });
  t.equal(outcome.response.allowed, true);
  t.match(outcome.response.warnings, [
    /^namespace "team-a" has reached its cap of 0 ACME HTTP-01 solver HTTPRoutes owned by cert-manager Challenges \(Namespace annotation certguard.io\/max-solver-routes\): /,
  ]);
  t.same(
    outcome.decisions.map((d) => [d.policy, d.decision]),
    [['acme-solver-cap', 'warned']],
  );
});

t.test('settings', async (t) => {
  const validate = new Ajv({ useDefaults: true, strict: false }).compile(acmeSolverCapSchema);
  const defaults: unknown = {};
  t.equal(validate(defaults), true, 'an empty section is valid');
  t.same(defaults, SETTINGS, 'defaults: enforce, 25 per namespace, 200 cluster-wide, certguard.io/max-solver-routes');
  t.equal(validate({ maxPerNamespace: -1 }), false, 'a negative cap is refused');
  t.equal(validate({ maxClusterWide: 2.5 }), false, 'a fractional cap is refused');
  t.equal(validate({ namespaceAnnotation: 'not an annotation' }), false, 'an annotation name with spaces is refused');
  t.equal(validate({ namespaceAnnotation: 'example.com/solver-cap' }), true, 'a prefixed annotation name is accepted');
});

// The ledger of creates this replica admitted that its cache has not shown yet (admitted.ts).

/** A solver create as the validating webhook sees it: the API server has filled in the generated name. */
const generated = (ns: string, suffix: string): PolicyRequest => {
  const object = solver(ns, suffix);
  return { ...requestFor({ ...object, metadata: { ...object.metadata, generateName: 'cm-acme-http-solver-' } }), name: object.metadata?.name };
};

const capReachedIn = (ns: string, cap: number, challengeName: string): string =>
  `namespace "${ns}" has reached its cap of ${cap} ACME HTTP-01 solver ${cap === 1 ? 'HTTPRoute' : 'HTTPRoutes'} owned by cert-manager Challenges (Namespace annotation certguard.io/max-solver-routes): ` +
  ROUTE_CAUSE +
  ` Look with "kubectl get challenges -n ${ns}" and "kubectl describe challenge ${challengeName} -n ${ns}".` +
  ` Remove stale solvers with "kubectl delete httproutes -n ${ns} -l acme.cert-manager.io/http01-solver=true" (cert-manager recreates the ones its pending challenges still need).` +
  ` Raise the cap with "kubectl annotate namespace ${ns} certguard.io/max-solver-routes=<n> --overwrite".`;

const cappedAt = (cap: number, objects: KubeObject[] = []) =>
  new ManifestView([namespace('team-a', { 'certguard.io/max-solver-routes': String(cap) }), ...objects]);

const clockAt = (start: number) => {
  const clock = { now: start, read: () => clock.now };
  return clock;
};

t.test('a burst through one replica: 2 × cap concurrent creates, the view never catching up, admit exactly the cap', async (t) => {
  const cap = 25;
  const burst = Array.from({ length: 2 * cap }, (_, i) => generated('team-a', `b${i}`));
  const verdicts = async (policy: ReturnType<typeof createAcmeSolverCapPolicy>) => {
    const view = cappedAt(cap);
    const results = await Promise.all(burst.map((request) => policy.check(request, view, withoutDeadline())));
    return results.map((result) => (result.violations.length === 0 ? 'admitted' : result.violations.join(' | ')));
  };
  const admitted = createAdmittedSolvers();
  t.same(await verdicts(createAcmeSolverCapPolicy(SETTINGS, { admitted })), [
    ...Array<string>(cap).fill('admitted'),
    ...burst.slice(cap).map((request) => capReachedIn('team-a', cap, `web-tls-${request.name?.slice('cm-acme-http-solver-'.length)}`)),
  ]);
  t.equal(admitted.size, cap, 'the ledger holds the admitted creates, no more');
  t.same(new Set(await verdicts(createAcmeSolverCapPolicy(SETTINGS))), new Set(['admitted']), 'without the ledger every create of the burst passes');
});

t.test('the cluster cap counts the creates admitted in every namespace', async (t) => {
  const policy = createAcmeSolverCapPolicy({ ...SETTINGS, maxClusterWide: 3 }, { admitted: createAdmittedSolvers() });
  const view = new ManifestView([namespace('team-a'), namespace('team-b')]);
  const requests = ['team-a', 'team-b', 'team-a', 'team-b'].map((ns, i) => generated(ns, `c${i}`));
  const results = await Promise.all(requests.map((request) => policy.check(request, view, withoutDeadline())));
  t.same(
    results.map((result) => result.violations),
    [
      [],
      [],
      [],
      [
        'the cluster has reached its cap of 3 ACME HTTP-01 solver HTTPRoutes owned by cert-manager Challenges (certguard setting maxClusterWide): ' +
          ROUTE_CAUSE +
          ' Look with "kubectl get challenges -A" and "kubectl get httproutes -A -l acme.cert-manager.io/http01-solver=true".' +
          ' Remove stale solvers with "kubectl delete httproutes -n <namespace> -l acme.cert-manager.io/http01-solver=true" (cert-manager recreates the ones its pending challenges still need).' +
          ' Raise the cap with policies.acme-solver-cap.maxClusterWide in the certguard config.',
      ],
    ],
  );
});

t.test('an admitted create the view never shows (another webhook denied it) stops counting after the TTL', async (t) => {
  const clock = clockAt(1_000_000);
  const admitted = createAdmittedSolvers({ now: clock.read });
  const policy = createAcmeSolverCapPolicy(SETTINGS, { admitted });
  const view = cappedAt(1);
  t.same((await policy.check(generated('team-a', 'ghost'), view, withoutDeadline())).violations, [], 'the first create is admitted');
  clock.now += ADMITTED_TTL_MS - 1;
  t.same(
    (await policy.check(generated('team-a', 'second'), view, withoutDeadline())).violations,
    [capReachedIn('team-a', 1, 'web-tls-second')],
    'counted until the TTL',
  );
  clock.now += 1;
  t.same((await policy.check(generated('team-a', 'third'), view, withoutDeadline())).violations, [], 'expired at the TTL: the slot is free again');
  t.equal(admitted.size, 1, 'the ghost is forgotten; the third create is the one entry');
  t.equal(ADMITTED_TTL_MS, 60_000, "kube-apiserver's default --request-timeout");
});

t.test('an admitted create drops out of the ledger once the view holds it: never counted twice', async (t) => {
  const admitted = createAdmittedSolvers();
  const policy = createAcmeSolverCapPolicy(SETTINGS, { admitted });
  const view = cappedAt(2);
  const first = generated('team-a', 'first');
  t.same((await policy.check(first, view, withoutDeadline())).violations, []);
  t.equal(admitted.size, 1);
  view.add(first.object as KubeObject);
  t.same((await policy.check(generated('team-a', 'second'), view, withoutDeadline())).violations, [], 'the view holds 1, the ledger 0 for it: 1 < 2');
  t.equal(admitted.size, 1, 'the first entry is gone, the second is pending');
  t.same(
    (await policy.check(generated('team-a', 'third'), view, withoutDeadline())).violations,
    [capReachedIn('team-a', 2, 'web-tls-third')],
    '1 in the view + 1 pending',
  );
});

t.test('a create without a name is counted until it expires', async (t) => {
  const clock = clockAt(0);
  const admitted = createAdmittedSolvers({ now: clock.read });
  const policy = createAcmeSolverCapPolicy(SETTINGS, { admitted });
  const view = cappedAt(2);
  const unnamed = requestFor(newSolver('team-a'));
  t.same((await policy.check(unnamed, view, withoutDeadline())).violations, []);
  t.same((await policy.check(unnamed, view, withoutDeadline())).violations, [], 'two unnamed creates are two entries');
  t.same((await policy.check(unnamed, view, withoutDeadline())).violations, [capReachedIn('team-a', 2, 'web-tls-new')]);
  clock.now += ADMITTED_TTL_MS;
  t.same((await policy.check(unnamed, view, withoutDeadline())).violations, []);
});

t.test('only a create that will exist is recorded', async (t) => {
  const recordedBy = async (request: PolicyRequest, settings: Partial<AcmeSolverCapSettings>, objects: KubeObject[] = []) => {
    const admitted = createAdmittedSolvers();
    const result = await createAcmeSolverCapPolicy({ ...SETTINGS, ...settings }, { admitted }).check(request, cappedAt(1, objects), withoutDeadline());
    return { violations: result.violations.length, recorded: admitted.size };
  };
  t.same(await recordedBy(generated('team-a', 'x'), {}), { violations: 0, recorded: 1 }, 'an admitted create is recorded');
  t.same(await recordedBy({ ...generated('team-a', 'x'), dryRun: true }, {}), { violations: 0, recorded: 0 }, 'a dry run is admitted, not recorded');
  t.same(await recordedBy(generated('team-a', 'x'), {}, solvers('team-a', 1)), { violations: 1, recorded: 0 }, 'a denied create is not recorded');
  t.same(
    await recordedBy(generated('team-a', 'x'), { mode: 'warn' }, solvers('team-a', 1)),
    { violations: 1, recorded: 0 },
    'over the cap in warn mode: not recorded (the cap is not enforced)',
  );
  const unowned = generated('team-a', 'x');
  const object = { ...unowned.object, metadata: { ...unowned.object?.metadata, ownerReferences: undefined } };
  t.same(
    await recordedBy({ ...unowned, object }, {}),
    { violations: 0, recorded: 0 },
    'no Challenge owner: the view will not count it, neither does the ledger',
  );
});
