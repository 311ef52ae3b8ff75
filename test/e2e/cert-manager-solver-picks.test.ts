// The solver table (src/policies/certificate-dns/fixtures/solver-picks.yaml) against the real
// controller: every case's issuer and Certificate applied to a cluster running cert-manager
// v1.21.1, ordering from pebble; for every name, the Challenge cert-manager's orders controller
// created (its spec.type and spec.solver) must be the recorded pick. The recordings come from
// cert-manager's solverpicker.Pick called by test/e2e/solver-oracle; this test catches what the
// oracle cannot: how the identifier reaches Pick (lower-cased by the ACME server, "*." for a
// wildcard, an IP as cert-manager writes it), the labels the Order carries, the types offered.
//
// A Certificate with a name no solver serves gets no Challenge at all (cert-manager gives up on the
// whole Order, acmeorders/util.go:53-56, sync.go:127-131), so such a case is applied three ways:
// as recorded (no Challenge, the Order's "Solver" Event), with only its other names (their picks
// compared), and each unserved name alone (no Challenge, the Event).
//
// Only the controllers on the way to a Challenge run: the challenges controller would try to
// present every Challenge (solver Pods, Ingresses, DNS UPDATEs to the table's 127.0.0.1:5301),
// which nothing here can serve and which does not change the pick.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import t from 'tap';
import { startDnsmasq } from '../dns/dnsmasq.ts';
import { disagreements, loadSolverTable, type SolverCase, type SolverPick } from '../helpers/solver-picks.ts';
import { startCertManager } from './harness/cert-manager.ts';
import { startCluster, type Cluster } from './harness/cluster.ts';
import { namespace, yamlOf } from './harness/objects.ts';
import { repoRoot } from './harness/paths.ts';
import { startPebble } from './harness/pebble.ts';
import { waitFor } from './harness/processes.ts';

type Obj = Record<string, unknown>;

/** One Certificate applied to the cluster, in its own namespace, with the picks it must get. */
type Unit = {
  caseId: string;
  namespace: string;
  issuer: SolverCase['issuer'];
  certificate: SolverCase['certificate'];
  picks: SolverPick[];
};

type Challenge = { metadata: { namespace: string; name: string }; spec: { dnsName: string; wildcard?: boolean; type: string; solver: unknown } };
type KubeEvent = { metadata: { namespace: string }; involvedObject: { kind: string }; reason: string; message: string };

const CONTROLLERS = [
  'issuers',
  'clusterissuers',
  'certificaterequests-approver',
  'certificaterequests-issuer-acme',
  'orders',
  'certificates-trigger',
  'certificates-key-manager',
  'certificates-request-manager',
  'certificates-issuing',
  'certificates-readiness',
  'certificates-revision-manager',
];

const NO_SOLVER =
  'Failed to determine a valid solver configuration for the set of domains on the Order: no configured challenge solvers can be used for this challenge';

// Cases the real controller cannot be given here, with the reason. Empty: every case runs.
const EXCLUDED: Record<string, string> = {};

const hasNone = (picks: SolverPick[]): boolean => picks.some((pick) => pick.type === 'none');

/** A Certificate spec naming exactly `names` (as written in the table), keeping the labels. */
const certificateOf = (c: SolverCase, names: string[]): SolverCase['certificate'] => {
  const dnsNames = names.filter((name) => isIP(name) === 0);
  const ipAddresses = names.filter((name) => isIP(name) !== 0);
  return { labels: c.certificate.labels, ...(dnsNames.length ? { dnsNames } : {}), ...(ipAddresses.length ? { ipAddresses } : {}) };
};

const unitsOf = (c: SolverCase): Unit[] => {
  const whole: Unit = { caseId: c.id, namespace: c.id, issuer: c.issuer, certificate: c.certificate, picks: c.picks };
  if (!hasNone(c.picks)) return [whole];
  const part = (suffix: string, picks: SolverPick[]): Unit => ({
    caseId: c.id,
    namespace: `${c.id}-${suffix}`,
    issuer: c.issuer,
    certificate: certificateOf(
      c,
      picks.map((p) => p.name),
    ),
    picks,
  });
  const served = c.picks.filter((pick) => pick.type !== 'none');
  const unserved = c.picks.filter((pick) => pick.type === 'none');
  return [whole, ...(served.length ? [part('served', served)] : []), ...unserved.map((pick, i) => part(`none-${i}`, [pick]))];
};

const issuerName = (unit: Unit): string => (unit.issuer.kind === 'Issuer' ? 'acme' : unit.namespace);

const issuerOf = (unit: Unit, server: string): Obj => ({
  apiVersion: 'cert-manager.io/v1',
  kind: unit.issuer.kind,
  metadata: { name: issuerName(unit), ...(unit.issuer.kind === 'Issuer' ? { namespace: unit.namespace } : {}) },
  spec: { acme: { server, skipTLSVerify: true, privateKeySecretRef: { name: `${issuerName(unit)}-account` }, solvers: unit.issuer.solvers } },
});

const certificateObject = (unit: Unit): Obj => {
  const { labels, ...names } = unit.certificate;
  return {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: { namespace: unit.namespace, name: 'cert', ...(labels ? { labels } : {}) },
    // ECDSA: one key per Certificate, cheaper than the RSA default on 2 shared cores.
    spec: { ...names, secretName: 'cert-tls', privateKey: { algorithm: 'ECDSA' }, issuerRef: { kind: unit.issuer.kind, name: issuerName(unit) } },
  };
};

/**
 * A solver without its empty arrays, maps and strings: cert-manager hands the issuer's solver to
 * the Challenge through its Go types, which drop `dnsZones: []` and add `tsigSecretSecretRef:
 * {name: ""}`. An issuer whose solvers are not distinct under this fails the comparison.
 */
const pruned = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.length ? value.map(pruned) : undefined;
  if (value === '' || value === null) return undefined;
  if (typeof value !== 'object') return value;
  const entries = Object.entries(value)
    .map(([key, inner]) => [key, pruned(inner)] as const)
    .filter(([, inner]) => inner !== undefined);
  return entries.length ? Object.fromEntries(entries.sort(([a], [b]) => a.localeCompare(b))) : undefined;
};
const keyOf = (solver: unknown): string => JSON.stringify(pruned(solver));

const TYPES: Record<string, SolverPick['type']> = { 'HTTP-01': 'http-01', 'DNS-01': 'dns-01' };

const identifierOf = (challenge: Challenge): string => `${challenge.spec.wildcard ? '*.' : ''}${challenge.spec.dnsName}`;

/**
 * What the real controller answered for each recorded name of a unit. `stored`: the issuer's
 * solvers as the API server keeps them (with the CRD's defaults, e.g. a parentRef's group and
 * kind), in the table's order.
 */
const realPicks = (unit: Unit, stored: unknown[], challenges: Challenge[]): { picks: SolverPick[]; strays: string[] } => {
  const keys = stored.map(keyOf);
  const strays: string[] = [];
  if (stored.length !== unit.issuer.solvers.length || new Set(keys).size !== keys.length) {
    strays.push(`${unit.caseId}: the stored issuer's solvers are not the table's ${unit.issuer.solvers.length} distinct ones: ${JSON.stringify(stored)}`);
  }
  const picks = unit.picks.map(({ name, identifier }): SolverPick => {
    const challenge = challenges.find((ch) => identifierOf(ch) === identifier);
    if (!challenge) return { name, identifier, type: 'none' };
    const solver = keys.indexOf(keyOf(challenge.spec.solver));
    if (solver < 0)
      strays.push(
        `${unit.caseId}: ${name}: Challenge ${challenge.metadata.name} has a solver that is none of the issuer's: ${JSON.stringify(challenge.spec.solver)}`,
      );
    return { name, identifier, solver, type: TYPES[challenge.spec.type] ?? 'none' };
  });
  const unexpected = challenges.filter((ch) => !unit.picks.some((pick) => pick.identifier === identifierOf(ch)));
  strays.push(...unexpected.map((ch) => `${unit.caseId}: Challenge ${ch.metadata.name} for ${identifierOf(ch)}, a name the Certificate does not have`));
  return { picks, strays };
};

const listAll = async <T>(cluster: Cluster, args: string[]): Promise<T[]> => {
  const got = await cluster.kubectl(['get', ...args, '--all-namespaces', '-o', 'json']);
  if (got.code !== 0) throw new Error(got.stderr);
  return (JSON.parse(got.stdout) as { items: T[] }).items;
};

const byNamespace = <T extends { metadata: { namespace: string } }>(items: T[]): Map<string, T[]> => {
  const map = new Map<string, T[]>();
  for (const item of items) map.set(item.metadata.namespace, [...(map.get(item.metadata.namespace) ?? []), item]);
  return map;
};

type Observed = { challenges: Map<string, Challenge[]>; noSolver: Map<string, KubeEvent[]> };
type StoredIssuer = { kind: string; metadata: { namespace?: string; name: string }; spec: { acme: { solvers: unknown[] } } };

/** Each unit's issuer solvers as stored, by the unit's namespace. */
const storedSolvers = async (cluster: Cluster): Promise<Map<string, unknown[]>> => {
  const issuers = await listAll<StoredIssuer>(cluster, ['issuers.cert-manager.io,clusterissuers.cert-manager.io']);
  const find = (unit: Unit) =>
    issuers.find(
      (i) => i.kind === unit.issuer.kind && i.metadata.name === issuerName(unit) && (i.kind === 'ClusterIssuer' || i.metadata.namespace === unit.namespace),
    );
  return new Map(units.map((unit) => [unit.namespace, find(unit)?.spec.acme.solvers ?? []]));
};

const observe = async (cluster: Cluster): Promise<Observed> => ({
  challenges: byNamespace(await listAll<Challenge>(cluster, ['challenges.acme.cert-manager.io'])),
  noSolver: byNamespace((await listAll<KubeEvent>(cluster, ['events', '--field-selector=reason=Solver'])).filter((e) => e.involvedObject.kind === 'Order')),
});

/** Settled: the Order gave up (its Solver Event), or it has a Challenge per recorded identifier. */
const settled = (unit: Unit, seen: Observed): boolean =>
  seen.noSolver.has(unit.namespace) || (seen.challenges.get(unit.namespace) ?? []).length >= new Set(unit.picks.map((p) => p.identifier)).size;

/**
 * One line per way the real controller differs from the recording for one unit: a Certificate
 * with an unserved name must get no Challenge and the Order's Solver Event (its names are
 * compared one by one in the case's other units); otherwise every name's Challenge must carry
 * the recorded type and solver.
 */
const disagreementsOf = (unit: Unit, seen: Observed, stored: unknown[]): string[] => {
  const challenges = seen.challenges.get(unit.namespace) ?? [];
  const wrong: string[] = [];
  if (hasNone(unit.picks)) {
    const events = seen.noSolver.get(unit.namespace) ?? [];
    const gaveUp = challenges.length === 0 && events.length > 0 && events.every((e) => e.message === NO_SOLVER);
    const unserved = unit.picks
      .filter((p) => p.type === 'none')
      .map((p) => p.name)
      .join(', ');
    if (!gaveUp)
      wrong.push(
        `${unit.namespace}: recorded no Challenge for any name (no solver for ${unserved}), got ${challenges.length} Challenges and Events ${JSON.stringify(events.map((e) => e.message))}`,
      );
    if (unit.picks.length > 1) return wrong;
  }
  const real = realPicks(unit, stored, challenges);
  return [...wrong, ...real.strays, ...disagreements(unit.namespace, unit.picks, real.picks)];
};

const table = loadSolverTable();
// The controller's version is the one its build pins, which may differ from the recording's.
const controllerVersion =
  /github\.com\/cert-manager\/cert-manager (\S+)/.exec(readFileSync(join(repoRoot, 'test/e2e/cert-manager/go.mod'), 'utf8'))?.[1] ?? '(unknown)';
const cases = table.cases.filter((c) => !(c.id in EXCLUDED));
const units = cases.flatMap(unitsOf);

t.test('the table can be told apart on a real cluster', async (t) => {
  for (const c of table.cases) t.equal(new Set(c.issuer.solvers.map(keyOf)).size, c.issuer.solvers.length, `${c.id}: solvers distinct without empty fields`);
  t.ok(
    units.every((unit) => unit.namespace.length <= 63),
    'every namespace name fits',
  );
  t.same(
    Object.keys(EXCLUDED).filter((id) => !table.cases.some((c) => c.id === id)),
    [],
    'every excluded case exists',
  );
});

t.test(`the real cert-manager ${controllerVersion} picks the recorded solver for every name`, async (t) => {
  t.comment(`table recorded with ${table.recordedWith}`);
  for (const [id, reason] of Object.entries(EXCLUDED)) t.comment(`excluded: ${id}: ${reason}`);
  const dns = await startDnsmasq([]);
  t.teardown(() => dns.stop());
  const pebble = await startPebble({ dnsServer: dns.address });
  t.teardown(() => pebble.stop());
  const cluster = await startCluster();
  t.teardown(() => cluster.stop());
  const objects = [
    namespace('cert-manager'),
    ...units.flatMap((unit) => [namespace(unit.namespace), issuerOf(unit, pebble.directoryUrl), certificateObject(unit)]),
  ];
  const applied = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(...objects) });
  t.equal(applied.code, 0, applied.stderr);
  const certManager = await startCertManager(cluster, { gatewayApi: true, extraArgs: [`--controllers=${CONTROLLERS.join(',')}`] });
  t.teardown(() => certManager.stop());

  const started = Date.now();
  let seen: Observed = { challenges: new Map(), noSolver: new Map() };
  await waitFor(
    `cert-manager to create the Challenges of ${units.length} Certificates`,
    async () => {
      seen = await observe(cluster);
      return units.every((unit) => settled(unit, seen)) ? true : undefined;
    },
    { timeoutMs: 240_000, intervalMs: 2_000 },
  ).catch((error: Error) => {
    throw new Error(
      `${error.message}: still waiting for ${units
        .filter((unit) => !settled(unit, seen))
        .map((unit) => unit.namespace)
        .join(', ')}`,
    );
  });
  t.comment(`${units.length} Certificates of ${cases.length} cases settled ${((Date.now() - started) / 1000).toFixed(0)} s after cert-manager started`);

  const solvers = await storedSolvers(cluster);
  const wrong = units.flatMap((unit) => disagreementsOf(unit, seen, solvers.get(unit.namespace) ?? []));
  const names = cases.reduce((sum, c) => sum + c.picks.length, 0);
  t.same(wrong, [], `0 disagreements over the ${names} names of ${cases.length} cases (${units.length} Certificates)`);
});
