// Secret content verdicts (view.judgeSecret): the live view GETs a Secret only when its verdict
// is unknown for the resourceVersion the watch last reported, and keeps the verdict, never the
// Secret. GETs are counted at the fake API server.
import t from 'tap';
import { ManifestView } from '../../src/cluster/manifest-view.ts';
import { createLiveView, type LiveView } from '../../src/cluster/live/live-view.ts';
import { VerdictCache, type VerdictCacheLimits } from '../../src/cluster/live/verdict-cache.ts';
import { overriding, withSignal, type ContentJudge } from '../../src/cluster/view.ts';
import type { KubeObject } from '../../src/kube/object.ts';
import { createMetrics, type ViewStats } from '../../src/metrics/metrics.ts';
import { createGatewayListenerTlsPolicy } from '../../src/policies/gateway-listener-tls/policy.ts';
import { judgeRefs } from '../../src/policies/gateway-listener-tls/judge.ts';
import { certRefOf } from '../../src/kube/gateway.ts';
import { gateway, https, makePki, NOW, policyRequest, settingsWith, tlsSecret } from '../helpers/gateway-tls.ts';
import { withoutDeadline } from '../../src/policies/types.ts';
import { FakeApiServer, type FakeObject } from './fake-api-server.ts';
import { recordingLogger, secret, waitFor } from './helpers.ts';

type Teardown = { teardown(fn: () => unknown): void };

const setup = async (test: Teardown, verdictLimits?: VerdictCacheLimits) => {
  const api = new FakeApiServer();
  await api.start();
  const view: LiveView = createLiveView({
    kubeconfig: api.kubeconfigPath,
    staleAfterSeconds: 30,
    logger: recordingLogger().logger,
    backoff: { initialMs: 20, maxMs: 100 },
    verdictLimits,
  });
  test.teardown(async () => {
    await view.stop();
    await api.stop();
  });
  return { api, view };
};

const started = async (view: LiveView) => {
  await view.start();
  await waitFor('the view to be ready', () => view.status().ready);
};

/** GETs of one Secret by name (lists and watches have a query string and no name). */
const secretGets = (api: FakeApiServer, namespace: string, name: string): number =>
  api.requests.filter((request) => request.method === 'GET' && request.path === `/api/v1/namespaces/${namespace}/secrets/${name}`).length;

/** A judge that says which data it saw, and counts its calls. */
const countingJudge = (): ContentJudge<string> & { calls: number } => {
  const judge = {
    id: 'test/tls-crt',
    calls: 0,
    judge(object: KubeObject): string {
      judge.calls += 1;
      return Buffer.from((object.data as Record<string, string>)['tls.crt'] ?? '', 'base64').toString('utf8');
    },
  };
  return judge;
};

const withCrt = (namespace: string, name: string, crt: string): FakeObject =>
  secret(namespace, name, { data: { 'tls.crt': Buffer.from(crt).toString('base64'), 'tls.key': 'a2V5' } });

t.test('the live view', async (t) => {
  t.test('GETs an unchanged Secret once: the second lookup is answered from the kept verdict', async (t) => {
    const { api, view } = await setup(t);
    api.apply(withCrt('app', 'app-tls', 'first'));
    await started(view);
    const judge = countingJudge();
    t.equal(await view.judgeSecret('app', 'app-tls', judge), 'first');
    t.equal(secretGets(api, 'app', 'app-tls'), 1);
    t.equal(await view.judgeSecret('app', 'app-tls', judge), 'first');
    t.equal(secretGets(api, 'app', 'app-tls'), 1, 'no GET for an unchanged Secret');
    t.equal(judge.calls, 1, 'judged once');
    t.strictSame(view.verdictStats(), { hits: 1, misses: 1, entries: 1, bytes: view.verdictStats().bytes });
  });

  t.test('knownSecretVerdict answers only what judgeSecret kept for the current version, without a GET or a miss', async (t) => {
    const { api, view } = await setup(t);
    api.apply(withCrt('app', 'app-tls', 'first'));
    await started(view);
    const judge = countingJudge();
    t.equal(view.knownSecretVerdict('app', 'app-tls', judge), undefined, 'nothing kept yet');
    t.equal(view.knownSecretVerdict('app', 'absent-tls', judge), undefined, 'a missing Secret is for judgeSecret to confirm');
    t.strictSame(view.verdictStats(), { hits: 0, misses: 0, entries: 0, bytes: 0 }, 'a known-verdict miss is not counted');
    await view.judgeSecret('app', 'app-tls', judge);
    t.equal(view.knownSecretVerdict('app', 'app-tls', judge)?.verdict, 'first');
    t.equal(view.verdictStats().hits, 1, 'a hit is counted');
    api.apply(withCrt('app', 'app-tls', 'second'));
    await waitFor('the watch to report the change', () => view.knownSecretVerdict('app', 'app-tls', judge) === undefined);
    t.equal(secretGets(api, 'app', 'app-tls'), 1, 'knownSecretVerdict never GETs');
    t.equal(judge.calls, 1);
  });

  t.test('a view whose judgeSecret is replaced knows no verdict of its own', async (t) => {
    const { api, view } = await setup(t);
    api.apply(withCrt('app', 'app-tls', 'first'));
    await started(view);
    const judge = countingJudge();
    await view.judgeSecret('app', 'app-tls', judge);
    t.equal(withSignal(view, new AbortController().signal).knownSecretVerdict('app', 'app-tls', judge)?.verdict, 'first', 'a signal changes nothing');
    const replaced = overriding(view, { judgeSecret: async () => 'replaced' as never });
    t.equal(replaced.knownSecretVerdict('app', 'app-tls', judge), undefined, 'the replacement answers every verdict');
  });

  t.test('GETs a Secret once more after the watch reports a change, and judges the new content', async (t) => {
    const { api, view } = await setup(t);
    api.apply(withCrt('app', 'app-tls', 'first'));
    await started(view);
    const judge = countingJudge();
    await view.judgeSecret('app', 'app-tls', judge);
    api.apply(withCrt('app', 'app-tls', 'second'));
    // Until the watch delivers the change the old verdict stands (as the cache does for every reader).
    await waitFor('the new verdict', async () => (await view.judgeSecret('app', 'app-tls', judge)) === 'second');
    t.equal(secretGets(api, 'app', 'app-tls'), 2, 'one GET for the change');
    t.equal(await view.judgeSecret('app', 'app-tls', judge), 'second');
    t.equal(secretGets(api, 'app', 'app-tls'), 2);
    t.equal(judge.calls, 2);
  });

  t.test('a Secret deleted and re-created with other content is judged again', async (t) => {
    const { api, view } = await setup(t);
    api.apply(withCrt('app', 'app-tls', 'first'));
    await started(view);
    const judge = countingJudge();
    await view.judgeSecret('app', 'app-tls', judge);
    api.delete('v1', 'Secret', 'app', 'app-tls');
    api.apply(withCrt('app', 'app-tls', 'recreated'));
    await waitFor('the new verdict', async () => (await view.judgeSecret('app', 'app-tls', judge)) === 'recreated');
    t.equal(judge.calls, 2);
  });

  t.test('concurrent lookups of an unknown verdict share one GET', async (t) => {
    const { api, view } = await setup(t);
    api.apply(withCrt('app', 'app-tls', 'first'));
    await started(view);
    api.latencyMs = 50;
    const judge = countingJudge();
    const verdicts = await Promise.all(Array.from({ length: 5 }, () => view.judgeSecret('app', 'app-tls', judge)));
    t.strictSame(verdicts, ['first', 'first', 'first', 'first', 'first']);
    t.equal(secretGets(api, 'app', 'app-tls'), 1);
    t.equal(judge.calls, 1);
  });

  t.test('a missing Secret is confirmed with a GET every time and never judged', async (t) => {
    const { api, view } = await setup(t);
    await started(view);
    const judge = countingJudge();
    t.equal(await view.judgeSecret('app', 'nope', judge), undefined);
    t.equal(await view.judgeSecret('app', 'nope', judge), undefined);
    t.equal(secretGets(api, 'app', 'nope'), 2, 'the watch may lag behind a GitOps sync: a "missing" is confirmed');
    await Promise.all([view.judgeSecret('app', 'nope', judge), view.judgeSecret('app', 'nope', judge)]);
    t.equal(secretGets(api, 'app', 'nope'), 4, 'each review its own confirmation: one started earlier could predate the Secret');
    t.equal(judge.calls, 0);
  });

  t.test('a lookup stops at its signal, and the shared GET still serves the next one', async (t) => {
    const { api, view } = await setup(t);
    api.apply(withCrt('app', 'app-tls', 'first'));
    await started(view);
    api.latencyMs = 100;
    const judge = countingJudge();
    await t.rejects(view.judgeSecret('app', 'app-tls', judge, { signal: AbortSignal.timeout(10) }), {
      message: "reading Secret app/app-tls from the API server: the review's deadline passed first",
    });
    t.equal(await view.judgeSecret('app', 'app-tls', judge), 'first');
    t.equal(secretGets(api, 'app', 'app-tls'), 1);
  });

  t.test('a shared GET that fails after its only caller gave up is no unhandled rejection', async (t) => {
    const { api, view } = await setup(t);
    api.apply(withCrt('app', 'app-tls', 'first'));
    await started(view);
    api.latencyMs = 100;
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', record);
    t.teardown(() => void process.off('unhandledRejection', record));
    await t.rejects(view.judgeSecret('app', 'app-tls', countingJudge(), { signal: AbortSignal.abort() }), {
      message: 'reading Secret app/app-tls from the API server: the API server stopped waiting for the answer',
    });
    t.equal(secretGets(api, 'app', 'app-tls'), 0, 'a review already aborted starts no GET');
    await t.rejects(view.judgeSecret('app', 'app-tls', countingJudge(), { signal: AbortSignal.timeout(10) }), {
      message: "reading Secret app/app-tls from the API server: the review's deadline passed first",
    });
    await api.stop();
    await new Promise((resolve) => setTimeout(resolve, 300));
    t.strictSame(unhandled, [], 'the GET failed with nobody waiting');
  });

  t.test('keeps no Secret data, only verdicts within their bounds', async (t) => {
    const { api, view } = await setup(t, { maxEntries: 2, maxBytes: 1024 * 1024, maxVerdictBytes: 1024 });
    for (const name of ['a', 'b', 'c']) api.apply(withCrt('app', name, name));
    await started(view);
    const judge = countingJudge();
    for (const name of ['a', 'b', 'c']) await view.judgeSecret('app', name, judge);
    t.equal(view.verdictStats().entries, 2);
    t.equal(await view.judgeSecret('app', 'a', judge), 'a', 'the oldest unused verdict was evicted and is fetched again');
    t.equal(secretGets(api, 'app', 'a'), 2);
    t.equal((await view.get('secrets', 'app', 'a'))?.data, undefined, 'the cache still holds metadata only');
  });

  t.test('with keep: false, a fetched verdict is not kept, and a kept one still answers (the audit reads so)', async (t) => {
    const { api, view } = await setup(t);
    for (const name of ['a', 'b']) api.apply(withCrt('app', name, name));
    await started(view);
    const judge = countingJudge();
    t.equal(await view.judgeSecret('app', 'a', judge), 'a', 'a review keeps its verdict');
    for (let round = 0; round < 2; round += 1) for (const name of ['a', 'b']) t.equal(await view.judgeSecret('app', name, judge, { keep: false }), name);
    t.strictSame([secretGets(api, 'app', 'a'), secretGets(api, 'app', 'b')], [1, 2], "a from the review's verdict both rounds; b fetched each time");
    t.equal(view.verdictStats().entries, 1, 'only the review kept a verdict');
  });

  t.test('counts hits and misses as metrics', async (t) => {
    const { api, view } = await setup(t);
    api.apply(withCrt('app', 'app-tls', 'first'));
    await started(view);
    const judge = countingJudge();
    await view.judgeSecret('app', 'app-tls', judge);
    await view.judgeSecret('app', 'app-tls', judge);
    await view.judgeSecret('app', 'app-tls', judge);
    const text = await createMetrics(view as LiveView & Partial<ViewStats>, { defaultMetrics: false }).render();
    t.match(text, /^certguard_secret_verdict_cache_lookups_total\{result="hit"\} 2$/m);
    t.match(text, /^certguard_secret_verdict_cache_lookups_total\{result="miss"\} 1$/m);
    t.match(text, /^certguard_secret_verdict_cache_entries 1$/m);
  });
});

t.test('the verdict cache', async (t) => {
  const limits = { maxEntries: 3, maxBytes: 450, maxVerdictBytes: 64 };
  t.test('answers only for the version its verdict was taken at', async (t) => {
    const cache = new VerdictCache(limits);
    cache.store('judge', 'app', 'k', 'uid-1', '7', 'ok');
    t.strictSame(cache.lookup('judge', 'app', 'k', '7')?.verdict, 'ok');
    t.equal(cache.lookup('judge', 'app', 'k', '8'), undefined);
    t.equal(cache.lookup('judge', 'app', 'k', undefined), undefined, 'a Secret the cache does not hold');
    t.strictSame({ hits: cache.stats().hits, misses: cache.stats().misses }, { hits: 1, misses: 2 });
  });

  t.test('keeps no verdict larger than the limit', async (t) => {
    const cache = new VerdictCache(limits);
    cache.store('judge', 'app', 'k', 'uid-1', '7', 'x'.repeat(80));
    t.equal(cache.stats().entries, 0);
    t.equal(cache.stats().bytes, 0);
  });

  t.test('evicts the oldest unused verdict past the count and the byte bound, never the one just kept', async (t) => {
    const cache = new VerdictCache(limits);
    for (const key of ['a', 'b', 'c']) cache.store('judge', 'app', key, 'uid', '1', key);
    cache.lookup('judge', 'app', 'a', '1');
    cache.store('judge', 'app', 'd', 'uid', '1', 'd');
    t.equal(cache.lookup('judge', 'app', 'b', '1'), undefined, 'b was the oldest not used since');
    cache.lookup('judge', 'app', 'c', '1');
    cache.lookup('judge', 'app', 'd', '1');
    cache.store('judge', 'app', 'e', 'uid', '1', 'e');
    t.ok(cache.lookup('judge', 'app', 'e', '1'), 'all others used: the new one is kept all the same');
    t.equal(cache.stats().entries, 3);
    for (const key of ['e', 'f', 'g']) cache.store('judge', 'app', key, 'uid', '1', 'y'.repeat(50));
    t.ok(cache.stats().bytes <= limits.maxBytes, `${cache.stats().bytes} bytes`);
    t.ok(cache.stats().entries < 3, 'the byte bound evicted more');
  });
});

t.test('gateway-listener-tls on the live view', async (t) => {
  const pki = await makePki();
  const settings = settingsWith();
  const policy = createGatewayListenerTlsPolicy(settings, { now: () => NOW });
  // *.example.com covers both hostnames: the answers here are about content, not coverage.
  const gw = gateway([https('a', 'a.example.com', { name: 'a-tls' }), https('b', 'b.example.com', { name: 'b-tls' })]);
  const apply = (api: FakeApiServer, object: KubeObject) => api.apply(object as FakeObject);

  t.test('reviews an unchanged Gateway with no GET, and GETs the one Secret that changed', async (t) => {
    const { api, view } = await setup(t);
    apply(api, tlsSecret('traefik', 'a-tls', pki.wildcard));
    apply(api, tlsSecret('traefik', 'b-tls', pki.wildcard));
    await started(view);
    const first = await policy.check(policyRequest(gw), view, withoutDeadline());
    t.strictSame(first, { violations: [], warnings: [] });
    t.equal(secretGets(api, 'traefik', 'a-tls') + secretGets(api, 'traefik', 'b-tls'), 2, 'cold: one GET per Secret');
    await policy.check(policyRequest(gw), view, withoutDeadline());
    t.equal(secretGets(api, 'traefik', 'a-tls') + secretGets(api, 'traefik', 'b-tls'), 2, 'second review: 0 GETs');

    apply(api, tlsSecret('traefik', 'b-tls', pki.expired));
    const expected = await policy.check(
      policyRequest(gw),
      new ManifestView([tlsSecret('traefik', 'a-tls', pki.wildcard), tlsSecret('traefik', 'b-tls', pki.expired)]),
      withoutDeadline(),
    );
    t.equal(expected.violations.length, 1, 'the expired certificate is denied');
    await waitFor('the change to be judged', async () => (await policy.check(policyRequest(gw), view, withoutDeadline())).violations.length === 1);
    t.strictSame(await policy.check(policyRequest(gw), view, withoutDeadline()), expected, 'the same answer as the manifest view');
    t.equal(secretGets(api, 'traefik', 'a-tls'), 1, 'the unchanged Secret: no further GET');
    t.equal(secretGets(api, 'traefik', 'b-tls'), 2, 'the changed Secret: one GET');
  });

  t.test('judges every listener at once, without a promise, when the view knows every verdict', async (t) => {
    const { api, view } = await setup(t);
    apply(api, tlsSecret('traefik', 'a-tls', pki.wildcard));
    apply(api, tlsSecret('traefik', 'b-tls', pki.wildcard));
    await started(view);
    const owner = { kind: 'Gateway' as const, namespace: 'traefik', name: 'traefik-gateway' };
    const refs = ['a-tls', 'b-tls'].map((name) => certRefOf({ name }, 'traefik'));
    const context = () => ({ view, owner, settings, now: NOW, secrets: new Map() });
    const cold = judgeRefs(context(), refs);
    t.ok(cold instanceof Promise, 'cold: the verdicts need a read');
    const verdicts = await cold;
    const warm = judgeRefs(context(), refs);
    t.notOk(warm instanceof Promise, 'warm: answered at once');
    t.strictSame(warm, verdicts, 'the same verdicts');
    t.equal(secretGets(api, 'traefik', 'a-tls') + secretGets(api, 'traefik', 'b-tls'), 2);
  });

  t.test('warns about hostname coverage from the kept verdict: the same warning, no further GET', async (t) => {
    const { api, view } = await setup(t);
    apply(api, tlsSecret('traefik', 'a-tls', pki.valid));
    apply(api, tlsSecret('traefik', 'b-tls', pki.wildcard));
    await started(view);
    const first = await policy.check(policyRequest(gw), view, withoutDeadline());
    t.strictSame(first.warnings, [
      'spec.listeners[0] "a" (Gateway traefik/traefik-gateway, hostname "a.example.com"): certificateRefs[0] Secret "traefik/a-tls" holds a certificate whose DNS names (app.example.com) do not cover hostname "a.example.com" (a wildcard covers exactly one label, RFC 6125), so clients that check the name reject it on this listener. Fix: reissue the certificate with a.example.com among its DNS names, or reference a Secret whose certificate covers it',
    ]);
    t.strictSame(await policy.check(policyRequest(gw), view, withoutDeadline()), first);
    t.equal(secretGets(api, 'traefik', 'a-tls') + secretGets(api, 'traefik', 'b-tls'), 2, 'the names came from the kept verdicts');
  });

  t.test('judges expiry at review time, not at the time the verdict was kept', async (t) => {
    const { api, view } = await setup(t);
    apply(api, tlsSecret('traefik', 'a-tls', pki.wildcard));
    apply(api, tlsSecret('traefik', 'b-tls', pki.wildcard));
    await started(view);
    t.strictSame((await policy.check(policyRequest(gw), view, withoutDeadline())).violations, []);
    const later = createGatewayListenerTlsPolicy(settings, { now: () => new Date('2029-01-01T00:00:00Z') });
    t.equal((await later.check(policyRequest(gw), view, withoutDeadline())).violations.length, 2, 'both certificates expired by 2029');
    t.equal(secretGets(api, 'traefik', 'a-tls') + secretGets(api, 'traefik', 'b-tls'), 2, 'from the kept verdicts');
  });
});
