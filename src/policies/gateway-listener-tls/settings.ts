import { modeSchema } from '../settings.ts';

export const GATEWAY_LISTENER_TLS = 'gateway-listener-tls';

/** A certificateRef group/kind other than core Secret that the cluster's controller understands. */
export type RefKind = { group: string; kind: string };

/** The core kinds a CA bundle reference may name (Gateway API core: ConfigMap; Secret is implementation-specific). */
export type CaRefKind = 'ConfigMap' | 'Secret';

export type GatewayListenerTlsSettings = {
  /** placeholder: served by /mutate; creates a self-signed Secret for a missing, permitted ref. */
  mode: 'enforce' | 'warn' | 'off' | 'placeholder';
  /** What to do with a Secret that exists but cannot serve (wrong type, bad PEM, key mismatch, expired). */
  secretContent: 'enforce' | 'warn' | 'off';
  /** Extra certificateRef (and backend clientCertificateRef) kinds to accept (only the cross-namespace grant is checked for them). */
  allowedRefKinds: RefKind[];
  /** The core kinds the Gateway controller reads a frontend caCertificateRef from. */
  caCertificateRefKinds: CaRefKind[];
  /** A ListenerSet its parent Gateway does not allow (or a Gateway update that detaches one): enforce denies, warn allows with a warning. */
  listenerSetAttachment: 'enforce' | 'warn' | 'off';
  placeholder: {
    validityDays: number;
    /** Subject (and SAN) of a placeholder whose listener has no hostname. */
    commonName: string;
    /** Also stand in for a Secret no Certificate or cert-manager annotation will issue (created by other means). */
    forUnmanagedSecrets: boolean;
  };
};

export const gatewayListenerTlsSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    mode: modeSchema(['enforce', 'warn', 'off', 'placeholder'], 'enforce'),
    secretContent: {
      enum: ['enforce', 'warn', 'off'],
      default: 'enforce',
      description: 'A referenced Secret that exists but is unusable: enforce denies, warn allows with a warning, off does not read Secret content.',
    },
    listenerSetAttachment: {
      enum: ['enforce', 'warn', 'off'],
      default: 'enforce',
      description:
        "A ListenerSet whose parent Gateway's spec.allowedListeners does not admit its namespace, or a Gateway update that stops admitting an attached one: enforce denies, warn allows with a warning, off does not judge.",
    },
    allowedRefKinds: {
      type: 'array',
      default: [],
      description:
        'certificateRef (and spec.tls.backend.clientCertificateRef) kinds besides core Secret that your Gateway controller supports, e.g. {group: "", kind: ConfigMap}.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['kind'],
        properties: {
          group: { type: 'string', default: '' },
          kind: { type: 'string', minLength: 1 },
        },
      },
    },
    caCertificateRefKinds: {
      type: 'array',
      default: ['ConfigMap'],
      uniqueItems: true,
      description:
        "Kinds (core group) your Gateway controller reads a Gateway's spec.tls.frontend caCertificateRefs from: ConfigMap is Gateway API's core support, Secret an implementation-specific one some controllers accept. A reference to any other kind is denied as unsupported.",
      items: { enum: ['ConfigMap', 'Secret'] },
    },
    placeholder: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        // Short-lived by design: it only has to carry the Gateway until cert-manager issues.
        // 397 days: the longest validity browsers accept for a TLS server certificate.
        validityDays: { type: 'integer', minimum: 1, maximum: 397, default: 7 },
        commonName: {
          type: 'string',
          minLength: 1,
          maxLength: 64,
          default: 'certguard-placeholder',
          description: 'Subject of a placeholder whose listener has no hostname (64: the X.509 CN upper bound).',
        },
        forUnmanagedSecrets: {
          type: 'boolean',
          default: false,
          description:
            'Create placeholders also for Secrets that no Certificate or cert-manager annotation will issue (you create them by other means). Off: such a Secret is denied as in enforce mode, since a placeholder would hide a wrong name behind a self-signed certificate.',
        },
      },
    },
  },
} as const;

/** Settings with every default filled, as the config loader produces them. */
export const defaultGatewayListenerTlsSettings = (): GatewayListenerTlsSettings => ({
  mode: 'enforce',
  secretContent: 'enforce',
  allowedRefKinds: [],
  caCertificateRefKinds: ['ConfigMap'],
  listenerSetAttachment: 'enforce',
  placeholder: { validityDays: 7, commonName: 'certguard-placeholder', forUnmanagedSecrets: false },
});
