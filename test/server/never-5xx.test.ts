// Every decoded request ends in an AdmissionReview carrying its uid: whatever throws after
// decoding (matches(), check(), a side effect, metrics, the log line) is an `errored` answer
// naming the policy, logged once with its stack. HTTP 500 is only for failures before a uid.
import { Writable } from 'node:stream';
import t from 'tap';
import { ManifestView } from '../../src/cluster/manifest-view.ts';
import type { SecretWriter } from '../../src/cluster/writer.ts';
import { buildApp, type AppOptions } from '../../src/server/app.ts';
import { createLogger } from '../../src/server/logger.ts';
import type { Policy } from '../../src/policies/types.ts';
import { fixedPolicy } from '../helpers/policies.ts';
import { reviewOf } from '../helpers/reviews.ts';

const UID = 'b0d8a1f2-0000-4000-8000-000000000001';

const post = async (options: Partial<AppOptions> & { policies: Policy[] }) => {
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) });
  const app = buildApp({ view: new ManifestView(), logger: createLogger('info', sink), ...options });
  const response = await app.inject({ method: 'POST', url: '/mutate', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(reviewOf({})) });
  await app.close();
  return { status: response.statusCode, body: response.json(), logs: lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
};

const internal = (message: string) => ({ uid: UID, allowed: false, status: { code: 500, reason: 'InternalError', message } });

const placeholderPolicy = (overrides: Partial<Policy>): Policy => ({ ...fixedPolicy('gateway-listener-tls', {}, 'placeholder'), ...overrides });

const failures = (logs: Array<Record<string, unknown>>) => logs.filter((line) => line.level === 50);

t.test('a matches() that throws is an errored answer naming the policy, logged once with its stack', async (t) => {
  const policy = placeholderPolicy({
    matches: () => {
      throw new TypeError("Cannot use 'in' operator to search for 'x' in y");
    },
  });
  const { status, body, logs } = await post({ policies: [policy] });
  t.equal(status, 200);
  t.same(body.response, internal("internal error: policy gateway-listener-tls: Cannot use 'in' operator to search for 'x' in y"));
  const [logged, ...more] = failures(logs);
  t.equal(more.length, 0, 'logged once');
  t.match(logged, {
    uid: UID,
    policy: 'gateway-listener-tls',
    err: { message: "Cannot use 'in' operator to search for 'x' in y", stack: /TypeError[^]*never-5xx\.test\.ts/ },
  });
});

t.test('a side effect that throws is an errored answer naming the policy that planned it', async (t) => {
  const policy = placeholderPolicy({
    check: async () => ({
      violations: [],
      warnings: [],
      effects: [
        {
          type: 'create-secret',
          buildSecret: async () => ({ metadata: { name: 's', namespace: 'traefik' } }),
          warningOnCreate: 'created',
          denyOnFailure: 'no: {reason}',
        },
      ],
    }),
  });
  const writer: SecretWriter = {
    createSecret: async () => {
      throw new Error('writer exploded');
    },
  };
  const { status, body, logs } = await post({ policies: [policy], writer });
  t.equal(status, 200);
  t.same(body.response, internal('internal error: policy gateway-listener-tls: writer exploded'));
  t.equal(failures(logs).length, 1);
});

t.test('metrics recording that throws still answers with the uid', async (t) => {
  const recordDecision = () => {
    throw new Error('registry exploded');
  };
  const { status, body, logs } = await post({ policies: [placeholderPolicy({})], recordDecision });
  t.equal(status, 200);
  t.same(body.response, internal('internal error: registry exploded'));
  t.match(failures(logs), [{ uid: UID, msg: 'review failed after decoding', err: { message: 'registry exploded', stack: /Error: registry exploded/ } }]);
});

t.test('a log line that throws still answers with the uid', async (t) => {
  const sink = {
    write(line: string) {
      if (line.includes('"msg":"admission decision"')) throw new Error('log sink exploded');
    },
  };
  const app = buildApp({ policies: [placeholderPolicy({})], view: new ManifestView(), logger: createLogger('info', sink as never) });
  const response = await app.inject({ method: 'POST', url: '/mutate', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(reviewOf({})) });
  await app.close();
  t.equal(response.statusCode, 200);
  t.same(response.json().response, internal('internal error: log sink exploded'));
});
