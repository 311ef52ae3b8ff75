// The plain-HTTP port as a kubelet and Prometheus see it, on the real serve path.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { startServer } from '../../src/cli/serve.ts';
import { parseConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/server/logger.ts';
import { localhostCertificates, mountedSecretDir } from '../helpers/certs.ts';
import { reviewOf } from '../helpers/reviews.ts';

const SOLVER_ROUTE = (name: string, namespace: string) => `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: ${name}
  namespace: ${namespace}
  labels: { acme.cert-manager.io/http01-solver: "true" }
  ownerReferences: [{ apiVersion: acme.cert-manager.io/v1, kind: Challenge, name: c-${name}, uid: u-${name}, controller: true }]
`;

t.test('/healthz, /readyz and /metrics on the metrics port reflect reviews and the cluster view', async (t) => {
  const pair = await localhostCertificates();
  const mount = await mountedSecretDir(pair.serving);
  const manifests = await mkdtemp(join(tmpdir(), 'certguard-view-'));
  await writeFile(
    join(manifests, 'routes.yaml'),
    ['a', 'b', 'c'].map((name) => SOLVER_ROUTE(name, 'team-a')).join('---') + '---' + SOLVER_ROUTE('d', 'team-b'),
  );
  const server = await startServer({
    port: 0,
    metricsPort: 0,
    bindAddress: '127.0.0.1',
    certPath: mount.certPath,
    keyPath: mount.keyPath,
    config: parseConfig({ policies: { 'acme-solver-cap': { maxPerNamespace: 3 } } }),
    manifests,
    logger: createLogger('silent'),
  });
  t.teardown(async () => {
    await server.close();
    await mount.cleanup();
    await rm(manifests, { recursive: true, force: true });
  });
  const probe = (path: string) => fetch(`http://127.0.0.1:${server.ports.metrics}${path}`);
  t.same(await (await probe('/healthz')).json(), { status: 'ok' });
  t.same(await (await probe('/readyz')).json(), { status: 'ready' });

  const solver = reviewOf({
    kind: { group: 'gateway.networking.k8s.io', version: 'v1', kind: 'HTTPRoute' },
    resource: { group: 'gateway.networking.k8s.io', version: 'v1', resource: 'httproutes' },
    namespace: 'team-a',
    name: '',
    object: {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { generateName: 'cm-acme-http-solver-', namespace: 'team-a', labels: { 'acme.cert-manager.io/http01-solver': 'true' } },
    },
  });
  const agent = new Agent({ ca: pair.ca.certificatePem });
  t.teardown(() => agent.destroy());
  const answer = await new Promise<{ response: { allowed: boolean } }>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.ports.admission,
        servername: 'localhost',
        path: '/validate/acme-solver-cap',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve(JSON.parse(text)));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(solver));
  });
  t.equal(answer.response.allowed, false, 'the fourth solver in team-a is over the cap of 3');

  const metrics = await probe('/metrics');
  t.match(metrics.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  const text = await metrics.text();
  const line = (prefix: string) => text.split('\n').find((candidate) => candidate.startsWith(prefix));
  t.equal(
    line('certguard_admission_requests_total{'),
    'certguard_admission_requests_total{policy="acme-solver-cap",operation="CREATE",kind="HTTPRoute",decision="denied"} 1',
  );
  t.equal(line('certguard_acme_solver_objects{namespace="team-a"'), 'certguard_acme_solver_objects{namespace="team-a",kind="HTTPRoute"} 3');
  t.equal(line('certguard_acme_solver_objects{namespace="team-b"'), 'certguard_acme_solver_objects{namespace="team-b",kind="HTTPRoute"} 1');
  t.equal(line('certguard_acme_solver_objects_cluster{kind="HTTPRoute"}'), 'certguard_acme_solver_objects_cluster{kind="HTTPRoute"} 4');
  t.ok(line('process_cpu_user_seconds_total'), 'process defaults are exported');
});
