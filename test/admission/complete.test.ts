import t from 'tap';
import { review } from '../../src/admission/complete.ts';
import type { AdmissionRequest } from '../../src/admission/types.ts';
import type { KubeObject } from '../../src/kube/object.ts';
import { ManifestView } from '../../src/cluster/manifest-view.ts';
import type { CreateOutcome, SecretWriter } from '../../src/cluster/writer.ts';
import type { Policy } from '../../src/policies/types.ts';
import { fixedPolicy } from '../helpers/policies.ts';
import { reviewOf } from '../helpers/reviews.ts';

const request = (dryRun = false): AdmissionRequest => ({ ...reviewOf({ dryRun }).request, uid: 'u-1' }) as AdmissionRequest;

/** How many Secrets the effects built (key generation happens there). */
let built = 0;
const buildSecret = async (): Promise<KubeObject> => {
  built += 1;
  return { metadata: { name: 's', namespace: 'traefik' } };
};

const planning: Policy = {
  id: 'planner',
  mode: 'placeholder',
  admission: 'mutating',
  matches: () => true,
  check: async () => ({
    violations: [],
    warnings: [],
    effects: [{ type: 'create-secret', buildSecret, warningOnCreate: 'created s', denyOnFailure: 'could not create s: {reason}' }],
  }),
};

t.beforeEach(() => {
  built = 0;
});

const recordingWriter = (outcome: CreateOutcome) => {
  const created: KubeObject[] = [];
  const writer: SecretWriter = { createSecret: async (secret) => (created.push(secret), outcome) };
  return { writer, created };
};

t.test('performs a planned Secret and returns its warning', async (t) => {
  const { writer, created } = recordingWriter({ outcome: 'created' });
  const outcome = await review(request(), [planning], { view: new ManifestView(), writer });
  t.equal(created.length, 1);
  t.equal(built, 1, 'built once, when created');
  t.same(outcome.response, { uid: 'u-1', allowed: true, warnings: ['created s'] });
});

t.test('an existing Secret (409) is success', async (t) => {
  const { writer } = recordingWriter({ outcome: 'exists' });
  t.same((await review(request(), [planning], { view: new ManifestView(), writer })).response, { uid: 'u-1', allowed: true, warnings: ['created s'] });
});

t.test('a refused create denies with the API reason and marks the policy decision denied', async (t) => {
  const { writer } = recordingWriter({ outcome: 'refused', reason: 'secrets is forbidden: exceeded quota' });
  const outcome = await review(request(), [planning], { view: new ManifestView(), writer });
  t.same(outcome.response.status, { code: 403, reason: 'Forbidden', message: 'could not create s: secrets is forbidden: exceeded quota' });
  t.same(outcome.violations, ['could not create s: secrets is forbidden: exceeded quota']);
  t.equal(outcome.decisions[0]?.decision, 'denied');
});

t.test('nothing is created on a dry run', async (t) => {
  const { writer, created } = recordingWriter({ outcome: 'created' });
  const outcome = await review(request(true), [planning], { view: new ManifestView(), writer });
  t.equal(created.length, 0);
  t.equal(built, 0, 'no key generated for a Secret that is not created');
  t.equal(outcome.response.allowed, true);
});

t.test('nothing is created when another policy denies the request', async (t) => {
  const { writer, created } = recordingWriter({ outcome: 'created' });
  const outcome = await review(request(), [planning, fixedPolicy('other', { violations: ['no'] })], { view: new ManifestView(), writer });
  t.equal(created.length, 0);
  t.equal(built, 0, 'no key generated for a Secret that is not created');
  t.equal(outcome.response.status?.message, 'no');
});

t.test('a refused create whose effect says onFailure: warn only warns', async (t) => {
  const healing: Policy = {
    ...planning,
    check: async () => ({
      violations: [],
      warnings: [],
      effects: [{ type: 'create-secret', buildSecret, warningOnCreate: 'created s', denyOnFailure: 'could not create s: {reason}', onFailure: 'warn' }],
    }),
  };
  const { writer } = recordingWriter({ outcome: 'refused', reason: 'quota' });
  const outcome = await review(request(), [healing], { view: new ManifestView(), writer });
  t.same(outcome.response, { uid: 'u-1', allowed: true, warnings: ['could not create s: quota'] });
  t.equal(outcome.decisions[0]?.decision, 'allowed');
});
