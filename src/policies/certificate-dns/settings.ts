import { modeSchema, VALIDATING_MODES } from '../settings.ts';

export const CERTIFICATE_DNS = 'certificate-dns';

export type CertificateDnsSettings = {
  mode: 'enforce' | 'warn' | 'off';
};

export const certificateDnsSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    mode: modeSchema(VALIDATING_MODES, 'enforce'),
  },
} as const;
