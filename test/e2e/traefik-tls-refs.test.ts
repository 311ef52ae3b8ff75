// Issue 28's Gateway-level TLS references on the real Traefik v3.6.12 (Gateway API provider) and a
// real kube-apiserver with the Gateway API v1.6.1 standard CRDs:
//
// - enforce: a Gateway whose spec.tls.frontend client-certificate validation (default, perPort)
//   names a CA ConfigMap that does not exist, and a BackendTLSPolicy whose CA ConfigMap does not
//   exist, are refused with the messages of fixtures/expected.yaml; the stored Gateway is unchanged.
// - without certguard's webhooks: the same Gateway is stored, and what Traefik does with it is
//   recorded — its Gateway and listener conditions, and whether a client without a certificate, or
//   with one from a CA nobody configured, still gets through the HTTPS listener; then the same with
//   spec.tls.frontend.perPort and spec.tls.backend.clientCertificateRef added, then with the CA
//   ConfigMaps created. Traefik v3.6.12 never reads Gateway.spec.tls (its provider builds every
//   HTTPS router with an empty RouterTLSConfig: pkg/provider/kubernetes/gateway/httproute.go
//   loadHTTPRoute), so nothing changes at any step: the point is to show that on the real thing.
// - BackendTLSPolicy, which Traefik does implement (httproute.go loadHTTPServers and
//   loadServersTransport): with its CA ConfigMap missing, the conditions Traefik writes on the
//   policy and on the HTTPRoute, and the HTTP status a request through that route gets; then the
//   ConfigMap is created and the conditions recover.
//
// No backend is reachable (EndpointSlices cannot hold loopback addresses): the HTTPS route answers
// with a RequestRedirect filter, and the BackendTLSPolicy's Service uses Traefik's nativeLB
// annotation so that Traefik resolves it to its ClusterIP without endpoints.
import { request } from 'node:https';
import { request as httpRequest } from 'node:http';
import type { TLSSocket } from 'node:tls';
import t from 'tap';
import { issueSelfSigned, validityWindow } from '../../src/certs/x509.ts';
import { readExpected } from '../helpers/policy-fixtures.ts';
import type { Cluster } from './harness/cluster.ts';
import { namespace, tlsSecret, yamlOf, type Condition } from './harness/objects.ts';
import { issueCa, issueClient, type Issued } from './harness/pki.ts';
import { waitFor } from './harness/processes.ts';
import { startStack } from './harness/stack.ts';
import { GATEWAY_CONTROLLER, startTraefik } from './harness/traefik.ts';
import { unregisterWebhooks } from './harness/webhooks.ts';

type Obj = Record<string, unknown>;

// The names of the fixtures bad/client-ca-missing.yaml and bad/backendtlspolicy-ca-missing.yaml,
// so that their expected messages apply verbatim.
const GW_NS = 'traefik';
const GW = 'traefik-gateway';
const APPS = 'apps';
const HOST = 'app.example.com';
const API_HOST = 'api.example.com';
const WEBHOOK = 'gateway-listener-tls.certguard.io';

const expected = readExpected('gateway-listener-tls');
const messageOf = (fixture: string): string => {
  const [verdict] = expected.get(fixture) ?? [];
  if (!verdict || verdict.violations.length !== 1) throw new Error(`${fixture}: expected one violation in expected.yaml`);
  return verdict.violations[0] as string;
};

type Ports = { websecure: number; web: number };
type FrontendRefs = { defaultCa?: string; perPortCa?: string; backendSecret?: string };

const caRef = (name: string): Obj => ({ group: '', kind: 'ConfigMap', name });

const gateway = (ports: Ports, refs: FrontendRefs = {}): Obj => {
  const frontend = {
    // The CRD requires frontend.default whenever frontend is set.
    ...(refs.defaultCa ? { default: { validation: { caCertificateRefs: [caRef(refs.defaultCa)] } } } : refs.perPortCa ? { default: {} } : {}),
    ...(refs.perPortCa ? { perPort: [{ port: ports.websecure, tls: { validation: { caCertificateRefs: [caRef(refs.perPortCa)] } } }] } : {}),
  };
  const tls = {
    ...(Object.keys(frontend).length > 0 ? { frontend } : {}),
    ...(refs.backendSecret ? { backend: { clientCertificateRef: { group: '', kind: 'Secret', name: refs.backendSecret } } } : {}),
  };
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { namespace: GW_NS, name: GW },
    spec: {
      gatewayClassName: 'traefik',
      listeners: [
        {
          name: 'websecure-app',
          port: ports.websecure,
          protocol: 'HTTPS',
          hostname: HOST,
          tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name: 'app-tls' }] },
        },
        { name: 'web-api', port: ports.web, protocol: 'HTTP', hostname: API_HOST, allowedRoutes: { namespaces: { from: 'All' } } },
      ],
      ...(Object.keys(tls).length > 0 ? { tls } : {}),
    },
  };
};

// Answers without a backend: a request that gets a 302 went through TLS termination and routing.
const redirectRoute: Obj = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { namespace: GW_NS, name: 'app' },
  spec: {
    parentRefs: [{ name: GW, sectionName: 'websecure-app' }],
    hostnames: [HOST],
    rules: [{ filters: [{ type: 'RequestRedirect', requestRedirect: { hostname: 'redirected.example.com', statusCode: 302 } }] }],
  },
};

const apiService: Obj = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { namespace: APPS, name: 'api', annotations: { 'traefik.io/service.nativelb': 'true' } },
  spec: { ports: [{ name: 'https', port: 443 }] },
};

const apiRoute: Obj = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { namespace: APPS, name: 'api' },
  spec: { parentRefs: [{ name: GW, namespace: GW_NS, sectionName: 'web-api' }], hostnames: [API_HOST], rules: [{ backendRefs: [{ name: 'api', port: 443 }] }] },
};

const backendTlsPolicy: Obj = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'BackendTLSPolicy',
  metadata: { namespace: APPS, name: 'api-tls' },
  spec: {
    targetRefs: [{ group: '', kind: 'Service', name: 'api' }],
    validation: { caCertificateRefs: [caRef('api-ca')], hostname: 'api.internal' },
  },
};

const caConfigMap = (ns: string, name: string, ca: Issued): Obj => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { namespace: ns, name },
  data: { 'ca.crt': ca.certificatePem },
});

/** Condition type → "Status Reason" (and ": message" where asked), as written. */
const summary = (conditions: Condition[] | undefined, withMessage: string[] = []): Record<string, string> =>
  Object.fromEntries(
    (conditions ?? []).map((c) => {
      const message = (c as Condition & { message?: string }).message;
      return [c.type, `${c.status} ${c.reason ?? ''}${withMessage.includes(c.type) && message ? `: ${message}` : ''}`];
    }),
  );

type GatewayObject = {
  metadata: { generation: number };
  status?: { conditions?: Condition[]; listeners?: Array<{ name: string; conditions?: Condition[] }> };
};
type GatewayState = { generation: number; gateway: Record<string, string>; listeners: Record<string, Record<string, string>> };

const getJson = async <T>(cluster: Cluster, args: string[]): Promise<T> => {
  const got = await cluster.kubectl(['get', ...args, '-o', 'json']);
  if (got.code !== 0) throw new Error(got.stderr);
  return JSON.parse(got.stdout) as T;
};

/** Traefik's status of the Gateway, once every condition it wrote describes the current generation. */
const gatewayState = async (cluster: Cluster): Promise<GatewayState | undefined> => {
  const object = await getJson<GatewayObject>(cluster, ['gateway', GW, '-n', GW_NS]);
  const { generation } = object.metadata;
  const listeners = object.status?.listeners ?? [];
  const all = [...(object.status?.conditions ?? []), ...listeners.flatMap((l) => l.conditions ?? [])];
  if (all.length === 0 || all.some((c) => c.observedGeneration !== generation)) return undefined;
  return {
    generation,
    gateway: summary(object.status?.conditions),
    listeners: Object.fromEntries(listeners.map((l) => [l.name, summary(l.conditions)])),
  };
};

const untilGeneration = (cluster: Cluster, after: number) =>
  waitFor(
    `Traefik's status for a Gateway generation after ${after}`,
    async () => {
      const state = await gatewayState(cluster);
      return state && state.generation > after ? state : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );

const HEALTHY: Omit<GatewayState, 'generation'> = {
  gateway: { Accepted: 'True Accepted', Programmed: 'True Programmed' },
  listeners: {
    'websecure-app': { Accepted: 'True Accepted', ResolvedRefs: 'True ResolvedRefs', Programmed: 'True Programmed' },
    'web-api': { Accepted: 'True Accepted', ResolvedRefs: 'True ResolvedRefs', Programmed: 'True Programmed' },
  },
};

type Answer = { status?: number; location?: string; served?: string; error?: string };

/** GET https://HOST/ on Traefik's HTTPS entry point, with or without a client certificate. */
const getHttps = (port: number, client?: Issued): Promise<Answer> =>
  new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        servername: HOST,
        path: '/',
        headers: { host: HOST },
        agent: false,
        // Trust is not the question: which certificate is served, and whether the client gets in.
        rejectUnauthorized: false,
        ...(client ? { cert: client.certificatePem, key: client.privateKeyPem } : {}),
        timeout: 5_000,
      },
      (response) => {
        const served = (response.socket as TLSSocket).getPeerX509Certificate()?.subject;
        response.resume();
        resolve({ status: response.statusCode, location: response.headers.location, served });
      },
    );
    req.once('timeout', () => req.destroy(new Error('timed out')));
    req.once('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    req.end();
  });

const getHttp = (port: number, host: string): Promise<Answer> =>
  new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/', headers: { host }, agent: false, timeout: 5_000 }, (response) => {
      response.resume();
      resolve({ status: response.statusCode });
    });
    req.once('timeout', () => req.destroy(new Error('timed out')));
    req.once('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    req.end();
  });

const REDIRECTED: Answer = { status: 302, location: '//redirected.example.com/', served: `CN=${HOST}` };

type PolicyObject = {
  metadata: { generation: number };
  status?: { ancestors?: Array<{ ancestorRef: Obj; controllerName: string; conditions?: Condition[] }> };
};
type RouteObject = { metadata: { generation: number }; status?: { parents?: Array<{ controllerName: string; conditions?: Condition[] }> } };

const policyConditions = async (cluster: Cluster) => {
  const policy = await getJson<PolicyObject>(cluster, ['backendtlspolicy', 'api-tls', '-n', APPS]);
  const ancestors = (policy.status?.ancestors ?? []).filter((a) => a.controllerName === GATEWAY_CONTROLLER);
  return {
    ancestors: ancestors.map((a) => a.ancestorRef),
    conditions: ancestors.map((a) => summary(a.conditions, ['ResolvedRefs'])),
  };
};

const routeConditions = async (cluster: Cluster) => {
  const route = await getJson<RouteObject>(cluster, ['httproute', 'api', '-n', APPS]);
  return (route.status?.parents ?? []).filter((p) => p.controllerName === GATEWAY_CONTROLLER).map((p) => summary(p.conditions, ['ResolvedRefs']));
};

t.test("a Gateway's client-certificate CA refs and a BackendTLSPolicy's on Traefik v3.6.12", async (t) => {
  const stack = await startStack(t, { config: {}, failurePolicy: 'Fail', controllerManager: false });
  const { cluster } = stack;
  const traefik = await startTraefik(cluster);
  t.teardown(() => traefik.stop());
  const ports: Ports = { websecure: traefik.websecurePort, web: traefik.webPort };
  const serving = await issueSelfSigned({ commonName: HOST, dnsNames: [HOST], ...validityWindow(1) });
  const clientCa = await issueCa('certguard-e2e client CA');
  const otherCa = await issueCa('certguard-e2e CA nobody configured');
  const backendCa = await issueCa('certguard-e2e backend CA');
  const trustedClient = await issueClient(clientCa, 'trusted-client');
  const strangerClient = await issueClient(otherCa, 'stranger');

  const prepared = await cluster.kubectl(['apply', '-f', '-'], {
    input: yamlOf(
      traefik.gatewayClass,
      namespace(GW_NS),
      namespace(APPS),
      tlsSecret(GW_NS, 'app-tls', serving),
      redirectRoute,
      apiService,
      apiRoute,
      gateway(ports),
    ),
  });
  t.equal(prepared.code, 0, prepared.stderr);
  const healthy = await waitFor(
    'Traefik to accept and program the Gateway',
    async () => {
      const state = await gatewayState(cluster);
      return state?.gateway.Programmed === 'True Programmed' ? state : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
  t.same({ gateway: healthy.gateway, listeners: healthy.listeners }, HEALTHY, 'without spec.tls: Accepted and Programmed, both listeners resolved');
  const before = await waitFor('the HTTPS route to answer', async () => {
    const answer = await getHttps(ports.websecure);
    return answer.status === 302 ? answer : undefined;
  });
  t.same(before, REDIRECTED, 'HTTPS serves the listener certificate and the route answers 302');

  await t.test("enforce: refused with certguard's messages, the Gateway unchanged", async (t) => {
    const denied = (stderr: string, message: string) => stderr.includes(`admission webhook "${WEBHOOK}" denied the request: ${message}\n`);

    const withDefault = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(gateway(ports, { defaultCa: 'client-ca' })) });
    t.equal(withDefault.code, 1);
    t.ok(
      denied(withDefault.stderr, messageOf('bad/client-ca-missing.yaml')),
      `frontend.default: the message of bad/client-ca-missing.yaml:\n${withDefault.stderr}`,
    );

    const withPerPort = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(gateway(ports, { perPortCa: 'admin-ca' })) });
    t.equal(withPerPort.code, 1);
    const perPort = `spec.tls.frontend.perPort[0].tls.validation.caCertificateRefs[0] ConfigMap "traefik/admin-ca" (Gateway traefik/traefik-gateway, port ${ports.websecure}) does not exist: Gateway API has the controller set ResolvedRefs False (InvalidCACertificateRef) on every HTTPS listener on port ${ports.websecure}, and Accepted False (NoValidCACertificate) on a listener none of whose CA references is valid. Fix: create ConfigMap "traefik/admin-ca" with the PEM certificates of the CAs that issue your clients' certificates in "ca.crt", or correct the reference (certguard creates no placeholder for a CA bundle: a self-signed stand-in would make mTLS accept or reject the wrong clients)`;
    t.ok(denied(withPerPort.stderr, perPort), `frontend.perPort: the port is named:\n${withPerPort.stderr}`);

    const policy = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(backendTlsPolicy) });
    t.equal(policy.code, 1);
    t.ok(denied(policy.stderr, messageOf('bad/backendtlspolicy-ca-missing.yaml')), `the message of bad/backendtlspolicy-ca-missing.yaml:\n${policy.stderr}`);

    t.same(await gatewayState(cluster), healthy, 'same generation, same conditions');
  });

  await t.test('without certguard: Traefik ignores spec.tls, mTLS is not enforced', async (t) => {
    await unregisterWebhooks(cluster);
    await waitFor('the API server to stop calling certguard', async () => {
      const probe = await cluster.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: yamlOf(gateway(ports, { defaultCa: 'client-ca' })) });
      return probe.code === 0 ? true : undefined;
    });

    const stages: Array<{ what: string; refs: FrontendRefs }> = [
      { what: 'frontend.default CA ConfigMap missing', refs: { defaultCa: 'client-ca' } },
      {
        what: 'frontend.default and perPort CA ConfigMaps and backend client Secret missing',
        refs: { defaultCa: 'client-ca', perPortCa: 'admin-ca', backendSecret: 'backend-client' },
      },
    ];
    let generation = healthy.generation;
    for (const stage of stages) {
      const applied = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(gateway(ports, stage.refs)) });
      t.equal(applied.code, 0, applied.stderr);
      const state = await untilGeneration(cluster, generation);
      generation = state.generation;
      t.same({ gateway: state.gateway, listeners: state.listeners }, HEALTHY, `${stage.what}: Traefik writes Accepted and Programmed, every listener resolved`);
      t.same(await getHttps(ports.websecure), REDIRECTED, `${stage.what}: a client without a certificate gets in`);
      t.same(await getHttps(ports.websecure, strangerClient), REDIRECTED, `${stage.what}: a client certificate from an unconfigured CA gets in`);
    }

    const skipped = () => traefik.logs().split('Skipping Kubernetes event kind *v1.ConfigMap').length - 1;
    const skippedBefore = skipped();
    const created = await cluster.kubectl(['apply', '-f', '-'], {
      input: yamlOf(caConfigMap(GW_NS, 'client-ca', clientCa), caConfigMap(GW_NS, 'admin-ca', clientCa)),
    });
    t.equal(created.code, 0, created.stderr);
    // The provider rebuilds its configuration on every watched event and logs this line when the
    // result hashes the same as before: the CA ConfigMaps change nothing Traefik serves.
    await waitFor('Traefik to reconcile the ConfigMap events', async () => (skipped() > skippedBefore ? true : undefined), { timeoutMs: 30_000 });
    t.pass("the ConfigMap events left Traefik's configuration unchanged");
    const after = await gatewayState(cluster);
    t.same(after && { gateway: after.gateway, listeners: after.listeners }, HEALTHY, 'with the CA ConfigMaps: still Accepted and Programmed');
    t.equal(after?.generation, generation, 'no new generation');
    t.same(await getHttps(ports.websecure), REDIRECTED, 'with the CA ConfigMaps: a client without a certificate still gets in');
    t.same(await getHttps(ports.websecure, strangerClient), REDIRECTED, 'with the CA ConfigMaps: a certificate from an unconfigured CA still gets in');
    t.same(await getHttps(ports.websecure, trustedClient), REDIRECTED, 'a certificate from the configured CA gets in too');
  });

  await t.test('without certguard: a BackendTLSPolicy with its CA ConfigMap missing, then created', async (t) => {
    const applied = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(backendTlsPolicy) });
    t.equal(applied.code, 0, applied.stderr);
    const broken = await waitFor(
      "Traefik's status on the BackendTLSPolicy",
      async () => {
        const policy = await policyConditions(cluster);
        return policy.conditions.length > 0 ? policy : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    const notFound = 'getting configmap apps/api-ca: configmap "api-ca" not found';
    // Traefik evaluates the route once per listener of its Gateway and each evaluation replaces
    // its ancestor status: the sectionName is whichever listener came last, not necessarily the
    // one the route attaches to; the namespace it writes is the policy's, not the Gateway's.
    t.same(
      broken.conditions,
      [{ ResolvedRefs: `False InvalidCACertificateRef: ${notFound}`, Accepted: 'False NoValidCACertificate' }],
      'the policy: ResolvedRefs=False InvalidCACertificateRef, Accepted=False NoValidCACertificate',
    );
    t.match(
      broken.ancestors,
      [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: APPS, name: GW, sectionName: /^(websecure-app|web-api)$/ }],
      "one ancestor: the Gateway, written with the policy's namespace",
    );
    t.equal(broken.ancestors.length, 1);
    t.comment(`ancestorRef as written: ${JSON.stringify(broken.ancestors[0])}`);
    const route = await waitFor('the route to report the policy', async () => {
      const parents = await routeConditions(cluster);
      return parents[0]?.ResolvedRefs?.startsWith('False') ? parents : undefined;
    });
    t.same(
      route,
      [{ Accepted: 'True Accepted', ResolvedRefs: `False RefNotPermitted: Cannot apply BackendTLSPolicy for Service apps/api: ${notFound}` }],
      'the HTTPRoute: ResolvedRefs=False',
    );
    t.same(await getHttp(ports.web, API_HOST), { status: 500 }, 'a request through the route gets HTTP 500');

    const created = await cluster.kubectl(['apply', '-f', '-'], { input: yamlOf(caConfigMap(APPS, 'api-ca', backendCa)) });
    t.equal(created.code, 0, created.stderr);
    const recovered = await waitFor(
      'the policy to recover',
      async () => {
        const policy = await policyConditions(cluster);
        return policy.conditions[0]?.ResolvedRefs?.startsWith('True') ? policy : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    t.same(recovered.conditions, [{ ResolvedRefs: 'True ResolvedRefs', Accepted: 'True Accepted' }], 'with the ConfigMap: ResolvedRefs and Accepted True');
    t.same(
      await waitFor('the route to recover', async () => {
        const parents = await routeConditions(cluster);
        return parents[0]?.ResolvedRefs?.startsWith('True') ? parents : undefined;
      }),
      [{ Accepted: 'True Accepted', ResolvedRefs: 'True ResolvedRefs' }],
      'the HTTPRoute: ResolvedRefs=True',
    );
  });
});
