// A stale kubeconfig (the API server at https://127.0.0.1:1): a read that fails is "could not
// decide" — a warning naming what could not be read, or a denial where the policy's setting says
// so — never "internal error".
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { createLiveView } from '../../src/cluster/live/live-view.ts';
import { parseConfig } from '../../src/config/load.ts';
import { buildPolicies } from '../../src/compose.ts';
import { buildApp } from '../../src/server/app.ts';
import { createLogger } from '../../src/server/logger.ts';
import { recordingLogger } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'certguard-stale-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const kubeconfig = join(dir, 'config');
writeFileSync(
  kubeconfig,
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'gone', cluster: { server: 'https://127.0.0.1:1', 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'me', user: { token: 'stale' } }],
    contexts: [{ name: 'gone', context: { cluster: 'gone', user: 'me' } }],
    'current-context': 'gone',
  }),
);

const post = async (config: object, body: unknown) => {
  const view = createLiveView({ kubeconfig, staleAfterSeconds: 30, logger: recordingLogger().logger });
  const logger = createLogger('silent');
  const app = buildApp({ policies: buildPolicies(parseConfig(config), { logger }), view, writer: view, logger });
  const response = await app.inject({ method: 'POST', url: '/validate', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
  await app.close();
  await view.stop();
  return { status: response.statusCode, body: response.json() };
};

/** The README's example review, with only its missing-Secret listener (one read, one message). */
const exampleReview = () => {
  const review = JSON.parse(readFileSync('examples/reviews/gateway-missing-secret.json', 'utf8'));
  review.request.object.spec.listeners = review.request.object.spec.listeners.filter((listener: { name: string }) => listener.name === 'websecure-keycloak');
  return review;
};

t.test("the README's example review against a stale kubeconfig is allowed with a warning naming the Secret it could not read", async (t) => {
  const { status, body } = await post({}, exampleReview());
  t.equal(status, 200);
  t.same(body.response, {
    uid: '7f1c2d3e-0000-4000-8000-000000000000',
    allowed: true,
    warnings: [
      'gateway-listener-tls could not decide, so this request was admitted without its check: reading Secret traefik/keycloak-tls from the API server: API server unreachable: connect ECONNREFUSED 127.0.0.1:1',
    ],
  });
});

t.test('certificate-dns with onLookupError: deny denies what it could not read', async (t) => {
  const certificate = {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: 'c-1',
      kind: { group: 'cert-manager.io', version: 'v1', kind: 'Certificate' },
      resource: { group: 'cert-manager.io', version: 'v1', resource: 'certificates' },
      namespace: 'apps',
      name: 'web',
      operation: 'CREATE',
      object: {
        apiVersion: 'cert-manager.io/v1',
        kind: 'Certificate',
        metadata: { name: 'web', namespace: 'apps' },
        spec: { secretName: 'web-tls', dnsNames: ['web.example.com'], issuerRef: { name: 'letsencrypt', kind: 'ClusterIssuer' } },
      },
    },
  };
  const { body } = await post({ policies: { 'certificate-dns': { onLookupError: 'deny' } } }, certificate);
  t.same(body.response.status, {
    code: 403,
    reason: 'Forbidden',
    message:
      'certificate-dns could not decide and denies what it cannot check (onLookupError: deny): reading Namespace apps from the API server: API server unreachable: connect ECONNREFUSED 127.0.0.1:1. Try again later',
  });
});
