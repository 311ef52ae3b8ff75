// `audit:` in the config: what the audit judges beyond admission, and how often serve runs it.
export type AuditSettings = {
  /** A listener's certificate expiring within this many days is a warning (audit only). */
  expiringWithinDays: number;
  /** A placeholder still not replaced by cert-manager after this many hours is a failure. */
  placeholderMaxAgeHours: number;
  /** A cert-manager Certificate not Ready for longer than this is a failure. */
  notReadyAfterMinutes: number;
  /** How often `serve --audit` audits (±10 % jitter). */
  intervalMinutes: number;
  /** DNS lookups (A/AAAA or CAA) an audit may start per second; cached answers are free. */
  dnsLookupsPerSecond: number;
  /** Warning Events `serve --audit` creates per audit at most; the rest come in later audits. */
  eventsPerAudit: number;
  /** Which report format `serve --audit` writes: auto (each one the cluster serves), openreports or policyreports. */
  reportFormat: 'auto' | 'openreports' | 'policyreports';
};

export const auditSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    // 14 days: a 90-day ACME certificate is renewed 30 days before it expires, so one this close
    // to its end is one whose renewal has been failing for over two weeks (incidents 003/004).
    expiringWithinDays: { type: 'integer', minimum: 0, default: 14 },
    // A placeholder normally lives minutes (until cert-manager issues); a day means issuance is stuck.
    placeholderMaxAgeHours: { type: 'number', exclusiveMinimum: 0, default: 24 },
    // An HTTP-01 issuance takes a minute or two; an hour not Ready is a stuck one (incident 001: 17 hours).
    notReadyAfterMinutes: { type: 'number', exclusiveMinimum: 0, default: 60 },
    // Ten minutes: well inside incident 001's 15 hours, and one audit of a large cluster costs seconds.
    intervalMinutes: { type: 'number', exclusiveMinimum: 0, default: 10 },
    // 50: one lookup sends at least three queries (A, AAAA, CNAME), so ~150 packets a second, a
    // seventh of the 1024 packets per second per network interface AWS's VPC resolver accepts
    // (a quota that cannot be raised: "DNS quotas", docs.aws.amazon.com/vpc/latest/userguide/AmazonDNS-concepts.html),
    // shared with every pod on the node. 20,000 uncached names then take under 7 minutes.
    dnsLookupsPerSecond: { type: 'integer', minimum: 1, default: 50 },
    // 1000: the queue client-go's EventBroadcaster keeps before it drops Events (k8s.io/client-go
    // v0.36.3 tools/record/event.go, maxQueuedEvents). A first audit of a broken cluster finds
    // tens of thousands of findings; their Events come over the next audits, one each.
    eventsPerAudit: { type: 'integer', minimum: 0, default: 1000 },
    // auto: OpenReports and wgpolicyk8s.io, whichever CRDs are installed (both if both).
    reportFormat: { enum: ['auto', 'openreports', 'policyreports'], default: 'auto' },
  },
} as const;
