// What `certguard explain` answers: for each listener certificateRef (or each Secret or
// Certificate asked about), the chain of hops from the listener to the solver cap, each with a
// status, and the first broken one named. This shape is the JSON/YAML output (-o json|yaml):
// stable, its JSON Schema docs/explain.schema.json (closed: a field added here is added there).
// Add fields, never rename: a rename or removal needs a new apiVersion.

export const EXPLANATION_API_VERSION = 'certguard.io/v1alpha1';

/** The hops in chain order; a chain holds the ones that apply to it. */
export const HOPS = ['owner', 'listener', 'secret', 'filler', 'issuer', 'names', 'cert-manager', 'solver-route', 'solver-cap'] as const;
export type HopId = (typeof HOPS)[number];

/**
 * ok: nothing wrong here. pending: not done yet, nothing failed (issuance in progress, a
 * placeholder serving). broken: this hop stops the certificate from being served. unreadable:
 * the read this hop needs failed (RBAC, API error). skipped: does not apply (no ACME issuer, no
 * cert-manager Certificate).
 */
export type HopStatus = 'ok' | 'pending' | 'broken' | 'unreadable' | 'skipped';

export type Hop = {
  hop: HopId;
  status: HopStatus;
  /** One line: what was found. */
  summary: string;
  /** broken / pending / unreadable: the sentence a policy (or explain) gives, with its fix. */
  message?: string;
  /** What the verdict means for admission when it differs (the policy is off, warns, or is skipped): one line. */
  note?: string;
  /** What -v prints: one fact per line (conditions, names, challenges). */
  details: string[];
};

/** healthy: every hop ok or skipped. */
export type ChainStatus = 'healthy' | 'pending' | 'broken' | 'unknown';

export type ListenerRef = {
  owner: { kind: 'Gateway' | 'ListenerSet'; namespace: string; name: string };
  listener: string;
  index: number;
  protocol?: string;
  port?: number;
  hostname?: string;
  /** Index in tls.certificateRefs. */
  certificateRef: number;
};

export type Chain = {
  /** The listener whose certificate this is; absent when a Secret or Certificate no listener uses was asked about. */
  listener?: ListenerRef;
  secret: { namespace: string; name: string };
  status: ChainStatus;
  /** The first broken hop (else the first pending, else the first unreadable), when not healthy. */
  cause?: { hop: HopId; message: string; note?: string };
  hops: Hop[];
};

export type Target = { kind: 'Gateway' | 'ListenerSet' | 'Certificate' | 'Secret'; namespace: string; name: string };

export type Explanation = {
  apiVersion: typeof EXPLANATION_API_VERSION;
  kind: 'Explanation';
  target: Target;
  status: ChainStatus;
  chains: Chain[];
  /** Problems of the target itself (a Gateway with no TLS listener, a Secret nothing uses). */
  notes: string[];
};

/**
 * The listener's own conditions are what the controller saw, usually the effect of a later hop
 * (no Secret: ResolvedRefs False): they are the cause only when no other hop is broken.
 */
const causeOf = (hops: Hop[]): Hop | undefined =>
  hops.find((hop) => hop.status === 'broken' && hop.hop !== 'listener') ??
  hops.find((hop) => hop.status === 'broken') ??
  hops.find((hop) => hop.status === 'pending') ??
  hops.find((hop) => hop.status === 'unreadable');

/** The chain's verdict from its hops: the first broken hop, else the first pending, else the first unreadable. */
export const concludeChain = (hops: Hop[]): Pick<Chain, 'status' | 'cause'> => {
  const cause = causeOf(hops);
  if (!cause) return { status: 'healthy' };
  const status: ChainStatus = cause.status === 'broken' ? 'broken' : cause.status === 'pending' ? 'pending' : 'unknown';
  return { status, cause: { hop: cause.hop, message: cause.message ?? cause.summary, ...(cause.note ? { note: cause.note } : {}) } };
};

/** The worst chain status: broken > pending > unknown > healthy. */
export const worstOf = (statuses: ChainStatus[]): ChainStatus => {
  for (const status of ['broken', 'pending', 'unknown'] as const) if (statuses.includes(status)) return status;
  return 'healthy';
};
