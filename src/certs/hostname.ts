// Whether a certificate name covers a hostname, as TLS clients check it: RFC 6125 §6.4.3 with
// the one form of wildcard that Go's crypto/x509 (matchHostnames) and browsers accept — "*" as
// the whole left-most label, standing for exactly one label. So "*.example.com" covers
// "a.example.com" but neither "example.com" nor "a.b.example.com" (seed 003). ASCII
// case-insensitive. As in Go's VerifyHostname, a name that is not a valid hostname (a trailing dot,
// an empty label, a character outside letters, digits, "-" and "_") covers only the identical
// name, and no DNS name covers an IP address. Shared by gateway-listener-tls (the listener's side)
// and certificate-issuable (the Certificate's side); test/e2e/hostname-oracle.test.ts holds it to Go.
import { isIP } from 'node:net';

const lower = (value: string): string => value.replace(/[A-Z]+/g, (upper) => upper.toLowerCase());

// Go crypto/x509 validHostname: a pattern may have "*" as its whole first label, a hostname may end in ".".
const LABEL = /^[a-z0-9_][a-z0-9_-]*$/i;
const isValidHostname = (value: string, isPattern: boolean): boolean => {
  const host = isPattern ? value : value.replace(/\.$/, '');
  if (host === '' || host === '*') return false;
  return host.split('.').every((part, index) => LABEL.test(part) || (isPattern && index === 0 && part === '*'));
};

/** Go matchExactly: what a name that is not a valid hostname covers. */
const matchesExactly = (name: string, host: string): boolean => name !== '' && name !== '.' && host !== '' && host !== '.' && name === host;

/** Whether certificate name `pattern` covers `hostname`. */
export const covers = (pattern: string, hostname: string): boolean => {
  if (isIP(hostname) !== 0) return false;
  const name = lower(pattern);
  if (!isValidHostname(name, true) || !isValidHostname(hostname, false)) return matchesExactly(name, lower(hostname));
  const host = lower(hostname).replace(/\.$/, '');
  if (name === host) return true;
  // A wildcard hostname (a Gateway listener's "*.example.com") is not a valid hostname: only the same wildcard covers it, above.
  if (!name.startsWith('*.')) return false;
  const dot = host.indexOf('.');
  return dot > 0 && host.slice(dot + 1) === name.slice(2);
};

/** Whether any of `names` covers `hostname`. */
export const isCovered = (names: readonly string[], hostname: string): boolean => names.some((name) => covers(name, hostname));
