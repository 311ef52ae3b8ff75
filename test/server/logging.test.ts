// One JSON line per decision, with the fields an operator greps for, and never Secret data.
import { Writable } from 'node:stream';
import t from 'tap';
import { ManifestView } from '../../src/cluster/manifest-view.ts';
import { buildApp } from '../../src/server/app.ts';
import { createLogger } from '../../src/server/logger.ts';
import type { Policy } from '../../src/policies/types.ts';
import { fixedPolicy, throwingPolicy } from '../helpers/policies.ts';
import { reviewOf } from '../helpers/reviews.ts';

const SECRET_DATA = 'c3VwZXItc2VjcmV0LWtleQ==';

const logsOf = async (policies: Policy[], body: unknown): Promise<Array<Record<string, unknown>>> => {
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) });
  const app = buildApp({ policies, view: new ManifestView(), logger: createLogger('info', sink) });
  await app.inject({ method: 'POST', url: '/validate', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
  await app.close();
  t.notOk(lines.join('').includes(SECRET_DATA), 'no Secret data in any log line');
  return lines.map((line) => JSON.parse(line));
};

const withSecretInside = reviewOf({
  object: {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'traefik-gateway', namespace: 'traefik' },
    data: { 'tls.key': SECRET_DATA },
  },
  oldObject: { kind: 'Secret', data: { 'tls.key': SECRET_DATA } },
});

t.test('a decision is one line with uid, operation, kind, object, user, policies, allowed, reason and duration', async (t) => {
  const [line, ...rest] = (await logsOf([fixedPolicy('gateway-listener-tls', { violations: ['listener broken'] })], withSecretInside)).filter(
    (entry) => entry.msg === 'admission decision',
  );
  t.equal(rest.length, 0, 'exactly one decision line');
  t.match(line, {
    level: 30,
    reqId: /^req-\d+$/,
    uid: 'b0d8a1f2-0000-4000-8000-000000000001',
    operation: 'CREATE',
    kind: 'gateway.networking.k8s.io/Gateway',
    object: 'traefik/traefik-gateway',
    user: 'dev@example.com',
    dryRun: false,
    endpoint: 'validate',
    policies: ['gateway-listener-tls=denied'],
    allowed: false,
    reason: 'listener broken',
    warnings: 0,
  });
  t.type(line?.durationMs, 'number');
});

t.test('a failing policy is logged as an error naming the policy and the uid', async (t) => {
  const entries = await logsOf([throwingPolicy('boom')], withSecretInside);
  t.match(
    entries.find((entry) => entry.msg === 'policy failed'),
    { level: 50, uid: 'b0d8a1f2-0000-4000-8000-000000000001', policy: 'boom', err: { message: 'view exploded' } },
  );
  t.match(
    entries.find((entry) => entry.msg === 'admission decision'),
    { policies: ['boom=errored'], allowed: false, reason: 'internal error: policy boom: view exploded' },
  );
});
