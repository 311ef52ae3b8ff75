// How the audit reads Secret content: once per Secret per namespace, whichever check asks first
// (gateway-listener-tls or the expiry check), and keeping none the view had to fetch.
import t from 'tap';
import { runAudit, sourceOf } from '../../src/audit/audit.ts';
import { buildAuditPolicies } from '../../src/compose.ts';
import { auditReads } from '../../src/audit/secret-reads.ts';
import { ManifestView } from '../../src/cluster/manifest-view.ts';
import { overriding, type ClusterView, type ContentJudge, type JudgeOptions } from '../../src/cluster/view.ts';
import { parseConfig } from '../../src/config/load.ts';
import { gateway, https, makePki, tlsSecret } from '../helpers/gateway-tls.ts';
import { createLogger } from '../../src/server/logger.ts';

type Asked = { namespace: string; name: string; judge: string; keep: boolean | undefined };

/** `view` recording each judgeSecret it is asked, and failing the reads listed in `failing` once. */
const recording = (view: ClusterView, failing = new Set<string>()): ClusterView & { asked: Asked[] } => {
  const asked: Asked[] = [];
  return {
    ...overriding(view, {}),
    asked,
    judgeSecret: async <T>(namespace: string, name: string, judge: ContentJudge<T>, options?: JudgeOptions): Promise<T | undefined> => {
      asked.push({ namespace, name, judge: judge.id, keep: options?.keep });
      if (failing.delete(`${namespace}/${name}`)) throw new Error(`reading Secret ${namespace}/${name} failed`);
      return view.judgeSecret(namespace, name, judge, options);
    },
  };
};

t.test('the audit asks for each Secret once per namespace, with keep: false', async (t) => {
  const pki = await makePki();
  const objects = [
    tlsSecret('traefik', 'app-tls', pki.valid),
    tlsSecret('edge', 'app-tls', pki.valid),
    gateway([https('websecure', 'app.example.com', { name: 'app-tls' }), https('also', 'app.example.com', { name: 'app-tls' })]),
    gateway([https('websecure', 'app.example.com', { name: 'app-tls' })], { name: 'second' }),
    gateway([https('websecure', 'app.example.com', { name: 'app-tls' })], { namespace: 'edge' }),
  ];
  const view = recording(new ManifestView(objects));
  const config = parseConfig({});
  const policies = buildAuditPolicies(config, { logger: createLogger('silent') });
  await runAudit({ source: sourceOf(objects), view, config, policies, now: new Date('2027-01-01T00:00:00Z') });
  t.strictSame(view.asked, [
    { namespace: 'edge', name: 'app-tls', judge: 'gateway-listener-tls/secret-content/3', keep: false },
    { namespace: 'traefik', name: 'app-tls', judge: 'gateway-listener-tls/secret-content/3', keep: false },
  ]);
});

t.test('a failed read is asked for again by the next check', async (t) => {
  const pki = await makePki();
  const secret = tlsSecret('traefik', 'app-tls', pki.valid);
  const view = recording(new ManifestView([secret]), new Set(['traefik/app-tls']));
  const reads = auditReads(view);
  const judge: ContentJudge<string> = { id: 'test/name', judge: (object) => object.metadata?.name ?? '' };
  await t.rejects(reads.judgeSecret('traefik', 'app-tls', judge), { message: 'reading Secret traefik/app-tls failed' });
  t.equal(await reads.judgeSecret('traefik', 'app-tls', judge), 'app-tls');
  t.equal(await reads.judgeSecret('traefik', 'app-tls', judge), 'app-tls');
  t.equal(view.asked.length, 2, 'asked again after the failure, then answered from the first answer');
});
