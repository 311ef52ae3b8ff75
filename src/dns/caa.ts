// CAA (RFC 8659): which CAs the owner of a name lets issue for it. Pure rules over the records a
// NameResolver returns; the lookups of one name and its ancestors run in parallel under the
// caller's deadline.
//
// §3 Relevant RRset: CAA(X) is the answer to a CAA query for X, aliases (CNAME) chased by the
// resolver; if it is empty the search climbs to the parent of X (not of the alias target), up to
// and including the top-level domain. For a wildcard *.X the search starts at X.
import type { CaaRecord, NameResolver } from './resolver.ts';
import { normalizeName } from './resolver.ts';

export type RelevantCaa =
  | { at: string; records: CaaRecord[] }
  | { none: true }
  | { failure: { host: string; error: 'TIMEOUT' | 'SERVFAIL'; detail?: string } };

/** "a.b.example.com" → ["a.b.example.com", "b.example.com", "example.com", "com"]. */
export const caaSearchNames = (name: string): string[] => {
  const labels = normalizeName(name).replace(/^\*\./, '').split('.').filter(Boolean);
  return labels.map((_, index) => labels.slice(index).join('.'));
};

export const relevantCaa = async (resolver: NameResolver, name: string, signal?: AbortSignal): Promise<RelevantCaa> => {
  const names = caaSearchNames(name);
  const answers = await Promise.all(names.map((host) => resolver.lookupCaa(host, { signal })));
  for (const [index, answer] of answers.entries()) {
    const host = names[index] as string;
    // A closer level that did not answer may hold the deciding set: nothing further up counts.
    if ('error' in answer) return { failure: { host, error: answer.error, detail: answer.detail } };
    if (answer.records.length > 0) return { at: host, records: answer.records };
  }
  return { none: true };
};

// Tags RFC 8659 defines; a critical record with any other tag forbids issuance (§4.1).
const KNOWN_TAGS = new Set(['issue', 'issuewild', 'iodef']);

/** The issuer domain of an issue/issuewild value ("letsencrypt.org; accounturi=…" → "letsencrypt.org"); "" for ";". */
export const issuerDomainOf = (value: string): string => normalizeName(value.split(';')[0] ?? '');

export type CaaDecision =
  | { authorized: true }
  | { authorized: false; property: 'issue' | 'issuewild'; allowed: string[] }
  | { authorized: false; criticalTag: string };

/** §4.2/§4.3: issuewild, when present, decides for a wildcard; otherwise issue. No issue property at all: no restriction. */
export const decideCaa = (records: CaaRecord[], identities: readonly string[], wildcard: boolean): CaaDecision => {
  const critical = records.find((record) => record.critical && !KNOWN_TAGS.has(record.tag));
  if (critical) return { authorized: false, criticalTag: critical.tag };
  const property = wildcard && records.some((record) => record.tag === 'issuewild') ? 'issuewild' : 'issue';
  const relevant = records.filter((record) => record.tag === property);
  if (relevant.length === 0) return { authorized: true };
  const allowed = [...new Set(relevant.map((record) => issuerDomainOf(record.value)).filter((domain) => domain !== ''))];
  if (allowed.some((domain) => identities.includes(domain))) return { authorized: true };
  return { authorized: false, property, allowed };
};
