import t from 'tap';
import { ManifestView } from '../../src/cluster/manifest-view.ts';
import { buildApp } from '../../src/server/app.ts';
import { createLogger } from '../../src/server/logger.ts';
import { MAX_REVIEW_BYTES } from '../../src/server/limits.ts';
import type { Policy } from '../../src/policies/types.ts';
import { fixedPolicy, throwingPolicy } from '../helpers/policies.ts';
import { reviewOf } from '../helpers/reviews.ts';

const UID = 'b0d8a1f2-0000-4000-8000-000000000001';

const appWith = (policies: Policy[]) => buildApp({ policies, view: new ManifestView(), logger: createLogger('silent') });

const post = async (policies: Policy[], body: unknown, url = '/validate', headers: Record<string, string> = {}) => {
  const app = appWith(policies);
  const response = await app.inject({
    method: 'POST',
    url,
    payload: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...headers },
  });
  await app.close();
  return { status: response.statusCode, body: response.json() };
};

t.test('allows a review no policy objects to, echoing the uid', async (t) => {
  const { status, body } = await post([fixedPolicy('p', {})], reviewOf({}));
  t.equal(status, 200);
  t.same(body, { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: UID, allowed: true } });
});

t.test('denies with 403 Forbidden and every violation of every policy in one message', async (t) => {
  const policies = [fixedPolicy('a', { violations: ['first problem', 'second problem'] }), fixedPolicy('b', { violations: ['third problem'] })];
  const { body } = await post(policies, reviewOf({}));
  t.same(body.response, { uid: UID, allowed: false, status: { code: 403, reason: 'Forbidden', message: 'first problem; second problem; third problem' } });
});

t.test('a policy in warn mode allows and returns its violations as warnings', async (t) => {
  const { body } = await post([fixedPolicy('a', { violations: ['would deny'], warnings: ['note'] }, 'warn')], reviewOf({}));
  t.same(body.response, { uid: UID, allowed: true, warnings: ['would deny', 'note'] });
});

t.test('a policy in off mode is not run', async (t) => {
  const { body } = await post([fixedPolicy('a', { violations: ['no'] }, 'off')], reviewOf({}));
  t.same(body.response, { uid: UID, allowed: true });
});

t.test('answers a v1beta1 review in v1beta1', async (t) => {
  const { body } = await post([fixedPolicy('a', { violations: ['no'] })], reviewOf({}, 'admission.k8s.io/v1beta1'));
  t.equal(body.apiVersion, 'admission.k8s.io/v1beta1');
  t.equal(body.response.uid, UID);
  t.equal(body.response.allowed, false);
});

t.test('a throwing policy yields a 500 AdmissionReview carrying the uid', async (t) => {
  const { status, body } = await post([throwingPolicy('boom')], reviewOf({}));
  t.equal(status, 200, 'the HTTP exchange itself succeeded');
  t.same(body.response, { uid: UID, allowed: false, status: { code: 500, reason: 'InternalError', message: 'internal error: policy boom: view exploded' } });
});

t.test('/validate/<policy> runs only that policy', async (t) => {
  const policies = [fixedPolicy('a', { violations: ['from a'] }), fixedPolicy('b', { violations: ['from b'] })];
  const { body } = await post(policies, reviewOf({}), '/validate/b');
  t.equal(body.response.status.message, 'from b');
});

t.test('/validate/<unknown> is a 404 naming the policy', async (t) => {
  const { status, body } = await post([fixedPolicy('a', {})], reviewOf({}), '/validate/nope');
  t.equal(status, 404);
  t.same(body, { error: 'Not Found', message: 'unknown policy "nope"' });
});

t.test('placeholder-mode policies are served by /mutate, not /validate', async (t) => {
  const policies = [fixedPolicy('gateway-listener-tls', { violations: ['from mutate'] }, 'placeholder')];
  t.equal((await post(policies, reviewOf({}), '/validate')).body.response.allowed, true);
  t.equal((await post(policies, reviewOf({}), '/mutate')).body.response.status.message, 'from mutate');
});

const malformed: Array<[string, unknown, string, Record<string, string>?]> = [
  // A message ending in … is a prefix: the rest is the JSON parser's own words.
  ['a body that is not JSON', '{"apiVersion":', 'malformed AdmissionReview: body is not valid JSON (…'],
  ['an empty body', '', 'malformed AdmissionReview: body is empty'],
  ['a JSON array', '[]', 'malformed AdmissionReview: body must be object'],
  [
    'a wrong apiVersion',
    { ...reviewOf({}), apiVersion: 'admission.k8s.io/v2' },
    'malformed AdmissionReview: body.apiVersion must be ["admission.k8s.io/v1","admission.k8s.io/v1beta1"]',
  ],
  ['a wrong kind', { ...reviewOf({}), kind: 'Review' }, 'malformed AdmissionReview: body.kind must be "AdmissionReview"'],
  ['no request', { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }, "malformed AdmissionReview: body must have required property 'request'"],
  [
    'no uid',
    { ...reviewOf({}), request: { ...reviewOf({}).request, uid: undefined } },
    "malformed AdmissionReview: body.request must have required property 'uid'",
  ],
  ['an empty uid', reviewOf({ uid: '' }), 'malformed AdmissionReview: body.request.uid must NOT have fewer than 1 characters'],
  ['an object that is not an object', reviewOf({ object: 'gateway' as never }), 'malformed AdmissionReview: body.request.object must be object,null'],
  [
    'an unknown operation',
    reviewOf({ operation: 'PATCH' as never }),
    'malformed AdmissionReview: body.request.operation must be ["CREATE","UPDATE","DELETE","CONNECT"]',
  ],
  ['a non-JSON content type', 'apiVersion: x', 'malformed AdmissionReview: content-type must be application/json', { 'content-type': 'text/yaml' }],
];

for (const [name, body, message, headers] of malformed) {
  t.test(`answers 400 with the reason for ${name}`, async (t) => {
    const result = await post([throwingPolicy('never-called')], body, '/validate', headers);
    t.equal(result.status, 400);
    t.equal(result.body.error, 'Bad Request');
    if (message.endsWith('…')) t.ok(String(result.body.message).startsWith(message.slice(0, -1)), `message: ${result.body.message}`);
    else t.equal(result.body.message, message);
  });
}

t.test('answers 400 for an oversized body, naming the limit', async (t) => {
  const big = JSON.stringify({ ...reviewOf({}), padding: 'x'.repeat(MAX_REVIEW_BYTES) });
  const result = await post([fixedPolicy('a', {})], big);
  t.equal(result.status, 400);
  t.same(result.body, { error: 'Bad Request', message: `malformed AdmissionReview: body is larger than ${MAX_REVIEW_BYTES} bytes` });
});

t.test('accepts a review close to the Kubernetes maximum (object and oldObject of 3 MiB each)', async (t) => {
  const threeMiB = 'x'.repeat(3 * 1024 * 1024 - 200);
  const body = reviewOf({
    operation: 'UPDATE',
    object: { metadata: { annotations: { big: threeMiB } } },
    oldObject: { metadata: { annotations: { big: threeMiB } } },
  });
  const result = await post([fixedPolicy('a', {})], body);
  t.equal(result.status, 200);
  t.equal(result.body.response.allowed, true);
});
