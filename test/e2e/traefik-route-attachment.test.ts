// The solver-route attachment table (src/policies/certificate-dns/fixtures/route-attachment.yaml)
// on the real thing: every shape's Gateway, ListenerSet, ClusterIssuer and Certificate applied to a
// real API server (Gateway API v1.6.1 standard CRDs), cert-manager v1.21.1 ordering from pebble and
// creating the HTTP-01 solver HTTPRoute in the Certificate's namespace, Traefik v3.6.12 attaching it.
// What they do — whether a route was created, the Accepted/ResolvedRefs conditions Traefik wrote
// per parentRef, the Gateway listeners whose attachedRoutes count it — must be the recording, and
// the recording is what certguard's prediction is checked against (route-attachment.test.ts).
// The live audit then reads the same routes: it must report exactly those with a parentRef Traefik
// refused, with its reason. RECORD_ROUTE_ATTACHMENT=1 writes the observations into the table
// instead of comparing.
//
// No certguard here: it would refuse the Certificates whose routes cannot attach, which are the
// point. Challenges stay pending (cert-manager's self-check cannot reach the solver: no name
// resolves, no Pod runs), so each route stays in place while it is observed.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parseDocument } from 'yaml';
import { issueSelfSigned, validityWindow } from '../../src/certs/x509.ts';
import type { KubeObject } from '../../src/kube/object.ts';
import {
  certificateNamespace,
  GATEWAY_TLS_SECRET,
  gatewayNamespace,
  loadRouteTable,
  objectsOf,
  ROUTE_TABLE,
  type Observed,
  type ObservedParent,
  type Ports,
  type RouteShape,
} from '../helpers/route-attachment.ts';
import { startCertManager } from './harness/cert-manager.ts';
import { startAcmeIngress } from './harness/acme-ingress.ts';
import type { Cluster } from './harness/cluster.ts';
import { namespace, tlsSecret, yamlOf } from './harness/objects.ts';
import { repoRoot } from './harness/paths.ts';
import { makeTempDir, run, waitFor } from './harness/processes.ts';
import { GATEWAY_CONTROLLER } from './harness/traefik.ts';

type Obj = Record<string, unknown>;
type Condition = { type: string; status: string; reason?: string };
type RouteParentStatus = { controllerName: string; parentRef: Obj; conditions?: Condition[] };
type Route = { metadata: { namespace: string; name: string }; spec: { parentRefs?: Obj[] }; status?: { parents?: RouteParentStatus[] } };
type Gateway = { metadata: { namespace: string }; status?: { listeners?: { name: string; attachedRoutes: number }[] } };

const RECORD = process.env.RECORD_ROUTE_ATTACHMENT === '1';
const SOLVER_LABEL = 'acme.cert-manager.io/http01-solver=true';
// After the last route appears, how long Traefik gets to write statuses it has not written yet
// (a parentRef it ignores never gets one: that absence is an observation too).
const SETTLE_MS = 20_000;

const listAll = async <T>(cluster: Cluster, args: string[]): Promise<T[]> => {
  const got = await cluster.kubectl(['get', ...args, '--all-namespaces', '-o', 'json']);
  if (got.code !== 0) throw new Error(got.stderr);
  return (JSON.parse(got.stdout) as { items: T[] }).items;
};

const conditionOf = (status: RouteParentStatus | undefined, type: string): Condition | undefined => status?.conditions?.find((c) => c.type === type);

/** Traefik's status for parentRefs[index] (it writes one per parentRef, in order, with a copy of the ref). */
const parentObservation = (route: Route, index: number): ObservedParent => {
  const status = (route.status?.parents ?? []).filter((parent) => parent.controllerName === GATEWAY_CONTROLLER)[index];
  const accepted = conditionOf(status, 'Accepted');
  const resolved = conditionOf(status, 'ResolvedRefs');
  if (!accepted) return { accepted: 'none' };
  return {
    accepted: accepted.status,
    ...(accepted.reason ? { reason: accepted.reason } : {}),
    ...(resolved ? { resolvedRefs: `${resolved.status} ${resolved.reason ?? ''}`.trim() } : {}),
  };
};

const observe = (shape: RouteShape, routes: Route[], gateways: Gateway[]): Observed => {
  const route = routes.find((r) => r.metadata.namespace === certificateNamespace(shape));
  const gateway = gateways.find((g) => g.metadata.namespace === gatewayNamespace(shape));
  const attachedListeners = (gateway?.status?.listeners ?? [])
    .filter((l) => l.attachedRoutes > 0)
    .map((l) => l.name)
    .sort();
  if (!route) return { route: false, parents: [], attachedListeners };
  return { route: true, parents: shape.parentRefs.map((_, index) => parentObservation(route, index)), attachedListeners };
};

/** The table file with `observed` and `recordedWith` replaced, comments and layout kept. */
const writeRecording = (observed: Map<string, Observed>, recordedWith: string): void => {
  const document = parseDocument(readFileSync(ROUTE_TABLE, 'utf8'));
  document.set('recordedWith', recordedWith);
  const cases = document.get('cases') as { items: { get(key: string): unknown; set(key: string, value: unknown): void }[] };
  for (const item of cases.items) {
    const seen = observed.get(String(item.get('id')));
    if (seen) item.set('observed', document.createNode(seen, { flow: true }));
  }
  writeFileSync(ROUTE_TABLE, document.toString({ lineWidth: 0 }));
};

const versionOf = (goMod: string, module: string): string =>
  new RegExp(`${module.replaceAll('.', '\\.')} (v\\S+)`).exec(readFileSync(join(repoRoot, goMod), 'utf8'))?.[1] ?? '(unknown)';

const table = loadRouteTable();

t.test('the route-attachment table on cert-manager and Traefik', async (t) => {
  const { dns, pebble, cluster, traefik } = await startAcmeIngress(t, []);
  const ports: Ports = { web: traefik.webPort, websecure: traefik.websecurePort };

  const pair = await issueSelfSigned({ commonName: '*.example.test', dnsNames: ['*.example.test'], ...validityWindow(30) });
  const objects: KubeObject[] = [traefik.gatewayClass as KubeObject, namespace('cert-manager') as KubeObject];
  for (const shape of table.cases) {
    objects.push(...objectsOf(shape, ports, pebble.directoryUrl), tlsSecret(gatewayNamespace(shape), GATEWAY_TLS_SECRET, pair) as KubeObject);
  }
  // Namespaces first: the API server refuses an object whose namespace does not exist yet.
  const [namespaces, rest] = [objects.filter((o) => o.kind === 'Namespace'), objects.filter((o) => o.kind !== 'Namespace')];
  for (const batch of [namespaces, rest]) {
    const applied = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(...(batch as Obj[])) });
    t.equal(applied.code, 0, applied.stderr);
  }
  const certManager = await startCertManager(cluster, { gatewayApi: true });
  t.teardown(() => certManager.stop());

  const started = Date.now();
  let routes: Route[] = [];
  await waitFor(
    `cert-manager to create the solver routes of ${table.cases.length} Certificates`,
    async () => {
      routes = await listAll<Route>(cluster, ['httproutes.gateway.networking.k8s.io', '-l', SOLVER_LABEL]);
      return table.cases.every((shape) => routes.some((r) => r.metadata.namespace === certificateNamespace(shape))) ? true : undefined;
    },
    { timeoutMs: 600_000, intervalMs: 2_000 },
  ).catch((error: Error) => {
    const missing = table.cases.filter((shape) => !routes.some((r) => r.metadata.namespace === certificateNamespace(shape))).map((shape) => shape.id);
    throw new Error(`${error.message}: no route yet for ${missing.join(', ')}`);
  });
  t.comment(`${routes.length} solver routes ${((Date.now() - started) / 1000).toFixed(0)} s after cert-manager started`);
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  routes = await listAll<Route>(cluster, ['httproutes.gateway.networking.k8s.io', '-l', SOLVER_LABEL]);
  const gateways = await listAll<Gateway>(cluster, ['gateways.gateway.networking.k8s.io']);
  const observed = new Map(table.cases.map((shape) => [shape.id, observe(shape, routes, gateways)]));

  await t.test("the live audit reports exactly the solver routes Traefik did not accept, in Traefik's words", async (t) => {
    const refused = routes.flatMap((route) =>
      (route.status?.parents ?? []).flatMap((parent) => {
        const accepted = conditionOf(parent, 'Accepted');
        return accepted?.status === 'False' ? [{ name: `${route.metadata.namespace}/${route.metadata.name}`, reason: accepted.reason ?? '' }] : [];
      }),
    );
    t.ok(refused.length > 0, `${refused.length} parentRefs Traefik refused`);
    const dir = makeTempDir('route-audit');
    const config = join(dir, 'config.yaml');
    writeFileSync(config, JSON.stringify({ policies: { 'certificate-dns': { resolvers: [dns.address] } } }));
    const audited = await run(
      process.execPath,
      [join(repoRoot, 'bin/certguard.js'), 'audit', '--kubeconfig', cluster.kubeconfigPath, '--config', config, '-o', 'json'],
      { timeoutMs: 300_000 },
    );
    const findings = (
      JSON.parse(audited.stdout) as { findings: { rule: string; object?: { namespace?: string; name: string }; message: string }[] }
    ).findings.filter((finding) => finding.rule === 'solver-route-not-accepted');
    const reported = findings.map((finding) => `${finding.object?.namespace}/${finding.object?.name}`);
    t.same([...new Set(reported)].sort(), [...new Set(refused.map((route) => route.name))].sort(), audited.stderr);
    for (const { name, reason } of refused) {
      t.ok(
        findings.some(
          (finding) =>
            `${finding.object?.namespace}/${finding.object?.name}` === name &&
            finding.message.includes(`${GATEWAY_CONTROLLER} says Accepted=False reason "${reason}"`),
        ),
        `${name}: Traefik's reason "${reason}"`,
      );
    }
  });

  if (RECORD) {
    const recordedWith = `cert-manager ${versionOf('test/e2e/cert-manager/go.mod', 'github.com/cert-manager/cert-manager')}, traefik ${versionOf('test/e2e/traefik/go.mod', 'github.com/traefik/traefik/v3')}, gateway-api v1.6.1 standard CRDs`;
    writeRecording(observed, recordedWith);
    t.comment(`recorded ${observed.size} cases into ${ROUTE_TABLE} (${recordedWith})`);
  }
  const wrong = table.cases.flatMap((shape) => {
    const seen = observed.get(shape.id);
    return JSON.stringify(seen) === JSON.stringify(shape.observed)
      ? []
      : [`${shape.id}: recorded ${JSON.stringify(shape.observed)}, now ${JSON.stringify(seen)}`];
  });
  if (!RECORD) t.same(wrong, [], `cert-manager and Traefik do what the table recorded for all ${table.cases.length} shapes`);
  t.ok(table.cases.length >= 30, `${table.cases.length} shapes`);
});
