// Whether a certificate name covers a hostname, as TLS clients check it: RFC 6125 §6.4.3 with
// the one form of wildcard that Go's crypto/x509 (matchHostnames) and browsers accept — "*" as
// the whole left-most label, standing for exactly one label. So "*.example.com" covers
// "a.example.com" but neither "example.com" nor "a.b.example.com" (seed 003). Case-insensitive,
// a trailing dot ignored. Shared by gateway-listener-tls (the listener's side) and
// certificate-issuable (the Certificate's side).

const lower = (value: string): string => value.toLowerCase().replace(/\.$/, '');

/** Whether certificate name `pattern` covers `hostname`. */
export const covers = (pattern: string, hostname: string): boolean => {
  const name = lower(pattern);
  const host = lower(hostname);
  if (name === host) return true;
  // A wildcard hostname (a Gateway listener's "*.example.com") is only covered by the same wildcard, checked above.
  if (!name.startsWith('*.') || host.startsWith('*.')) return false;
  const dot = host.indexOf('.');
  return dot > 0 && host.slice(dot + 1) === name.slice(2);
};

/** Whether any of `names` covers `hostname`. */
export const isCovered = (names: readonly string[], hostname: string): boolean => names.some((name) => covers(name, hostname));
