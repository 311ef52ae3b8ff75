// The CAA issuer domain(s) of an ACME CA, from its directory URL (spec.acme.server). Each entry is
// the domain the CA's own documentation tells domain owners to put in `issue` (README.md cites them).
// Entries of the caaIdentities setting are added; the longest matching prefix decides, and a
// configured prefix replaces a built-in one of the same length.
import type { CaaIdentity } from './settings.ts';

type Entry = { serverPrefix: string; identities: string[] };

export const BUILT_IN_CAA_IDENTITIES: readonly Entry[] = [
  { serverPrefix: 'https://acme-v02.api.letsencrypt.org/', identities: ['letsencrypt.org'] },
  { serverPrefix: 'https://acme-staging-v02.api.letsencrypt.org/', identities: ['letsencrypt.org'] },
  { serverPrefix: 'https://dv.acme-v02.api.pki.goog/', identities: ['pki.goog'] },
  { serverPrefix: 'https://dv.acme-v02.test-api.pki.goog/', identities: ['pki.goog'] },
  { serverPrefix: 'https://acme.zerossl.com/', identities: ['sectigo.com'] },
  { serverPrefix: 'https://api.buypass.com/acme', identities: ['buypass.com', 'buypass.no'] },
  { serverPrefix: 'https://api.test4.buypass.no/acme', identities: ['buypass.com', 'buypass.no'] },
  { serverPrefix: 'https://acme.ssl.com/', identities: ['ssl.com'] },
];

const configuredEntries = (configured: readonly CaaIdentity[]): Entry[] => {
  const byPrefix = new Map<string, string[]>();
  for (const { serverPrefix, identity } of configured) byPrefix.set(serverPrefix, [...(byPrefix.get(serverPrefix) ?? []), identity.toLowerCase()]);
  return [...byPrefix].map(([serverPrefix, identities]) => ({ serverPrefix, identities }));
};

/** undefined: a CA certguard does not know (its CAA is not judged). */
export const caaIdentitiesFor = (server: string | undefined, configured: readonly CaaIdentity[]): string[] | undefined => {
  if (!server) return undefined;
  let best: Entry | undefined;
  // Configured entries first: on an equal prefix length the first one found stays.
  for (const entry of [...configuredEntries(configured), ...BUILT_IN_CAA_IDENTITIES]) {
    if (server.startsWith(entry.serverPrefix) && (!best || entry.serverPrefix.length > best.serverPrefix.length)) best = entry;
  }
  return best?.identities;
};
