// The expiry check against the live view: it reads a certificate's notAfter from the content
// verdict admission asks for (view.judgeSecret), so it adds no Secret GET of its own; the audit
// keeps no verdict it fetched, and one a review kept spares it the GET. GETs are counted at the
// fake API server.
import t from 'tap';
import { runAudit, sourceOf } from '../../src/audit/audit.ts';
import { buildAuditPolicies } from '../../src/compose.ts';
import type { Finding } from '../../src/audit/findings.ts';
import { buildCertificate, generateRsaKeyPair } from '../../src/certs/x509.ts';
import { createLiveView, type LiveView } from '../../src/cluster/live/live-view.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { KubeObject } from '../../src/kube/object.ts';
import { SECRET_CONTENT_JUDGE } from '../../src/policies/gateway-listener-tls/secret-content.ts';
import { gateway, https, tlsSecret } from '../helpers/gateway-tls.ts';
import { createLogger } from '../../src/server/logger.ts';
import { FakeApiServer, type FakeObject } from '../cluster/fake-api-server.ts';
import { recordingLogger, waitFor } from '../cluster/helpers.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Every GET of one Secret by name (lists and watches carry a query string). */
const secretGets = (api: FakeApiServer): number =>
  api.requests.filter((request) => request.method === 'GET' && /^\/api\/v1\/namespaces\/[^/]+\/secrets\/[^/?]+$/.test(request.path)).length;

t.test('the expiry check on the live view', async (t) => {
  const now = new Date();
  const keys = await generateRsaKeyPair();
  const notAfter = new Date(Math.floor((now.getTime() + 5 * DAY_MS + 60_000) / 1000) * 1000);
  const crt = buildCertificate({
    commonName: 'app.example.com',
    dnsNames: ['app.example.com'],
    notBefore: new Date(now.getTime() - 80 * DAY_MS),
    notAfter,
    publicKeyPem: keys.publicKeyPem,
    selfSigningKeyPem: keys.privateKeyPem,
  });
  const api = new FakeApiServer();
  await api.start();
  const view: LiveView = createLiveView({
    kubeconfig: api.kubeconfigPath,
    staleAfterSeconds: 30,
    logger: recordingLogger().logger,
    backoff: { initialMs: 20, maxMs: 100 },
  });
  t.teardown(async () => {
    await view.stop();
    await api.stop();
  });
  api.apply(tlsSecret('traefik', 'soon-tls', { crt, key: keys.privateKeyPem }) as FakeObject);
  api.apply(gateway([https('websecure', 'app.example.com', { name: 'soon-tls' })]) as FakeObject);
  await view.start();
  await waitFor('the view to be ready', () => view.status().ready);
  await waitFor('the Gateway in the cache', () => view.list('gateways').length === 1);
  const config = parseConfig({});
  const policies = buildAuditPolicies(config, { logger: createLogger('silent') });
  const audit = async (): Promise<Finding[]> =>
    (await runAudit({ source: sourceOf(view.list('gateways') as KubeObject[]), view, config, policies, now })).findings;

  const first = await audit();
  t.same(
    first.map((finding) => [finding.rule, finding.result, finding.message]),
    [
      [
        'certificate-expiring',
        'warn',
        `spec.listeners[0] "websecure" (Gateway traefik/traefik-gateway, hostname "app.example.com"): certificateRefs[0] Secret "traefik/soon-tls" holds a certificate that expires at ${notAfter.toISOString()}, in 5 days (audit.expiringWithin is 14d): clients will reject it from then on. Fix: renew the certificate (cmctl renew, or find out why cert-manager did not)`,
      ],
    ],
  );
  t.equal(secretGets(api), 1, "the first audit GETs the Secret once, for admission's content verdict: the expiry check shares it");
  t.same(await audit(), first, 'the same findings');
  t.equal(secretGets(api), 2, 'the audit keeps no verdict of its own: the next audit reads the Secret again, once');
  await view.judgeSecret('traefik', 'soon-tls', SECRET_CONTENT_JUDGE);
  t.equal(secretGets(api), 3, 'a review reads it and keeps the verdict');
  t.same(await audit(), first);
  t.equal(secretGets(api), 3, "an audit after that review makes no Secret GET: the review's verdict answers");
});
