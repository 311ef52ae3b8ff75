// One deadline per review: when it passes, certguard answers at once with each unfinished
// policy's "could not decide" verdict; a failed read is "could not decide" too, never a 500.
import { request as httpRequest } from 'node:http';
import { Writable } from 'node:stream';
import t from 'tap';
import { review } from '../../src/admission/complete.ts';
import type { AdmissionRequest } from '../../src/admission/types.ts';
import { ManifestView } from '../../src/cluster/manifest-view.ts';
import { ViewReadError } from '../../src/cluster/view.ts';
import type { SecretWriter } from '../../src/cluster/writer.ts';
import { createMetrics } from '../../src/metrics/metrics.ts';
import { buildApp } from '../../src/server/app.ts';
import { createLogger } from '../../src/server/logger.ts';
import type { Policy, ReviewContext } from '../../src/policies/types.ts';
import { reviewOf } from '../helpers/reviews.ts';

const request = (): AdmissionRequest => ({ ...reviewOf({}).request, uid: 'u-1' }) as AdmissionRequest;

/** As the review handler makes it: a (referenced) timer aborting with a TimeoutError. */
const timeoutAfter = (ms: number): AbortSignal => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(new DOMException('deadline', 'TimeoutError')), ms);
  return controller.signal;
};

/** A check that only ends when its signal aborts, as a hung GET does. */
const hanging = (id: string, extra: Partial<Policy> = {}): Policy => ({
  id,
  mode: 'enforce',
  admission: 'validating',
  matches: () => true,
  check: (_request, _view, context: ReviewContext) => new Promise(() => void context.signal),
  ...extra,
});

t.test('a policy still running at the deadline allows with a warning naming what it could not finish', async (t) => {
  const started = Date.now();
  const outcome = await review(request(), [hanging('gateway-listener-tls')], { view: new ManifestView(), signal: timeoutAfter(50), deadlineMs: 50 });
  t.ok(Date.now() - started < 1000, 'answered right after the deadline');
  t.same(outcome.response, {
    uid: 'u-1',
    allowed: true,
    warnings: [
      'gateway-listener-tls could not decide, so this request was admitted without its check: the 50 ms review deadline (--request-timeout) passed before it finished',
    ],
  });
  t.match(outcome.decisions, [{ policy: 'gateway-listener-tls', decision: 'undecided', deadlineExceeded: true }]);
});

t.test('a policy whose setting says deny denies what it could not decide', async (t) => {
  const policy = hanging('certificate-dns', { whenUndecided: { verdict: 'deny', setting: 'onLookupError' } });
  const outcome = await review(request(), [policy], { view: new ManifestView(), signal: timeoutAfter(20), deadlineMs: 20 });
  t.same(outcome.response.status, {
    code: 403,
    reason: 'Forbidden',
    message:
      'certificate-dns could not decide and denies what it cannot check (onLookupError: deny): the 20 ms review deadline (--request-timeout) passed before it finished. Try again later',
  });
});

t.test('a read the view could not answer is "could not decide", naming the read, not an internal error', async (t) => {
  const policy: Policy = {
    id: 'gateway-listener-tls',
    mode: 'enforce',
    admission: 'validating',
    matches: () => true,
    check: async () => {
      throw new ViewReadError('reading Secret traefik/keycloak-tls from the API server: API server unreachable: connect ECONNREFUSED 127.0.0.1:1');
    },
  };
  const outcome = await review(request(), [policy], { view: new ManifestView() });
  t.same(outcome.response, {
    uid: 'u-1',
    allowed: true,
    warnings: [
      'gateway-listener-tls could not decide, so this request was admitted without its check: reading Secret traefik/keycloak-tls from the API server: API server unreachable: connect ECONNREFUSED 127.0.0.1:1',
    ],
  });
  t.match(outcome.decisions, [{ decision: 'undecided' }]);
  t.notOk(outcome.decisions[0]?.deadlineExceeded);
});

t.test('policies run side by side: a hung one does not hold up the answer of the others', async (t) => {
  const quick: Policy = {
    id: 'acme-solver-cap',
    mode: 'enforce',
    admission: 'validating',
    matches: () => true,
    check: async () => ({ violations: ['over the cap'], warnings: [] }),
  };
  const outcome = await review(request(), [hanging('gateway-listener-tls'), quick], { view: new ManifestView(), signal: timeoutAfter(30), deadlineMs: 30 });
  t.equal(outcome.response.status?.message, 'over the cap');
  t.match(outcome.decisions, [
    { policy: 'gateway-listener-tls', decision: 'undecided' },
    { policy: 'acme-solver-cap', decision: 'denied' },
  ]);
});

const planning = (check: Policy['check']): Policy => ({ id: 'gateway-listener-tls', mode: 'placeholder', admission: 'mutating', matches: () => true, check });

const effect = {
  type: 'create-secret' as const,
  buildSecret: async () => ({ metadata: { name: 's', namespace: 'traefik' } }),
  warningOnCreate: 'created s',
  denyOnFailure: 'could not create s: {reason}',
};

t.test('a placeholder create not started when time is up is not started', async (t) => {
  let creates = 0;
  const writer: SecretWriter = { createSecret: async () => (creates++, { outcome: 'created' }) };
  const controller = new AbortController();
  const policy = planning(async () => {
    controller.abort(new DOMException('late', 'TimeoutError'));
    return { violations: [], warnings: [], effects: [effect] };
  });
  const outcome = await review(request(), [policy], { view: new ManifestView(), writer, signal: controller.signal, deadlineMs: 4000 });
  t.equal(creates, 0);
  t.equal(outcome.response.status?.message, "could not create s: certguard did not start it: the review's deadline passed first");
  t.match(outcome.decisions, [{ decision: 'denied', deadlineExceeded: true }]);
});

t.test('a hung create is abandoned at the deadline with its denial', async (t) => {
  const signals: AbortSignal[] = [];
  const writer: SecretWriter = { createSecret: (_secret, options) => (signals.push(options?.signal as AbortSignal), new Promise(() => {})) };
  const policy = planning(async () => ({ violations: [], warnings: [], effects: [effect] }));
  const outcome = await review(request(), [policy], { view: new ManifestView(), writer, signal: timeoutAfter(40), deadlineMs: 40 });
  t.equal(outcome.response.status?.message, "could not create s: the create was abandoned: the review's deadline passed first");
  t.equal(signals[0]?.aborted, true, 'the writer was handed the review signal, now aborted');
});

t.test('over HTTP: the log line says the deadline cut the review short, and the counter counts it', async (t) => {
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) });
  const view = new ManifestView();
  const metrics = createMetrics(view, { defaultMetrics: false });
  const app = buildApp({
    policies: [hanging('gateway-listener-tls')],
    view,
    logger: createLogger('info', sink),
    recordDecision: metrics.recordDecision,
    reviewDeadlineMs: 60,
  });
  const response = await app.inject({
    method: 'POST',
    url: '/validate',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify(reviewOf({})),
  });
  await app.close();
  t.equal(response.json().response.allowed, true);
  const decision = lines.map((line) => JSON.parse(line)).find((line) => line.msg === 'admission decision');
  t.equal(decision.deadline, 'the 60 ms deadline cut the review short: gateway-listener-tls could not finish');
  t.match(decision.policies, ['gateway-listener-tls=undecided']);
  t.match(await metrics.render(), /certguard_admission_deadline_exceeded_total\{policy="gateway-listener-tls"\} 1/);
});

t.test('a client that hangs up aborts the work of its review', async (t) => {
  let aborted: (reason: unknown) => void = () => {};
  const abortedWith = new Promise<unknown>((resolve) => (aborted = resolve));
  const listening: Policy = hanging('gateway-listener-tls', {
    check: (_request, _view, context) => new Promise(() => context.signal.addEventListener('abort', () => aborted(context.signal.reason), { once: true })),
  });
  const app = buildApp({ policies: [listening], view: new ManifestView(), logger: createLogger('silent'), reviewDeadlineMs: 30_000 });
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.teardown(() => app.close());
  const { port } = app.server.address() as { port: number };
  const client = httpRequest({ host: '127.0.0.1', port, path: '/validate', method: 'POST', headers: { 'content-type': 'application/json' } });
  client.on('error', () => {});
  client.end(JSON.stringify(reviewOf({})));
  setTimeout(() => client.destroy(), 100);
  const reason = (await abortedWith) as DOMException;
  t.equal(reason.name, 'AbortError', 'aborted by the hang-up, long before the 30 s deadline');
});
