// Which solver of an ACME issuer cert-manager uses for one identifier. A line-by-line mirror of
// cert-manager's pkg/util/solverpicker Pick() and pkg/controller/acmeorders/selectors, so that
// certguard judges the solver cert-manager will really use:
//   - only solvers whose type the ACME server offers for the identifier are considered
//     (Let's Encrypt offers only dns-01 for a wildcard, no dns-01 for an IP address);
//   - a solver without selector is taken only if nothing was selected before it;
//   - a selector must match entirely (matchLabels against the Certificate's labels, dnsNames
//     exactly, dnsZones as a suffix on label boundaries);
//   - a dnsNames match beats any other; then the longest dnsZones match; then more matchLabels;
//   - on a tie the solver listed first stays.

export type ParentRef = { name?: string; namespace?: string; kind?: string; group?: string; sectionName?: string };

export type SolverSelector = { matchLabels?: Record<string, string>; dnsNames?: string[]; dnsZones?: string[] };

export type AcmeSolver = {
  selector?: SolverSelector | null;
  http01?: { ingress?: Record<string, unknown>; gatewayHTTPRoute?: { parentRefs?: ParentRef[] } } | null;
  dns01?: Record<string, unknown> | null;
};

export type ChallengeType = 'http-01' | 'dns-01';

export type PickedSolver = { index: number; solver: AcmeSolver; type: ChallengeType };

type Score = { labels: number; dnsNames: number; dnsZones: number };

const labelsOf = (name: string): string[] => name.toLowerCase().split('.').filter(Boolean);

/** miekg/dns CompareDomainName: labels two names share, counted from the right, ignoring case. */
export const compareDomainName = (a: string, b: string): number => {
  const left = labelsOf(a);
  const right = labelsOf(b);
  let shared = 0;
  while (shared < left.length && shared < right.length && left[left.length - 1 - shared] === right[right.length - 1 - shared]) shared++;
  return shared;
};

const matchLabels = (selector: SolverSelector, labels: Record<string, string>): [boolean, number] => {
  const required = Object.entries(selector.matchLabels ?? {});
  if (required.length === 0) return [true, 0];
  const all = required.every(([key, value]) => labels[key] === value);
  return [all, all ? required.length : 0];
};

const matchDnsNames = (selector: SolverSelector, identifier: string): [boolean, number] => {
  const names = selector.dnsNames ?? [];
  if (names.length === 0) return [true, 0];
  return names.includes(identifier) ? [true, 1] : [false, 0];
};

const matchDnsZones = (selector: SolverSelector, identifier: string): [boolean, number] => {
  const zones = selector.dnsZones ?? [];
  if (zones.length === 0) return [true, 0];
  let longest = 0;
  for (const zone of zones) {
    const shared = compareDomainName(zone, identifier);
    if (shared === labelsOf(zone).length && shared > longest) longest = shared;
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
 * The solver cert-manager picks for `identifier` ("*.example.com" for a wildcard), given the
 * challenge types the ACME server offers and the Certificate's labels; undefined when none can.
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
