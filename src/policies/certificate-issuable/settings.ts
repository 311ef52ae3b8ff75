import { modeSchema, VALIDATING_MODES } from '../settings.ts';

export const CERTIFICATE_ISSUABLE = 'certificate-issuable';

export type CertificateIssuableSettings = {
  mode: 'enforce' | 'warn' | 'off';
  /** dnsNames + ipAddresses + uris + emailAddresses an ACME CA accepts in one certificate. */
  maxIdentifiers: number;
  /** Namespace annotation whose value (enforce, warn, off) sets the mode for that namespace. */
  namespaceModeAnnotation: string;
};

export const certificateIssuableSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    mode: modeSchema(VALIDATING_MODES, 'enforce'),
    // 100: Let's Encrypt's "names per certificate" limit (letsencrypt.org/docs/rate-limits).
    maxIdentifiers: {
      type: 'integer',
      minimum: 1,
      default: 100,
      description: 'Most identifiers (dnsNames + ipAddresses + uris + emailAddresses) in one ACME Certificate.',
    },
    namespaceModeAnnotation: { type: 'string', minLength: 1, default: 'certguard.io/certificate-issuable-mode' },
  },
} as const;

/** Settings with every default filled, as the config loader produces them. */
export const defaultCertificateIssuableSettings = (): CertificateIssuableSettings => ({
  mode: 'enforce',
  maxIdentifiers: 100,
  namespaceModeAnnotation: 'certguard.io/certificate-issuable-mode',
});
