// The composition root (cert-manager buildAdmissionChain): the one place that builds the
// policies from the config and hands them their dependencies.
import type { Logger } from 'pino';
import type { Config } from './config/schema.ts';
import { createAcmeSolverCapPolicy } from './policies/acme-solver-cap/policy.ts';
import { createGatewayListenerTlsPolicy } from './policies/gateway-listener-tls/policy.ts';
import type { Policy } from './policies/types.ts';

export type PolicyDependencies = { logger: Logger };

export const buildPolicies = (config: Config, _deps: PolicyDependencies): Policy[] => [
  createGatewayListenerTlsPolicy(config.policies['gateway-listener-tls']),
  createAcmeSolverCapPolicy(config.policies['acme-solver-cap']),
];
