// The CAA issuer domain(s) of an ACME CA, from its directory URL (spec.acme.server), and the rules
// it decides CAA by. Each identity is the domain the CA's own documentation tells domain owners to
// put in `issue` (README.md cites them). Entries of the caaIdentities setting are added; the
// longest matching prefix decides, and a configured prefix replaces a built-in one of the same
// length. Let's Encrypt runs Boulder, whose CAA rules differ from the RFC's (src/dns/caa.ts).
import type { CaaRulesName } from '../../dns/caa.ts';
import type { CaaIdentity } from './settings.ts';

type Entry = { serverPrefix: string; identities: string[]; rules?: CaaRulesName };

export type CaaCaIdentity = { identities: string[]; rules: CaaRulesName };

export const BUILT_IN_CAA_IDENTITIES: readonly Entry[] = [
  { serverPrefix: 'https://acme-v02.api.letsencrypt.org/', identities: ['letsencrypt.org'], rules: 'boulder' },
  { serverPrefix: 'https://acme-staging-v02.api.letsencrypt.org/', identities: ['letsencrypt.org'], rules: 'boulder' },
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

const longestMatch = (server: string, entries: readonly Entry[]): Entry | undefined => {
  let best: Entry | undefined;
  // On an equal prefix length the first one found stays.
  for (const entry of entries) if (server.startsWith(entry.serverPrefix) && (!best || entry.serverPrefix.length > best.serverPrefix.length)) best = entry;
  return best;
};

/** undefined: a CA certguard does not know (its CAA is not judged). A configured identity keeps the
 *  rules of the built-in CA its URL belongs to (Let's Encrypt stays Boulder); any other CA: RFC 8659. */
export const caaIdentitiesFor = (server: string | undefined, configured: readonly CaaIdentity[]): CaaCaIdentity | undefined => {
  if (!server) return undefined;
  const best = longestMatch(server, [...configuredEntries(configured), ...BUILT_IN_CAA_IDENTITIES]);
  if (!best) return undefined;
  return { identities: best.identities, rules: longestMatch(server, BUILT_IN_CAA_IDENTITIES)?.rules ?? 'rfc8659' };
};
