// The break-glass SubjectAccessReview: what is asked of the API server, how long an answer is
// kept, and that a failed review is "could not decide" (a ViewReadError naming it), never kept.
import t from 'tap';
import { createAccessReviewer, reviewBodyOf } from '../../src/cluster/live/access-review.ts';
import type { ApiResponse, RequestOptions } from '../../src/cluster/live/kube-client.ts';
import { ViewReadError } from '../../src/cluster/view.ts';

type Call = { path: string; options: RequestOptions };

const apiServer = (answer: (call: Call) => Promise<ApiResponse>) => {
  const calls: Call[] = [];
  return { calls, request: (path: string, options: RequestOptions) => (calls.push({ path, options }), answer({ path, options })) };
};

const allowedFor =
  (users: string[]) =>
  async ({ options }: Call): Promise<ApiResponse> => {
    const spec = (options.body as { spec: { user: string } }).spec;
    return { status: 201, body: { status: { allowed: users.includes(spec.user) } } };
  };

const alice = {
  user: { username: 'alice', uid: 'u-1', groups: ['dev', 'system:authenticated'], extra: { scopes: ['a'] } },
  namespace: 'shop',
  policy: 'certificate-dns',
};
const signal = new AbortController().signal;

t.test('asks for verb use on breakglass.certguard.io/<policy> in the namespace, as the requester', async (t) => {
  t.same(reviewBodyOf(alice), {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: {
      user: 'alice',
      uid: 'u-1',
      groups: ['dev', 'system:authenticated'],
      extra: { scopes: ['a'] },
      resourceAttributes: { namespace: 'shop', verb: 'use', group: 'certguard.io', resource: 'breakglass', name: 'certificate-dns' },
    },
  });
  const server = apiServer(allowedFor(['alice']));
  const isAllowed = createAccessReviewer(server);
  t.equal(await isAllowed(alice, signal), true);
  t.equal(await isAllowed({ ...alice, user: { username: 'bob' } }, signal), false);
  t.same(
    server.calls.map((call) => [call.path, call.options.method, call.options.signal === signal]),
    [
      ['/apis/authorization.k8s.io/v1/subjectaccessreviews', 'POST', true],
      ['/apis/authorization.k8s.io/v1/subjectaccessreviews', 'POST', true],
    ],
  );
});

t.test('an answer is kept for the TTL per user, namespace and policy, then asked again', async (t) => {
  let now = 0;
  const server = apiServer(allowedFor(['alice']));
  const isAllowed = createAccessReviewer(server, { ttlMs: 10_000, now: () => now });
  await Promise.all([isAllowed(alice, signal), isAllowed(alice, signal)]);
  t.equal(server.calls.length, 1, 'concurrent questions share one review');
  now = 9_999;
  await isAllowed(alice, signal);
  t.equal(server.calls.length, 1, 'kept within the TTL');
  await isAllowed({ ...alice, namespace: 'other' }, signal);
  await isAllowed({ ...alice, policy: 'tls-secret-in-use' }, signal);
  await isAllowed({ ...alice, user: { ...alice.user, groups: ['dev'] } }, signal);
  t.equal(server.calls.length, 4, 'another namespace, policy or group set is another question');
  now = 10_000;
  await isAllowed(alice, signal);
  t.equal(server.calls.length, 5, 'asked again once the TTL passed');
});

t.test('a review that fails is a ViewReadError naming the question, and is not kept', async (t) => {
  let fail = true;
  const server = apiServer(async (call) =>
    fail
      ? {
          status: 403,
          body: {
            kind: 'Status',
            message:
              'subjectaccessreviews.authorization.k8s.io is forbidden: User "system:serviceaccount:certguard:certguard" cannot create resource "subjectaccessreviews"',
            reason: 'Forbidden',
            code: 403,
          },
        }
      : allowedFor(['alice'])(call),
  );
  const isAllowed = createAccessReviewer(server);
  const error = await isAllowed(alice, signal).catch((caught: unknown) => caught);
  t.ok(error instanceof ViewReadError);
  t.equal(
    (error as Error).message,
    'asking the API server whether user "alice" may use certguard\'s break glass for certificate-dns in namespace "shop" (SubjectAccessReview): ' +
      'HTTP 403 Forbidden: subjectaccessreviews.authorization.k8s.io is forbidden: User "system:serviceaccount:certguard:certguard" cannot create resource "subjectaccessreviews"',
  );
  fail = false;
  t.equal(await isAllowed(alice, signal), true, 'the next question asks again');
  t.equal(server.calls.length, 2);
});

t.test("the review's deadline aborts the review: the error says so", async (t) => {
  const deadline = new AbortController();
  const server = apiServer(({ options }) => new Promise((_resolve, reject) => options.signal?.addEventListener('abort', () => reject(new Error('aborted')))));
  const isAllowed = createAccessReviewer(server);
  const pending = isAllowed(alice, deadline.signal);
  deadline.abort(new DOMException('the 4000 ms review deadline passed', 'TimeoutError'));
  await t.rejects(pending, {
    message:
      'asking the API server whether user "alice" may use certguard\'s break glass for certificate-dns in namespace "shop" (SubjectAccessReview): the review\'s deadline passed first',
  });
});
