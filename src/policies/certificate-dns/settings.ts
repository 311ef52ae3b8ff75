import type { ResolverOptions } from '../../dns/resolver.ts';
import { modeSchema, VALIDATING_MODES } from '../settings.ts';

export const CERTIFICATE_DNS = 'certificate-dns';

/** A Service whose status.loadBalancer.ingress is where the ingress controller receives traffic. */
export type ServiceRef = { namespace: string; name: string };

/** A CA's CAA issuer domain, for ACME servers whose URL starts with serverPrefix. */
export type CaaIdentity = { serverPrefix: string; identity: string };

export type CertificateDnsSettings = {
  mode: 'enforce' | 'warn' | 'off';
  /** Where HTTP-01 challenges arrive, besides what is discovered from Gateways. */
  ingress: {
    addresses: string[];
    hostnames: string[];
    /** Ingress controller Services, read for `ingress` solvers. */
    services: ServiceRef[];
  };
  /** "ip" or "ip:port" ("[v6]:port"); empty: the system's resolvers (/etc/resolv.conf). */
  resolvers: string[];
  /** One deadline for all lookups of one admission review. */
  lookupTimeoutMs: number;
  /** A lookup that timed out or failed (SERVFAIL, refused): allow with a warning, or deny. */
  onLookupError: 'allow' | 'deny';
  negativeCacheSeconds: number;
  maxCacheSeconds: number;
  /** Namespace annotation whose value (enforce, warn, off) sets the mode for that namespace. */
  namespaceModeAnnotation: string;
  /** CAA: judge the names' CAA records against the issuer's CA. */
  caa: boolean;
  /** Added to (and overriding) the built-in table of ACME CAs (caa-identities.ts). */
  caaIdentities: CaaIdentity[];
  /** A gatewayHTTPRoute solver route no HTTP listener would accept: enforce denies, warn allows with a warning. */
  routeAttachment: 'enforce' | 'warn' | 'off';
};

// IPv4 or IPv6 literal; net.isIP re-checks at construction, this only catches typos early.
const IP_PATTERN = '^([0-9]{1,3}(\\.[0-9]{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)$';
const HOSTNAME_PATTERN = '^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\\.?$';
// "ip", "ip:port" or "[ipv6]:port": what node:dns Resolver.setServers accepts.
const RESOLVER_PATTERN = '^([0-9.]+(:[0-9]{1,5})?|[0-9a-fA-F:]+|\\[[0-9a-fA-F:]+\\](:[0-9]{1,5})?)$';

export const certificateDnsSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    mode: modeSchema(VALIDATING_MODES, 'enforce'),
    ingress: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Where HTTP-01 challenges arrive (load balancer IPs, hostnames, controller Services).',
      properties: {
        addresses: { type: 'array', default: [], items: { type: 'string', pattern: IP_PATTERN } },
        hostnames: { type: 'array', default: [], items: { type: 'string', pattern: HOSTNAME_PATTERN } },
        services: {
          type: 'array',
          default: [],
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['namespace', 'name'],
            properties: { namespace: { type: 'string', minLength: 1 }, name: { type: 'string', minLength: 1 } },
          },
        },
      },
    },
    resolvers: {
      type: 'array',
      default: [],
      description:
        'DNS servers to ask, e.g. "1.1.1.1" or "127.0.0.1:5353"; empty: the system resolvers. Point at public resolvers when the cluster sees a split-horizon view.',
      items: { type: 'string', pattern: RESOLVER_PATTERN },
    },
    // 2 s: all lookups of one review share it; the review's own deadline (--request-timeout, 4 s) cuts it shorter when it comes first.
    lookupTimeoutMs: { type: 'integer', minimum: 50, maximum: 10000, default: 2000 },
    onLookupError: {
      enum: ['allow', 'deny'],
      default: 'allow',
      description: 'A lookup that timed out or failed: allow with a warning, or deny.',
    },
    // 30 s: long enough that a burst of Certificates costs one lookup, short enough that a
    // record created a moment ago is seen on the next try.
    negativeCacheSeconds: { type: 'integer', minimum: 0, maximum: 3600, default: 30 },
    // 300 s caps long record TTLs so a DNS change reaches certguard within minutes.
    maxCacheSeconds: { type: 'integer', minimum: 0, maximum: 86400, default: 300 },
    namespaceModeAnnotation: { type: 'string', minLength: 1, default: 'certguard.io/certificate-dns-mode' },
    caa: { type: 'boolean', default: true, description: "Deny names whose CAA records do not authorize the issuer's ACME CA." },
    caaIdentities: {
      type: 'array',
      default: [],
      description: 'CAA issuer domains of ACME CAs by directory URL prefix; added to the built-in table, a longer or equal prefix wins.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['serverPrefix', 'identity'],
        properties: {
          serverPrefix: { type: 'string', pattern: '^https?://' },
          identity: { type: 'string', pattern: HOSTNAME_PATTERN },
        },
      },
    },
    routeAttachment: {
      enum: ['enforce', 'warn', 'off'],
      default: 'enforce',
      description:
        'The HTTPRoute cert-manager creates for an HTTP-01 gatewayHTTPRoute solver must attach to an HTTP listener of its parentRefs (Gateway API route attachment): enforce denies a Certificate whose route no listener accepts, or only an HTTPS/TLS one, warn allows with a warning, off does not judge.',
    },
  },
} as const;

/** Settings with every default filled, as the config loader produces them. */
export const defaultCertificateDnsSettings = (): CertificateDnsSettings => ({
  mode: 'enforce',
  ingress: { addresses: [], hostnames: [], services: [] },
  resolvers: [],
  lookupTimeoutMs: 2000,
  onLookupError: 'allow',
  negativeCacheSeconds: 30,
  maxCacheSeconds: 300,
  namespaceModeAnnotation: 'certguard.io/certificate-dns-mode',
  caa: true,
  caaIdentities: [],
  routeAttachment: 'enforce',
});

/** What the composition root passes to createNameResolver for this policy. */
export const resolverOptionsFrom = (settings: CertificateDnsSettings): ResolverOptions => ({
  servers: settings.resolvers,
  timeoutMs: settings.lookupTimeoutMs,
  negativeCacheSeconds: settings.negativeCacheSeconds,
  maxCacheSeconds: settings.maxCacheSeconds,
});
