// Name lookups for policies that judge DNS (certificate-dns). A dependency handed to the policy
// by the composition root, never created inside a policy: tests swap in a table.
//
// One lookup = A and AAAA of the name plus its CNAME chain, all asked in parallel. Answers are
// cached for their TTL (capped), negative answers for a short fixed time, and concurrent lookups
// of one name share one query, so a burst of Certificates for the same names costs one lookup.
// A lookup given a signal gives up when it aborts (the caller's deadline); the query itself
// runs on and its answer still lands in the cache for the next review. CAA queries (lookupCaa) get
// the same servers, sharing, caching and deadline, but are read from the wire (src/dns/wire.ts);
// the tree walk and the CA's rules over them are src/dns/caa.ts.
import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { untilAborted } from '../abortable.ts';
import { TtlCache, type Clock } from './cache.ts';
import { parseServer, queryCaa, type WireAnswer } from './wire.ts';

/** NXDOMAIN: the name does not exist. NODATA: it exists without A/AAAA. TIMEOUT: no answer in time.
 *  SERVFAIL: the server failed or refused (`detail` carries node's code, e.g. EREFUSED). */
export type LookupErrorKind = 'NXDOMAIN' | 'NODATA' | 'TIMEOUT' | 'SERVFAIL';

export type LookupFailure = {
  error: LookupErrorKind;
  /** The CNAME chain followed before the failure, in order (may be empty). */
  cnames: string[];
  detail?: string;
};

export type LookupAnswer = {
  /** A and AAAA addresses, IPv6 in canonical (compressed, lowercase) form. */
  addresses: string[];
  cnames: string[];
  /** One family failed while the other answered: the addresses may be incomplete. */
  incomplete?: LookupFailure;
};

export type LookupResult = LookupAnswer | LookupFailure;

export type LookupOptions = { signal?: AbortSignal };

/** One CAA record as served (RFC 8659 §4.1): the whole flags byte, the tag as written (which flag
 *  bits mean critical and how tags compare is the CA's rule, src/dns/caa.ts). */
export type CaaRecord = { flags: number; tag: string; value: string };

/** The CAA RRset a query for the name returned (aliases chased by the server), or why none came.
 *  NXDOMAIN and NODATA are answers (an empty set), not failures; `nxdomain` tells them apart. */
export type CaaResult = { records: CaaRecord[]; nxdomain?: true } | { error: 'TIMEOUT' | 'SERVFAIL'; detail?: string };

export type NameResolver = {
  lookup(name: string, options?: LookupOptions): Promise<LookupResult>;
  /** The CAA records of exactly `name` (no climbing: src/dns/caa.ts walks the tree). */
  lookupCaa(name: string, options?: LookupOptions): Promise<CaaResult>;
  /** Which servers are asked, for messages: "127.0.0.1:5353" or "system (10.96.0.10)". */
  describe(): string;
  /** The cached answer for `name`, without asking anyone (the audit's DNS budget skips these). */
  peek?(name: string): LookupResult | undefined;
  /** The cached CAA answer for exactly `name`, without asking anyone. */
  peekCaa?(name: string): CaaResult | undefined;
};

export type ResolverOptions = {
  /** "ip", "ip:port" or "[ipv6]:port"; empty: the system's resolvers. */
  servers: string[];
  /** Per-query timeout; a query is tried once (the caller's deadline is the real budget). */
  timeoutMs: number;
  negativeCacheSeconds: number;
  maxCacheSeconds: number;
  /** Clock for cache expiry (tests). */
  now?: Clock;
};

export const isLookupFailure = (result: LookupResult): result is LookupFailure => 'error' in result;

// Chains longer than this are misconfigurations; recursive resolvers give up around here too.
const MAX_CNAME_HOPS = 8;

/** Lowercase, without the trailing dot: how names are compared and cached. */
export const normalizeName = (name: string): string => name.trim().toLowerCase().replace(/\.$/, '');

/** One spelling per address, so "2001:DB8:0::1" and "2001:db8::1" compare equal. */
export const normalizeAddress = (address: string): string => {
  if (isIP(address) !== 6) return address.trim();
  return new URL(`http://[${address.trim()}]/`).hostname.slice(1, -1);
};

const codeOf = (error: unknown): string => (error as { code?: string } | undefined)?.code ?? 'EUNKNOWN';

const ABSENT = new Set(['ENOTFOUND', 'ENODATA']);

const failureFrom = (code: string, cnames: string[]): LookupFailure => {
  if (code === 'ENOTFOUND') return { error: 'NXDOMAIN', cnames };
  if (code === 'ENODATA') return { error: 'NODATA', cnames };
  if (code === 'ETIMEOUT' || code === 'ECANCELLED') return { error: 'TIMEOUT', cnames, detail: code };
  return { error: 'SERVFAIL', cnames, detail: code };
};

type FamilyAnswer = { records: { address: string; ttl: number }[] } | { code: string };

const askFamily = async (resolver: Resolver, family: 4 | 6, name: string): Promise<FamilyAnswer> => {
  try {
    const records = family === 4 ? await resolver.resolve4(name, { ttl: true }) : await resolver.resolve6(name, { ttl: true });
    return { records };
  } catch (error) {
    return { code: codeOf(error) };
  }
};

type Chain = { cnames: string[]; endCode?: string };

const walkCnames = async (resolver: Resolver, name: string): Promise<Chain> => {
  const cnames: string[] = [];
  let current = name;
  for (let hop = 0; hop < MAX_CNAME_HOPS; hop++) {
    let targets: string[];
    try {
      targets = await resolver.resolveCname(current);
    } catch (error) {
      return { cnames, endCode: codeOf(error) };
    }
    const next = targets[0] ? normalizeName(targets[0]) : undefined;
    if (!next || next === name || cnames.includes(next)) return { cnames };
    cnames.push(next);
    current = next;
  }
  return { cnames };
};

type Judged = { result: LookupResult; ttlSeconds: number };

const combine = (v4: FamilyAnswer, v6: FamilyAnswer, chain: Chain, options: ResolverOptions): Judged => {
  const { cnames } = chain;
  const records = [...('records' in v4 ? v4.records : []), ...('records' in v6 ? v6.records : [])];
  const failedCode = [v4, v6].map((answer) => ('code' in answer ? answer.code : undefined)).find((code) => code && !ABSENT.has(code));
  if (records.length > 0) {
    const addresses = [...new Set(records.map((record) => normalizeAddress(record.address)))];
    if (failedCode) return { result: { addresses, cnames, incomplete: failureFrom(failedCode, cnames) }, ttlSeconds: 0 };
    const ttl = Math.min(...records.map((record) => record.ttl), options.maxCacheSeconds);
    return { result: { addresses, cnames }, ttlSeconds: ttl };
  }
  if (failedCode) return { result: failureFrom(failedCode, cnames), ttlSeconds: 0 };
  // A dangling CNAME answers A/AAAA with an empty list; the chain's last hop tells whether the target exists.
  const missing = [v4, v6].some((answer) => 'code' in answer && answer.code === 'ENOTFOUND') || chain.endCode === 'ENOTFOUND';
  return { result: failureFrom(missing ? 'ENOTFOUND' : 'ENODATA', cnames), ttlSeconds: options.negativeCacheSeconds };
};

const timedOut = (): LookupFailure => ({ error: 'TIMEOUT', cnames: [], detail: 'deadline' });

type CaaJudged = { result: CaaResult; ttlSeconds: number };

const caaJudged = (answer: WireAnswer, options: ResolverOptions): CaaJudged => {
  const records = answer.records.map(({ flags, tag, value }) => ({ flags, tag, value }));
  if (records.length === 0)
    return { result: answer.rcode === 'NXDOMAIN' ? { records, nxdomain: true } : { records }, ttlSeconds: options.negativeCacheSeconds };
  const ttl = Math.min(...answer.records.map((record) => record.ttl), options.maxCacheSeconds);
  return { result: { records }, ttlSeconds: ttl };
};

/** Asks the servers the address lookups use (the configured ones, else the system's). */
const askCaa = async (resolver: Resolver, name: string, options: ResolverOptions): Promise<CaaJudged> => {
  try {
    return caaJudged(await queryCaa(resolver.getServers().map(parseServer), name, options.timeoutMs), options);
  } catch (error) {
    const code = codeOf(error);
    const kind = code === 'ETIMEOUT' ? 'TIMEOUT' : 'SERVFAIL';
    return { result: { error: kind, detail: code }, ttlSeconds: 0 };
  }
};

const buildResolver = (options: ResolverOptions): Resolver => {
  // tries: 1 — a retry would outlive the caller's deadline anyway.
  const resolver = new Resolver({ timeout: options.timeoutMs, tries: 1 });
  if (options.servers.length === 0) return resolver;
  try {
    resolver.setServers(options.servers);
  } catch (error) {
    throw new Error(`invalid DNS resolver list ${JSON.stringify(options.servers)}: ${(error as Error).message}`);
  }
  return resolver;
};

export const createNameResolver = (options: ResolverOptions): NameResolver => {
  const resolver = buildResolver(options);
  const cache = new TtlCache<LookupResult>(options.now);
  const inFlight = new Map<string, Promise<LookupResult>>();
  const caaCache = new TtlCache<CaaResult>(options.now);
  const caaInFlight = new Map<string, Promise<CaaResult>>();

  const query = async (name: string): Promise<LookupResult> => {
    const [v4, v6, chain] = await Promise.all([askFamily(resolver, 4, name), askFamily(resolver, 6, name), walkCnames(resolver, name)]);
    const { result, ttlSeconds } = combine(v4, v6, chain, options);
    cache.set(name, result, ttlSeconds);
    return result;
  };

  const start = (name: string): Promise<LookupResult> => {
    const pending = query(name).finally(() => inFlight.delete(name));
    inFlight.set(name, pending);
    return pending;
  };

  const startCaa = (name: string): Promise<CaaResult> => {
    const pending = askCaa(resolver, name, options)
      .then(({ result, ttlSeconds }) => {
        caaCache.set(name, result, ttlSeconds);
        return result;
      })
      .finally(() => caaInFlight.delete(name));
    caaInFlight.set(name, pending);
    return pending;
  };

  return {
    lookup: (rawName, lookupOptions = {}) => {
      const name = normalizeName(rawName);
      const cached = cache.get(name);
      if (cached) return Promise.resolve(cached);
      return untilAborted(inFlight.get(name) ?? start(name), lookupOptions.signal, timedOut);
    },
    lookupCaa: (rawName, lookupOptions = {}) => {
      const name = normalizeName(rawName);
      const cached = caaCache.get(name);
      if (cached) return Promise.resolve(cached);
      return untilAborted(caaInFlight.get(name) ?? startCaa(name), lookupOptions.signal, (): CaaResult => ({ error: 'TIMEOUT', detail: 'deadline' }));
    },
    peek: (rawName) => cache.get(normalizeName(rawName)),
    peekCaa: (rawName) => caaCache.get(normalizeName(rawName)),
    describe: () => (options.servers.length > 0 ? options.servers.join(', ') : `system (${resolver.getServers().join(', ') || 'none configured'})`),
  };
};
