// Which solver of an ACME issuer cert-manager uses for one identifier: the semantics of
// cert-manager v1.21.1 pkg/util/solverpicker/solverpicker.go Pick (lines 28-185) and
// pkg/controller/acmeorders/selectors, so that certguard judges the solver cert-manager will use:
//   - only solvers whose type the ACME server offers for the identifier are considered, the first
//     offered type the solver has (solverpicker.go:38-48); Let's Encrypt offers only dns-01 for a
//     wildcard and no dns-01 for an IP address;
//   - a solver without selector is taken only if nothing was selected before it (:58-67);
//   - a selector must match entirely (:73): matchLabels against the Order's labels (labels.go:35-51),
//     dnsNames exactly and case-sensitively (dns_names.go:37-47), dnsZones as miekg/dns sees them
//     (dns_zones.go:36-54, below);
//   - a dnsNames match beats any other; then the longest dnsZones match; then more matchLabels;
//     on a tie the solver listed first stays (:94-181).
// The identifier is the one the ACME server returns (see acmeIdentifier), not the Certificate's
// spelling. Tested against cert-manager's own Pick: fixtures/solver-picks.yaml.
import { normalizeAddress } from '../../dns/resolver.ts';

export type ParentRef = { name?: string; namespace?: string; kind?: string; group?: string; sectionName?: string; port?: number };

export type SolverSelector = { matchLabels?: Record<string, string>; dnsNames?: string[]; dnsZones?: string[] };

export type AcmeSolver = {
  selector?: SolverSelector | null;
  http01?: { ingress?: Record<string, unknown>; gatewayHTTPRoute?: { parentRefs?: ParentRef[] } } | null;
  dns01?: Record<string, unknown> | null;
};

export type ChallengeType = 'http-01' | 'dns-01';

export type PickedSolver = { index: number; solver: AcmeSolver; type: ChallengeType };

type Score = { labels: number; dnsNames: number; dnsZones: number };

// ---------------------------------------------------------------- miekg/dns labels (v1.1.72 labels.go)
// cert-manager matches zones with dns.CompareDomainName and dns.CountLabel, which cut a name at
// every unescaped "." but a final one, keep that final "." on the last label, and compare labels
// ASCII-case-insensitively. So "app.example.com." (last label "com." is not "com"),
// ".app.example.com" and "app..example.com" (an empty label no real name has) never match a zone.

/** A "." preceded by an odd number of backslashes is part of a label (labels.go:136-143). */
const isEscaped = (name: string, index: number): boolean => {
  let backslashes = 0;
  for (let at = index - 1; at >= 0 && name[at] === '\\'; at--) backslashes++;
  return backslashes % 2 === 1;
};

/**
 * The labels of a name as miekg/dns Split slices them (labels.go:103-148): each label keeps the
 * "." that ends it, the last keeps a trailing "." (and "" is one empty label); the root "." has none.
 */
export const domainLabels = (name: string): string[] => {
  if (name === '.') return [];
  const labels: string[] = [];
  let start = 0;
  // A "." as the last character ends the name, it does not start a label (labels.go:132).
  for (let at = 0; at < name.length - 1; at++) {
    if (name[at] !== '.' || isEscaped(name, at)) continue;
    labels.push(name.slice(start, at + 1));
    start = at + 1;
  }
  labels.push(name.slice(start));
  return labels;
};

/** miekg/dns CountLabel (labels.go:86-101). */
export const countLabel = (name: string): number => domainLabels(name).length;

/** miekg/dns equal (labels.go:189-211): only A-Z fold, byte for byte. */
const asciiLower = (text: string): string => text.replace(/[A-Z]/g, (letter) => letter.toLowerCase());

/** miekg/dns CompareDomainName (labels.go:40-84): labels two names share, counted from the right. */
export const compareDomainName = (a: string, b: string): number => {
  if (a === '.' || b === '.') return 0;
  const left = domainLabels(a);
  const right = domainLabels(b);
  let shared = 0;
  while (shared < left.length && shared < right.length) {
    if (asciiLower(left[left.length - 1 - shared]!) !== asciiLower(right[right.length - 1 - shared]!)) break;
    shared++;
  }
  return shared;
};

const matchLabels = (selector: SolverSelector, labels: Record<string, string>): [boolean, number] => {
  const required = Object.entries(selector.matchLabels ?? {});
  if (required.length === 0) return [true, 0];
  const all = required.every(([key, value]) => Object.hasOwn(labels, key) && labels[key] === value);
  return [all, all ? required.length : 0];
};

const matchDnsNames = (selector: SolverSelector, identifier: string): [boolean, number] => {
  const names = selector.dnsNames ?? [];
  if (names.length === 0) return [true, 0];
  // Exact and case-sensitive: a selector naming "API.example.com" never matches, since the
  // identifier is lower-cased (dns_names.go:42).
  return names.includes(identifier) ? [true, 1] : [false, 0];
};

const matchDnsZones = (selector: SolverSelector, identifier: string): [boolean, number] => {
  const zones = selector.dnsZones ?? [];
  if (zones.length === 0) return [true, 0];
  let longest = 0;
  for (const zone of zones) {
    // dns_zones.go:43-50: every label of the zone must be shared.
    const shared = compareDomainName(zone, identifier);
    if (shared === countLabel(zone) && shared > longest) longest = shared;
  }
  return [longest > 0, longest];
};

const typeFor = (solver: AcmeSolver, offered: readonly ChallengeType[]): ChallengeType | undefined =>
  offered.find((type) => (type === 'http-01' ? Boolean(solver.http01) : Boolean(solver.dns01)));

/** Whether `candidate` is more specific than `selected` (cert-manager's precedence). */
const beats = (candidate: Score, selected: Score): boolean => {
  const candidateNames = candidate.dnsNames > 0;
  const selectedNames = selected.dnsNames > 0;
  if (candidateNames !== selectedNames) return candidateNames;
  if (candidate.dnsZones !== selected.dnsZones) {
    // With dnsNames matching on both sides the zone counts are compared directly; without,
    // "has a zone match" is compared first, which the direct comparison also decides.
    return candidate.dnsZones > selected.dnsZones;
  }
  return candidate.labels > selected.labels;
};

/**
 * The name cert-manager hands to Pick for a Certificate name: the authorization's identifier as the
 * ACME server returns it (acmeorders/sync.go:436), "*." put back for a wildcard (util.go:101-104).
 * The server lower-cases DNS identifiers (pebble does: test/e2e/cert-manager-solver-picks.test.ts; DNS names are
 * case-insensitive, RFC 4343); cert-manager writes IP addresses in Go's canonical form
 * (certificaterequests/acme/acme.go:267-269), the form normalizeAddress also gives.
 */
export const acmeIdentifier = (name: string, isIpAddress: boolean): string => (isIpAddress ? normalizeAddress(name) : name.toLowerCase());

/**
 * The solver cert-manager picks for `identifier` (from acmeIdentifier: "*.example.com" for a
 * wildcard), given the challenge types the ACME server offers and the Certificate's labels (which
 * cert-manager copies to the Order); undefined when none can.
 */
export const pickSolver = (
  identifier: string,
  offered: readonly ChallengeType[],
  solvers: readonly AcmeSolver[],
  labels: Record<string, string>,
): PickedSolver | undefined => {
  let picked: PickedSolver | undefined;
  let pickedScore: Score = { labels: 0, dnsNames: 0, dnsZones: 0 };
  solvers.forEach((solver, index) => {
    const type = typeFor(solver, offered);
    if (!type) return;
    if (!solver.selector) {
      if (!picked) picked = { index, solver, type };
      return;
    }
    const [labelsOk, labelCount] = matchLabels(solver.selector, labels);
    const [namesOk, nameCount] = matchDnsNames(solver.selector, identifier);
    const [zonesOk, zoneCount] = matchDnsZones(solver.selector, identifier);
    if (!labelsOk || !namesOk || !zonesOk) return;
    const score = { labels: labelCount, dnsNames: nameCount, dnsZones: zoneCount };
    if (!picked || beats(score, pickedScore)) {
      picked = { index, solver, type };
      pickedScore = score;
    }
  });
  return picked;
};

/** The challenge types Let's Encrypt offers for an identifier (RFC 8555 §8, RFC 8738 §7). */
export const offeredChallenges = (identifier: string, isIpAddress: boolean): ChallengeType[] => {
  if (isIpAddress) return ['http-01'];
  if (identifier.startsWith('*.')) return ['dns-01'];
  return ['http-01', 'dns-01'];
};
