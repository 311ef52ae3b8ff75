// The composition root (cert-manager buildAdmissionChain): the one place that builds the
// policies from the config and hands them their dependencies.
import type { Logger } from 'pino';
import { budgetedResolver } from './audit/dns-budget.ts';
import type { Config } from './config/schema.ts';
import { createNameResolver, type NameResolver } from './dns/resolver.ts';
import { ANNOTATION_ALONE, type AccessCheck, type BreakGlassGate } from './policies/break-glass.ts';
import type { AdmittedSolvers } from './policies/acme-solver-cap/admitted.ts';
import { createAcmeSolverCapPolicy } from './policies/acme-solver-cap/policy.ts';
import { createCertificateDnsPolicy } from './policies/certificate-dns/policy.ts';
import { resolverOptionsFrom } from './policies/certificate-dns/settings.ts';
import { createCertificateIssuablePolicy } from './policies/certificate-issuable/policy.ts';
import { createGatewayListenerTlsPolicy } from './policies/gateway-listener-tls/policy.ts';
import { createTlsSecretInUsePolicy } from './policies/tls-secret-in-use/policy.ts';
import type { InUseDeletionReason } from './policies/tls-secret-in-use/system-users.ts';
import type { Policy } from './policies/types.ts';

export type PolicyDependencies = {
  logger: Logger;
  /** DNS for certificate-dns; built from its settings (resolvers, timeouts, cache) when absent. */
  resolver?: NameResolver;
  /** Metrics hook: an in-use TLS Secret's deletion was let through (certguard_in_use_deletions_total). */
  recordInUseDeletion?: (reason: InUseDeletionReason) => void;
  /**
   * Asks the API server whether a requester may use a policy's break glass (a SubjectAccessReview).
   * Absent (the offline check and audit, serve --manifests): there is no requester to ask about,
   * and the annotation alone counts.
   */
  isBreakGlassAllowed?: AccessCheck;
  /**
   * The serving replica's solver creates admitted but not yet in its cache (acme-solver-cap).
   * Absent (check, audit, explain): no create follows their verdicts, the cache alone counts.
   */
  admittedSolvers?: AdmittedSolvers;
};

const breakGlassGate = (config: Config, isAllowed: AccessCheck | undefined): BreakGlassGate =>
  config.breakGlass.authorization === 'rbac' && isAllowed ? { mode: 'rbac', clusterRole: config.breakGlass.clusterRole, isAllowed } : ANNOTATION_ALONE;

/** certificate-dns's resolver, from its settings (resolvers, timeouts, cache). */
export const buildResolver = (config: Config): NameResolver => createNameResolver(resolverOptionsFrom(config.policies['certificate-dns']));

export const buildPolicies = (config: Config, deps: PolicyDependencies): Policy[] => {
  const dns = config.policies['certificate-dns'];
  // Built once: it holds the answer cache that makes a burst of Certificates cost one lookup per name.
  const resolver = deps.resolver ?? buildResolver(config);
  const breakGlass = breakGlassGate(config, deps.isBreakGlassAllowed);
  return [
    createGatewayListenerTlsPolicy(config.policies['gateway-listener-tls']),
    createCertificateDnsPolicy(dns, { resolver, breakGlass }),
    createAcmeSolverCapPolicy(config.policies['acme-solver-cap'], { admitted: deps.admittedSolvers }),
    createTlsSecretInUsePolicy(config.policies['tls-secret-in-use'], {
      recordAllowedDeletion: deps.recordInUseDeletion,
      breakGlass,
      // A CA bundle of a kind the controller does not read is already broken: not protected.
      caCertificateRefKinds: config.policies['gateway-listener-tls'].caCertificateRefKinds,
    }),
    createCertificateIssuablePolicy(config.policies['certificate-issuable'], { breakGlass }),
  ];
};

/**
 * The policies as the audit runs them. Placeholder mode becomes enforce: a missing Secret is a
 * finding (an audit creates nothing, and "would create" is not a verdict). The audit's DNS lookups
 * stay within audit.dnsLookupsPerSecond; serve hands in the webhook's resolver, so cached answers
 * are shared both ways and admission lookups never wait on this budget.
 */
export const buildAuditPolicies = (config: Config, deps: PolicyDependencies): Policy[] => {
  const shared = deps.resolver ?? buildResolver(config);
  const resolver = budgetedResolver(shared, config.audit.dnsLookupsPerSecond);
  const policies = Object.fromEntries(
    Object.entries(config.policies).map(([id, settings]) => [id, settings.mode === 'placeholder' ? { ...settings, mode: 'enforce' } : settings]),
  );
  return buildPolicies({ ...config, policies: policies as Config['policies'] }, { ...deps, resolver });
};
