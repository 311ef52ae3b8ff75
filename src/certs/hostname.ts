// Whether a certificate name covers a hostname, as TLS clients check it: RFC 6125 §6.4.3 with
// the one form of wildcard that Go's crypto/x509 (matchHostnames) and browsers accept — "*" as
// the whole left-most label, standing for exactly one label. So "*.example.com" covers
// "a.example.com" but neither "example.com" nor "a.b.example.com" (incident 003). ASCII
// case-insensitive. As in Go's VerifyHostname, a name that is not a valid hostname (a trailing dot,
// an empty label, a character outside letters, digits, "-" and "_") covers only the identical
// name, and no DNS name covers an IP address. Shared by gateway-listener-tls (the listener's side)
// and certificate-issuable (the Certificate's side); test/e2e/hostname-oracle.test.ts holds it to Go.
import { isIP } from 'node:net';

// ASCII only, as Go's toLowerCaseASCII: "\u212a" (Kelvin) must not become "k".
const UPPER = /[A-Z]/;
const lower = (value: string): string => (UPPER.test(value) ? value.replace(/[A-Z]+/g, (upper) => upper.toLowerCase()) : value);

// Go crypto/x509 validHostname: labels of letters, digits, "_" and "-" (not first); a pattern may
// have "*" as its whole first label, a hostname may end in one ".". Lower-cased input.
const HOSTNAME = /^[a-z0-9_][a-z0-9_-]*(?:\.[a-z0-9_][a-z0-9_-]*)*$/;
const PATTERN = /^(?:\*|[a-z0-9_][a-z0-9_-]*)(?:\.[a-z0-9_][a-z0-9_-]*)*$/;
const isValidPattern = (name: string): boolean => name !== '*' && PATTERN.test(name);

// net.isIP only where an address could be: an IPv6 one has ":", an IPv4 one only digits and dots.
const MAYBE_IPV4 = /^[0-9.]+$/;
const isIpAddress = (value: string): boolean => (value.includes(':') || MAYBE_IPV4.test(value)) && isIP(value) !== 0;

/** Go matchExactly: what a name that is not a valid hostname covers. */
const matchesExactly = (name: string, host: string): boolean => name !== '' && name !== '.' && host !== '' && host !== '.' && name === host;

/** The hostname's side of the comparison, worked out once for every certificate name. */
type Host = { ip: boolean; lowered: string; bare: string; valid: boolean };
const hostOf = (hostname: string): Host => {
  const lowered = lower(hostname);
  const bare = lowered.endsWith('.') ? lowered.slice(0, -1) : lowered;
  return { ip: isIpAddress(hostname), lowered, bare, valid: HOSTNAME.test(bare) };
};

/** A certificate name worked out once: lower-cased, whether it is a valid pattern, and a wildcard's ".rest". */
type PreparedName = { readonly name: string; readonly valid: boolean; readonly wildcardSuffix?: string };

const prepareName = (pattern: string): PreparedName => {
  const name = lower(pattern);
  return name.startsWith('*.') ? { name, valid: isValidPattern(name), wildcardSuffix: name.slice(1) } : { name, valid: isValidPattern(name) };
};

const coversHost = ({ name, valid, wildcardSuffix }: PreparedName, host: Host): boolean => {
  if (host.ip) return false;
  if (!host.valid || !valid) return matchesExactly(name, host.lowered);
  if (name === host.bare) return true;
  // A wildcard hostname (a Gateway listener's "*.example.com") is not a valid hostname: only the same wildcard covers it, above.
  if (wildcardSuffix === undefined) return false;
  // "*.example.com" covers "a.example.com": the host from its first dot is ".example.com" (compared in place, no copy).
  const dot = host.bare.indexOf('.');
  return dot > 0 && host.bare.length - dot === wildcardSuffix.length && host.bare.startsWith(wildcardSuffix, dot);
};

/** Whether certificate name `pattern` covers `hostname`. */
export const covers = (pattern: string, hostname: string): boolean => coversHost(prepareName(pattern), hostOf(hostname));

// A frozen list is a Secret's names in a kept verdict (view.ts), matched on every review for as
// long as the Secret is unchanged: prepared once, and forgotten with the verdict.
const preparedLists = new WeakMap<readonly string[], readonly PreparedName[]>();
const preparedOf = (names: readonly string[]): readonly PreparedName[] => {
  if (!Object.isFrozen(names)) return names.map(prepareName);
  let prepared = preparedLists.get(names);
  if (!prepared) preparedLists.set(names, (prepared = names.map(prepareName)));
  return prepared;
};

/** Whether any of `names` covers `hostname`. */
export const isCovered = (names: readonly string[], hostname: string): boolean => {
  const host = hostOf(hostname);
  // A loop, not some(): no closure per listener per review.
  const prepared = preparedOf(names);
  for (let index = 0; index < prepared.length; index += 1) if (coversHost(prepared[index]!, host)) return true;
  return false;
};
