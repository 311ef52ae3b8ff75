// The one configuration file (--config), shared by the CLI and the Helm chart's ConfigMap.
// Each policy owns its settings schema; this file only composes them.
import { auditSchema, type AuditSettings } from '../audit/settings.ts';
import { breakGlassSchema, type BreakGlassSettings } from '../policies/break-glass-settings.ts';
import { acmeSolverCapSchema, ACME_SOLVER_CAP, type AcmeSolverCapSettings } from '../policies/acme-solver-cap/settings.ts';
import { certificateDnsSchema, CERTIFICATE_DNS, type CertificateDnsSettings } from '../policies/certificate-dns/settings.ts';
import { certificateIssuableSchema, CERTIFICATE_ISSUABLE, type CertificateIssuableSettings } from '../policies/certificate-issuable/settings.ts';
import { gatewayListenerTlsSchema, GATEWAY_LISTENER_TLS, type GatewayListenerTlsSettings } from '../policies/gateway-listener-tls/settings.ts';
import { tlsSecretInUseSchema, TLS_SECRET_IN_USE, type TlsSecretInUseSettings } from '../policies/tls-secret-in-use/settings.ts';

export type Config = {
  policies: {
    [GATEWAY_LISTENER_TLS]: GatewayListenerTlsSettings;
    [CERTIFICATE_DNS]: CertificateDnsSettings;
    [ACME_SOLVER_CAP]: AcmeSolverCapSettings;
    [TLS_SECRET_IN_USE]: TlsSecretInUseSettings;
    [CERTIFICATE_ISSUABLE]: CertificateIssuableSettings;
  };
  cluster: {
    /** Seconds the live view may be disconnected before /readyz reports it stale. */
    staleAfterSeconds: number;
  };
  /** What `certguard audit` (and serve's periodic audit) judges beyond admission. */
  audit: AuditSettings;
  /** Who the break-glass annotations (skip-dns-check, allow-delete, allow-unusable, skip-issuable-check) count for. */
  breakGlass: BreakGlassSettings;
};

export const configSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    policies: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        [GATEWAY_LISTENER_TLS]: gatewayListenerTlsSchema,
        [CERTIFICATE_DNS]: certificateDnsSchema,
        [ACME_SOLVER_CAP]: acmeSolverCapSchema,
        [TLS_SECRET_IN_USE]: tlsSecretInUseSchema,
        [CERTIFICATE_ISSUABLE]: certificateIssuableSchema,
      },
    },
    cluster: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        staleAfterSeconds: { type: 'integer', minimum: 1, default: 120 },
      },
    },
    audit: auditSchema,
    breakGlass: breakGlassSchema,
  },
} as const;
