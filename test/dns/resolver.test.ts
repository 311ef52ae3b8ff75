// The name resolver against a real DNS server (dnsmasq on a loopback port).
import { Resolver } from 'node:dns/promises';
import t from 'tap';
import { createNameResolver, type ResolverOptions } from '../../src/dns/resolver.ts';
import { startDnsmasq, startSilentServer, RECORD_TTL_SECONDS } from './dnsmasq.ts';

const dns = await startDnsmasq([
  { name: 'app.example.com', a: ['203.0.113.10'] },
  { name: 'dual.example.com', a: ['203.0.113.10'], aaaa: ['2001:db8::10'] },
  { name: 'v6only.example.com', aaaa: ['2001:DB8:0:0::10'] },
  { name: 'lb.example.net', a: ['203.0.113.10'] },
  { name: 'www.example.com', cname: 'edge.example.com' },
  { name: 'edge.example.com', cname: 'lb.example.net' },
  { name: 'dangling.example.com', cname: 'gone.example.net' },
  {
    name: 'caa.example.com',
    caa: [
      { tag: 'issue', value: 'letsencrypt.org' },
      { flags: 128, tag: 'tbs', value: 'x' },
    ],
  },
  { name: 'caa-alias.example.com', cname: 'caa.example.com' },
  // Legal (RFC 8659 §4.1 allows an empty value), but node's resolveCaa rejects the whole answer.
  {
    name: 'caa-empty.example.com',
    caa: [
      { tag: 'issue', value: '' },
      { flags: 1, tag: 'issue', value: 'letsencrypt.org' },
    ],
  },
  // About 4 KB of records: more than dnsmasq sends over UDP, so the answer comes truncated.
  {
    name: 'caa-big.example.com',
    caa: Array.from({ length: 40 }, (_, index) => ({
      tag: 'issue',
      value: `ca${index}.example.net; accounturi=https://ca.example.net/acct/${'7'.repeat(60)}`,
    })),
  },
]);
t.teardown(() => dns.stop());

let clock = 1_000_000;
const options = (overrides: Partial<ResolverOptions> = {}): ResolverOptions => ({
  servers: [dns.address],
  timeoutMs: 1000,
  negativeCacheSeconds: 30,
  maxCacheSeconds: 300,
  now: () => clock,
  ...overrides,
});

t.test('answers', async (t) => {
  const resolver = createNameResolver(options());
  const cases = [
    { name: 'an A record', query: 'app.example.com', want: { addresses: ['203.0.113.10'], cnames: [] } },
    { name: 'A and AAAA records together', query: 'dual.example.com', want: { addresses: ['203.0.113.10', '2001:db8::10'], cnames: [] } },
    { name: 'an AAAA record only, in canonical form', query: 'v6only.example.com', want: { addresses: ['2001:db8::10'], cnames: [] } },
    {
      name: 'a CNAME chain, listing every hop',
      query: 'www.example.com',
      want: { addresses: ['203.0.113.10'], cnames: ['edge.example.com', 'lb.example.net'] },
    },
    { name: 'a name in any case with a trailing dot', query: 'APP.Example.com.', want: { addresses: ['203.0.113.10'], cnames: [] } },
    { name: 'NXDOMAIN for a name that does not exist', query: 'missing.example.com', want: { error: 'NXDOMAIN', cnames: [] } },
    { name: 'NXDOMAIN for a CNAME whose target does not exist', query: 'dangling.example.com', want: { error: 'NXDOMAIN', cnames: ['gone.example.net'] } },
  ];
  for (const c of cases) t.same(await resolver.lookup(c.query), c.want, c.name);
});

t.test('a second lookup of the same names is answered from the cache', async (t) => {
  const resolver = createNameResolver(options());
  const names = ['app.example.com', 'www.example.com', 'missing.example.com'];
  await Promise.all(names.map((name) => resolver.lookup(name)));
  const before = await dns.queryCount();
  t.ok(before > 0, 'the first lookups reached the server');
  const again = await Promise.all(names.map((name) => resolver.lookup(name)));
  t.equal(await dns.queryCount(), before, 'no new query');
  t.same(again[0], { addresses: ['203.0.113.10'], cnames: [] }, 'the cached answer');
});

t.test('peek answers from the cache only, never asking the server (the audit DNS budget skips these)', async (t) => {
  const resolver = createNameResolver(options());
  const before = await dns.queryCount();
  t.equal(resolver.peek?.('app.example.com'), undefined, 'nothing cached yet');
  t.equal(resolver.peekCaa?.('caa.example.com'), undefined);
  t.equal(await dns.queryCount(), before, 'peek asked nothing');
  await resolver.lookup('app.example.com');
  await resolver.lookupCaa('caa.example.com');
  t.same(resolver.peek?.('APP.example.com.'), { addresses: ['203.0.113.10'], cnames: [] }, 'the cached answer, names normalized');
  t.same(resolver.peekCaa?.('caa.example.com'), await resolver.lookupCaa('caa.example.com'));
});

t.test('concurrent lookups of one name share one query', async (t) => {
  const resolver = createNameResolver(options());
  const before = await dns.queryCount('dual.example.com');
  await Promise.all(Array.from({ length: 20 }, () => resolver.lookup('dual.example.com')));
  // One A, one AAAA and one CNAME query: the chain walk asks CNAME once.
  t.equal((await dns.queryCount('dual.example.com')) - before, 3);
});

t.test('a positive answer expires with its TTL, a negative one after negativeCacheSeconds', async (t) => {
  const resolver = createNameResolver(options({ negativeCacheSeconds: 5 }));
  await resolver.lookup('lb.example.net');
  await resolver.lookup('nothere.example.com');
  const lb = await dns.queryCount('lb.example.net');
  const nx = await dns.queryCount('nothere.example.com');

  clock += 6_000;
  await resolver.lookup('lb.example.net');
  await resolver.lookup('nothere.example.com');
  t.equal(await dns.queryCount('lb.example.net'), lb, 'the positive answer is still cached after 6 s');
  t.ok((await dns.queryCount('nothere.example.com')) > nx, 'the negative answer was asked again after 6 s');

  clock += RECORD_TTL_SECONDS * 1000;
  await resolver.lookup('lb.example.net');
  t.ok((await dns.queryCount('lb.example.net')) > lb, 'the positive answer was asked again after its TTL');
});

t.test('maxCacheSeconds caps the TTL', async (t) => {
  const resolver = createNameResolver(options({ maxCacheSeconds: 10 }));
  await resolver.lookup('app.example.com');
  const before = await dns.queryCount('app.example.com');
  clock += 11_000;
  await resolver.lookup('app.example.com');
  t.ok((await dns.queryCount('app.example.com')) > before);
});

t.test('a server that never answers', async (t) => {
  const silent = await startSilentServer();
  t.teardown(() => silent.close());

  await t.test('times out at the caller deadline', async (t) => {
    const resolver = createNameResolver(options({ servers: [silent.address], timeoutMs: 5000 }));
    const result = await resolver.lookup('app.example.com', { signal: AbortSignal.timeout(200) });
    t.same(result, { error: 'TIMEOUT', cnames: [], detail: 'deadline' });
    t.ok(silent.received() > 0, 'the query was sent');
  });

  await t.test('times out by itself after timeoutMs without a deadline', async (t) => {
    const resolver = createNameResolver(options({ servers: [silent.address], timeoutMs: 200 }));
    t.same(await resolver.lookup('app.example.com'), { error: 'TIMEOUT', cnames: [], detail: 'ETIMEOUT' });
  });

  await t.test('does not cache a timeout', async (t) => {
    const resolver = createNameResolver(options({ servers: [silent.address], timeoutMs: 100 }));
    await resolver.lookup('x.example.com');
    const before = silent.received();
    await resolver.lookup('x.example.com');
    t.ok(silent.received() > before);
  });
});

t.test('describe names the servers asked', async (t) => {
  t.equal(createNameResolver(options()).describe(), dns.address);
  t.match(createNameResolver(options({ servers: [] })).describe(), /^system \(/);
});

t.test('an invalid server list is a clear error', async (t) => {
  t.throws(() => createNameResolver(options({ servers: ['not an ip'] })), /invalid DNS resolver list \["not an ip"\]/);
});

t.test('CAA answers: records with their flags byte, aliases chased, absence as an empty set, cached for their TTL', async (t) => {
  const resolver = createNameResolver(options());
  const records = [
    { flags: 0, tag: 'issue', value: 'letsencrypt.org' },
    { flags: 128, tag: 'tbs', value: 'x' },
  ];
  const sorted = (result: unknown) =>
    'records' in (result as object) ? { records: [...(result as { records: { tag: string }[] }).records].sort((a, b) => a.tag.localeCompare(b.tag)) } : result;
  t.strictSame(sorted(await resolver.lookupCaa('caa.example.com')), { records }, 'the records of the name');
  t.strictSame(sorted(await resolver.lookupCaa('CAA-Alias.example.com.')), { records }, "the CNAME target's records");
  t.strictSame(await resolver.lookupCaa('app.example.com'), { records: [] }, 'NODATA: no CAA');
  t.strictSame(await resolver.lookupCaa('missing.example.com'), { records: [], nxdomain: true }, 'NXDOMAIN: no CAA, told apart');
  t.strictSame(await resolver.lookupCaa('com'), { records: [] }, 'the TLD of the served names exists');
  const before = await dns.queryCount();
  await Promise.all(['caa.example.com', 'app.example.com', 'missing.example.com'].map((name) => resolver.lookupCaa(name)));
  t.equal(await dns.queryCount(), before, 'no new query while cached');
  clock += (RECORD_TTL_SECONDS + 1) * 1000;
  await resolver.lookupCaa('caa.example.com');
  t.equal(await dns.queryCount(), before + 1, 'asked again once the record TTL has passed');
});

t.test("CAA records node's resolver rejects are read from the wire: an empty issue value", async (t) => {
  const node = new Resolver({ timeout: 1000, tries: 1 });
  node.setServers([dns.address]);
  await t.rejects(node.resolveCaa('caa-empty.example.com'), { code: 'EBADRESP' }, 'c-ares fails the whole answer');
  const resolver = createNameResolver(options());
  const answer = await resolver.lookupCaa('caa-empty.example.com');
  const values = 'records' in answer ? answer.records.map((record) => `${record.flags} ${record.tag} "${record.value}"`).sort() : answer;
  t.strictSame(values, ['0 issue ""', '1 issue "letsencrypt.org"']);
});

t.test('a CAA answer too large for UDP is asked again over TCP', async (t) => {
  const resolver = createNameResolver(options());
  const answer = await resolver.lookupCaa('caa-big.example.com');
  t.equal('records' in answer ? answer.records.length : answer, 40, 'all 40 records');
  t.equal(await dns.queryCount('caa-big.example.com'), 2, 'one query over UDP (truncated), one over TCP');
});

t.test('CAA lookups fail over to the next server, and time out at the last', async (t) => {
  const silent = await startSilentServer();
  t.teardown(() => silent.close());
  const failover = createNameResolver(options({ servers: [silent.address, dns.address], timeoutMs: 200 }));
  const answer = await failover.lookupCaa('caa.example.com');
  t.equal('records' in answer ? answer.records.length : answer, 2, 'the second server answered');
  const stuck = createNameResolver(options({ servers: [silent.address], timeoutMs: 200 }));
  t.strictSame(await stuck.lookupCaa('caa.example.com'), { error: 'TIMEOUT', detail: 'ETIMEOUT' });
  t.equal(stuck.peekCaa?.('caa.example.com'), undefined, 'a timeout is not cached');
});

t.test("a CAA lookup cut off by the caller's deadline ends as a timeout", async (t) => {
  const silent = await startSilentServer();
  t.teardown(() => silent.close());
  const resolver = createNameResolver(options({ servers: [silent.address], timeoutMs: 1000 }));
  const controller = new AbortController();
  const pending = resolver.lookupCaa('caa.example.com', { signal: controller.signal });
  controller.abort();
  t.strictSame(await pending, { error: 'TIMEOUT', detail: 'deadline' });
});
