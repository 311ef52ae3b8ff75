// A review whose live GET or Secret create hangs is answered within --request-timeout (plus a
// small margin) with the policy's "could not decide" verdict and a log line that says so, and no
// Secret appears after the answer. Against the fake API server (the real one cannot be made to hang).
import { Writable } from 'node:stream';
import t from 'tap';
import { createLiveView, type LiveView } from '../../src/cluster/live/live-view.ts';
import { createGatewayListenerTlsPolicy } from '../../src/policies/gateway-listener-tls/policy.ts';
import { generatePlaceholderCertificate, placeholderSpecOf } from '../../src/policies/gateway-listener-tls/placeholder.ts';
import { gateway, https, settingsWith } from '../helpers/gateway-tls.ts';
import { buildApp } from '../../src/server/app.ts';
import { createLogger } from '../../src/server/logger.ts';
import { reviewOf } from '../helpers/reviews.ts';
import { FakeApiServer } from './fake-api-server.ts';
import { recordingLogger, waitFor } from './helpers.ts';

const DEADLINE_MS = 400;
// What "at once" may cost on a loaded 2-core test machine; the chart leaves 1 s between the
// deadline and the API server's timeoutSeconds.
const MARGIN_MS = 600;

const setUp = async (t: { teardown: (fn: () => Promise<void>) => void }) => {
  const api = new FakeApiServer();
  await api.start();
  api.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'traefik' } });
  const view: LiveView = createLiveView({ kubeconfig: api.kubeconfigPath, staleAfterSeconds: 30, logger: recordingLogger().logger });
  await view.start();
  await waitFor('the view to be ready', () => view.status().ready);
  t.teardown(async () => {
    await view.stop();
    await api.stop();
  });
  return { api, view };
};

// One certificate, made before the clock starts: RSA key generation is not what is measured.
const issued = await generatePlaceholderCertificate(
  placeholderSpecOf(
    {
      namespace: 'traefik',
      name: 'app-tls',
      owner: { kind: 'Gateway', namespace: 'traefik', name: 'traefik-gateway' },
      listenerNames: ['websecure'],
      hostnames: ['app.example.com'],
    },
    settingsWith().placeholder,
    new Date(),
  ),
);

const post = async (view: LiveView, mode: 'enforce' | 'placeholder') => {
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) });
  // No Certificate fills app-tls here: placeholders for unmanaged Secrets are opted into.
  const settings = settingsWith({ mode });
  const policy = createGatewayListenerTlsPolicy(
    { ...settings, placeholder: { ...settings.placeholder, forUnmanagedSecrets: true } },
    { generatePlaceholder: async () => issued },
  );
  const app = buildApp({ policies: [policy], view, writer: view, logger: createLogger('info', sink), reviewDeadlineMs: DEADLINE_MS });
  const body = reviewOf({ object: gateway([https('websecure', 'app.example.com', { name: 'app-tls' })]) });
  const started = Date.now();
  const response = await app.inject({
    method: 'POST',
    url: mode === 'placeholder' ? '/mutate' : '/validate',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
  const elapsed = Date.now() - started;
  await app.close();
  const decision = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.msg === 'admission decision');
  return { response: response.json().response, elapsed, decision };
};

t.test('a live GET that hangs: answered at the deadline, allowed with a warning naming the Secret it could not read', async (t) => {
  const { api, view } = await setUp(t);
  api.hangGets.add('secrets');
  const { response, elapsed, decision } = await post(view, 'enforce');
  t.ok(elapsed >= DEADLINE_MS && elapsed < DEADLINE_MS + MARGIN_MS, `answered after ${elapsed} ms (deadline ${DEADLINE_MS} ms)`);
  t.same(response.warnings, [
    "gateway-listener-tls could not decide, so this request was admitted without its check: reading Secret traefik/app-tls from the API server: the review's deadline passed first",
  ]);
  t.equal(response.allowed, true);
  t.match(decision, {
    deadline: `the ${DEADLINE_MS} ms deadline cut the review short: gateway-listener-tls could not finish`,
    policies: ['gateway-listener-tls=undecided'],
  });
  await waitFor('the hung GET to be abandoned', () => api.abandoned === 1);
});

t.test('a hung live GET in placeholder mode: no placeholder create is started, then or later', async (t) => {
  const { api, view } = await setUp(t);
  api.hangGets.add('secrets');
  const { response, elapsed } = await post(view, 'placeholder');
  t.ok(elapsed < DEADLINE_MS + MARGIN_MS, `answered after ${elapsed} ms`);
  t.equal(response.allowed, true);
  await new Promise((resolve) => setTimeout(resolve, 2 * DEADLINE_MS));
  t.same(
    api.requests.filter((request) => request.method === 'POST'),
    [],
    'no create was sent',
  );
});

t.test('a Secret create that hangs: answered at the deadline with the placeholder denial, and no Secret appears afterwards', async (t) => {
  const { api, view } = await setUp(t);
  api.createDelayMs = DEADLINE_MS * 3;
  const { response, elapsed, decision } = await post(view, 'placeholder');
  t.ok(elapsed >= DEADLINE_MS && elapsed < DEADLINE_MS + MARGIN_MS, `answered after ${elapsed} ms (deadline ${DEADLINE_MS} ms)`);
  t.equal(response.allowed, false);
  t.match(
    response.status.message,
    /^spec\.listeners\[0\] "websecure" \(Gateway traefik\/traefik-gateway, hostname "app\.example\.com"\): certificateRefs\[0\] Secret "traefik\/app-tls" does not exist and certguard could not create a placeholder: the create was abandoned: the review's deadline passed first: /,
  );
  t.match(decision, { deadline: `the ${DEADLINE_MS} ms deadline cut the review short: gateway-listener-tls could not finish` });
  await waitFor('the delayed create to come due', () => api.abandoned === 1, 5000);
  t.equal(api.requests.filter((request) => request.method === 'POST').length, 1, 'one create was sent, and it was abandoned with the answer');
  t.equal(await view.get('secrets', 'traefik', 'app-tls'), undefined, 'no Secret was created after the answer');
});
