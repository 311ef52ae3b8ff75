import { modeSchema, VALIDATING_MODES } from '../settings.ts';

export const TLS_SECRET_IN_USE = 'tls-secret-in-use';

export type TlsSecretInUseSettings = {
  mode: 'enforce' | 'warn' | 'off';
};

export const tlsSecretInUseSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    mode: modeSchema(VALIDATING_MODES, 'enforce'),
  },
} as const;
