import { modeSchema } from '../settings.ts';

export const GATEWAY_LISTENER_TLS = 'gateway-listener-tls';

export type GatewayListenerTlsSettings = {
  mode: 'enforce' | 'warn' | 'off' | 'placeholder';
};

export const gatewayListenerTlsSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    mode: modeSchema(['enforce', 'warn', 'off', 'placeholder'], 'enforce'),
  },
} as const;
