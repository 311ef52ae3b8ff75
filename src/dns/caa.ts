// CAA (RFC 8659, RFC 8657): whether the owner of a name lets a CA issue for it, decided the way that
// CA decides. Pure rules over the records a NameResolver returns; the lookups of one name and its
// ancestors run in parallel under the caller's deadline.
//
// §3 Relevant RRset: CAA(X) is the answer to a CAA query for X, aliases (CNAME) chased by the
// resolver; if it is empty the search climbs to the parent of X (not of the alias target), up to
// and including the top-level domain. For a wildcard *.X the search starts at X. Let's Encrypt's
// deviations from the RFC (Boulder va/caa.go, bdns/dns.go) are the `boulder` rules below.
import type { CaaRecord, NameResolver } from './resolver.ts';
import { normalizeName } from './resolver.ts';

export type CaaFailure = { host: string; error: 'TIMEOUT' | 'SERVFAIL' | 'NXDOMAIN'; detail?: string };

export type RelevantCaa = { at: string; records: CaaRecord[] } | { none: true } | { failure: CaaFailure };

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
    // Boulder (bdns LookupCAA) takes NXDOMAIN for a top-level domain as an error: no issuance under a TLD that is gone.
    if (answer.nxdomain && !host.includes('.')) return { failure: { host, error: 'NXDOMAIN' } };
  }
  return { none: true };
};

// ---------------------------------------------------------------- the CA's rules

export type CaaRulesName = 'boulder' | 'rfc8659';

type CaaRules = {
  /** Flag bits that make a record critical. */
  criticalMask: number;
  /** Tags the CA knows: a critical record with another tag forbids issuance. */
  knownTags: ReadonlySet<string>;
  parameterTag: RegExp;
  /** Whether the issuer domain is compared with the CA's identity as written (case-sensitively). */
  exactDomain: boolean;
};

const RULES: Record<CaaRulesName, CaaRules> = {
  // Boulder filterCAA: bit 1 is an alias of the critical bit 128 ("many CAA record users have
  // misinterpreted the RFC"); issuemail and issuevmc are known. parseCAARecord: tags of ASCII
  // letters and digits only, possibly empty. caaDomainMatches: string equality.
  boulder: {
    criticalMask: 128 | 1,
    knownTags: new Set(['issue', 'issuewild', 'iodef', 'issuemail', 'issuevmc']),
    parameterTag: /^[A-Za-z0-9]*$/,
    exactDomain: true,
  },
  // RFC 8659 §4.1 (bit 128), §4.2 (parameter-tag grammar); known tags: the IANA "Certification
  // Authority Restriction Properties" registry. Domain names compare case-insensitively (RFC 4343).
  rfc8659: {
    criticalMask: 128,
    knownTags: new Set(['issue', 'issuewild', 'iodef', 'issuemail', 'issuevmc', 'contactemail', 'contactphone']),
    parameterTag: /^[A-Za-z0-9](-*[A-Za-z0-9])*$/,
    exactDomain: false,
  },
};

export const isCritical = (record: CaaRecord, rules: CaaRulesName): boolean => (record.flags & RULES[rules].criticalMask) !== 0;

// ---------------------------------------------------------------- issue / issuewild values

export type CaaParameter = { tag: string; value: string };

export type ParsedIssueValue = { domain: string; parameters: CaaParameter[] } | { malformed: string };

const WSP = /^[ \t]+|[ \t]+$/g;
const trimWsp = (text: string): string => text.replace(WSP, '');

/** RFC 8659 §4.2 parameter-value: visible ASCII but ";". */
const isParameterValue = (value: string): boolean =>
  [...value].every((char) => {
    const code = char.codePointAt(0) as number;
    return code >= 0x21 && code <= 0x7e && code !== 0x3b;
  });

const parseParameter = (text: string, rules: CaaRules): CaaParameter | string => {
  const equals = text.indexOf('=');
  if (equals < 0) return `parameter ${JSON.stringify(text)} is not written tag=value`;
  const tag = trimWsp(text.slice(0, equals));
  const value = trimWsp(text.slice(equals + 1));
  if (!rules.parameterTag.test(tag)) return `parameter tag ${JSON.stringify(tag)} has a character not allowed there`;
  if (!isParameterValue(value)) return `parameter value ${JSON.stringify(value)} has a character not allowed there (space, ";" or non-ASCII)`;
  return { tag, value };
};

/** "letsencrypt.org; accounturi=…" → the issuer domain and its parameters, or why it does not parse. */
export const parseIssueValue = (value: string, rulesName: CaaRulesName): ParsedIssueValue => {
  const rules = RULES[rulesName];
  const [head = '', ...rest] = value.split(';');
  const domain = trimWsp(head);
  // "letsencrypt.org;" and "letsencrypt.org;  ": a semicolon with no parameters after it.
  if (rest.length === 1 && trimWsp(rest[0] as string) === '') return { domain, parameters: [] };
  const parameters: CaaParameter[] = [];
  for (const text of rest) {
    const parameter = parseParameter(text, rules);
    if (typeof parameter === 'string') return { malformed: parameter };
    parameters.push(parameter);
  }
  return { domain, parameters };
};

// ---------------------------------------------------------------- deciding

/** What certguard knows of the order: the CA, the solver it picks, the ACME account. */
export type CaaRequest = {
  identities: readonly string[];
  rules: CaaRulesName;
  wildcard: boolean;
  method: 'http-01' | 'dns-01';
  /** The issuer's registered account (status.acme.uri); undefined before registration. */
  accountUri?: string;
};

/** Why one issue/issuewild record does not authorize this order. */
export type Refusal =
  | { kind: 'malformed'; detail: string }
  | { kind: 'no-ca' }
  | { kind: 'other-ca'; domain: string; caseOnly: boolean }
  | { kind: 'account'; named: string[] }
  | { kind: 'methods'; named: string[]; problem: 'excluded' | 'malformed' | 'repeated' };

export type RecordRefusal = { record: CaaRecord; refusal: Refusal };

export type CaaDecision =
  | { authorized: true }
  | { authorized: false; critical: CaaRecord }
  | { authorized: false; property: 'issue' | 'issuewild'; refusals: RecordRefusal[] }
  /** A record would authorize if the account matched, and the issuer has no account yet. */
  | { undecided: true; record: CaaRecord; named: string };

const valuesOf = (parameters: CaaParameter[], tag: string): string[] =>
  parameters.filter((parameter) => parameter.tag === tag).map((parameter) => parameter.value);

const domainRefusal = (domain: string, request: CaaRequest): Refusal | undefined => {
  const exact = RULES[request.rules].exactDomain;
  const matches = (identity: string) => (exact ? domain === identity : domain.toLowerCase() === identity.toLowerCase());
  if (request.identities.some(matches)) return undefined;
  if (domain === '') return { kind: 'no-ca' };
  return { kind: 'other-ca', domain, caseOnly: request.identities.some((identity) => domain.toLowerCase() === identity.toLowerCase()) };
};

// RFC 8657 §4: value = [*(label ",") label], label = 1*(ALPHA / DIGIT / "-").
const METHOD_LABEL = /^[A-Za-z0-9-]+$/;

/** RFC 8657 §4; Boulder caaValidationMethodMatches: one parameter at most, every label well-formed. */
const methodsRefusal = (parameters: CaaParameter[], method: string): Refusal | undefined => {
  const values = valuesOf(parameters, 'validationmethods');
  if (values.length === 0) return undefined;
  const named = values.flatMap((value) => value.split(','));
  if (values.length > 1) return { kind: 'methods', named: values, problem: 'repeated' };
  if (!named.every((label) => METHOD_LABEL.test(label))) return { kind: 'methods', named: values, problem: 'malformed' };
  return named.includes(method) ? undefined : { kind: 'methods', named, problem: 'excluded' };
};

type Judged = { refusal: Refusal } | { ok: true } | { unknownAccount: string };

/** Boulder validateCAA's order: issuer domain, then accounturi (RFC 8657 §3), then validationmethods. */
const judgeRecord = (record: CaaRecord, request: CaaRequest): Judged => {
  const parsed = parseIssueValue(record.value, request.rules);
  if ('malformed' in parsed) return { refusal: { kind: 'malformed', detail: parsed.malformed } };
  const domain = domainRefusal(parsed.domain, request);
  if (domain) return { refusal: domain };
  const accounts = valuesOf(parsed.parameters, 'accounturi');
  // More than one accounturi is unsatisfiable (RFC 8657 §3).
  const [account] = accounts;
  const known = request.accountUri !== undefined;
  if (accounts.length > 1 || (account !== undefined && known && account !== request.accountUri)) return { refusal: { kind: 'account', named: accounts } };
  const methods = methodsRefusal(parsed.parameters, request.method);
  if (methods) return { refusal: methods };
  return account === undefined || known ? { ok: true } : { unknownAccount: account };
};

const tagOf = (record: CaaRecord): string => record.tag.toLowerCase();

/** §4.2/§4.3: issuewild, when present, decides for a wildcard; otherwise issue. No issue property at all: no restriction. */
export const decideCaa = (records: CaaRecord[], request: CaaRequest): CaaDecision => {
  const { knownTags } = RULES[request.rules];
  const critical = records.find((record) => !knownTags.has(tagOf(record)) && isCritical(record, request.rules));
  if (critical) return { authorized: false, critical };
  const property = request.wildcard && records.some((record) => tagOf(record) === 'issuewild') ? 'issuewild' : 'issue';
  const relevant = records.filter((record) => tagOf(record) === property);
  if (relevant.length === 0) return { authorized: true };
  const refusals: RecordRefusal[] = [];
  let unknown: { record: CaaRecord; named: string } | undefined;
  for (const record of relevant) {
    const judged = judgeRecord(record, request);
    if ('ok' in judged) return { authorized: true };
    if ('unknownAccount' in judged) unknown ??= { record, named: judged.unknownAccount };
    else refusals.push({ record, refusal: judged.refusal });
  }
  if (unknown) return { undecided: true, ...unknown };
  return { authorized: false, property, refusals };
};
