// What every hop of one explanation shares: the read-through view, the config's policy settings,
// the policies explain runs on a Certificate, DNS, the clock, and guard(): a read a hop cannot
// do makes that hop "unreadable" and the others go on.
import type { Config } from '../config/schema.ts';
import type { NameResolver } from '../dns/resolver.ts';
import type { CertificatePolicies } from './judged-policies.ts';
import type { Hop, HopId } from './model.ts';
import type { ReadView } from './read-view.ts';
import { ReadError } from './source.ts';

export type ExplainContext = {
  view: ReadView;
  config: Config;
  /** certificate-dns and certificate-issuable, built by the composition root: enforced (facts) and as configured (admission). */
  certificatePolicies: CertificatePolicies;
  resolver: NameResolver;
  now: Date;
};

/** A hop whose read failed (RBAC, an API error): said on that hop; an unreachable API server stops everything. */
export const guard = async (hop: HopId, build: () => Promise<Hop>): Promise<Hop> => {
  try {
    return await build();
  } catch (error) {
    if (error instanceof ReadError && !error.unreachable) return { hop, status: 'unreadable', summary: error.message, message: error.message, details: [] };
    throw error;
  }
};

export const skipped = (hop: HopId, summary: string): Hop => ({ hop, status: 'skipped', summary, details: [] });
