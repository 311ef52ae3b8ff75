// `certguard serve`: the only place that listens, loads TLS and handles shutdown.
import { stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:https';
import type { Logger, LevelWithSilent } from 'pino';
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { buildAuditPolicies, buildPolicies, buildResolver } from '../compose.ts';
import { buildMetrics } from '../compose-metrics.ts';
import { createLiveView, type LiveViewOptions } from '../cluster/live/live-view.ts';
import { loadManifestView } from '../cluster/manifest-view.ts';
import { WATCHED_RESOURCE_IDS } from '../cluster/resources.ts';
import type { ViewStats } from '../metrics/metrics.ts';
import type { StatefulView } from '../cluster/view.ts';
import type { SecretWriter } from '../cluster/writer.ts';
import { startServeAudit } from '../audit/in-serve.ts';
import { createAdmittedSolvers } from '../policies/acme-solver-cap/admitted.ts';
import { buildApp } from '../server/app.ts';
import { compileShapes } from '../kube/shape.ts';
import { createBreakGlassRecorder } from '../server/break-glass-record.ts';
import { createAccessReviewer } from '../cluster/live/access-review.ts';
import { KubeClient } from '../cluster/live/kube-client.ts';
import { loadCredentials } from '../cluster/live/kubeconfig.ts';
import { DEFAULT_REVIEW_DEADLINE_MS } from '../server/limits.ts';
import { CertWatcher, tlsOptions } from '../server/cert-watcher.ts';
import { createLogger, LOG_LEVELS } from '../server/logger.ts';
import { buildProbeApp, type Readiness } from '../server/probe-app.ts';
import { exitCodeOf, HELP_FLAG, helpText, parseFlags, portOf, UsageError, type FlagSpec } from './args.ts';

export const SERVE_FLAGS: Record<string, FlagSpec> = {
  port: { type: 'string', env: 'CERTGUARD_PORT', default: '8443', description: 'admission HTTPS port' },
  'metrics-port': { type: 'string', env: 'CERTGUARD_METRICS_PORT', default: '8080', description: 'plain-HTTP port for /healthz, /readyz, /metrics' },
  'bind-address': { type: 'string', env: 'CERTGUARD_BIND_ADDRESS', default: '0.0.0.0', description: 'address both ports listen on' },
  'tls-cert': { type: 'string', env: 'CERTGUARD_TLS_CERT', default: 'certs/tls.crt', description: 'serving certificate (PEM), reloaded when it changes' },
  'tls-key': { type: 'string', env: 'CERTGUARD_TLS_KEY', default: 'certs/tls.key', description: 'serving key (PEM), reloaded when it changes' },
  config: { type: 'string', env: 'CERTGUARD_CONFIG', description: 'policy configuration (YAML)' },
  kubeconfig: { type: 'string', env: 'KUBECONFIG', description: 'kubeconfig for the live cluster view (in-cluster service account when absent)' },
  context: { type: 'string', description: 'kubeconfig context to use instead of its current-context' },
  'secret-namespaces': {
    type: 'string',
    env: 'CERTGUARD_SECRET_NAMESPACES',
    description: "comma-separated namespaces: watch Secrets only there (namespaced RBAC, the chart's rbac.namespaces); default all",
  },
  manifests: { type: 'string', env: 'CERTGUARD_MANIFESTS', description: 'serve from a folder of YAML/JSON objects instead of a live cluster' },
  'request-timeout': {
    type: 'string',
    env: 'CERTGUARD_REQUEST_TIMEOUT',
    default: '4s',
    description: "one deadline per review (e.g. 4s, 3500ms): set it below the webhook's timeoutSeconds, the API server stops waiting then",
  },
  audit: {
    type: 'boolean',
    description: 'audit the cluster every audit.interval on the replica holding the Lease (PolicyReports, Events, metrics); needs a live cluster',
  },
  'audit-namespace': { type: 'string', env: 'POD_NAMESPACE', description: "certguard's namespace: where the audit Lease lives (with --audit)" },
  'audit-identity': { type: 'string', env: 'POD_NAME', description: "this replica's name in the audit Lease (default: the host name)" },
  'log-level': { type: 'string', env: 'CERTGUARD_LOG_LEVEL', default: 'info', description: `one of ${LOG_LEVELS.join(', ')}` },
  help: HELP_FLAG,
};

export type ServeOptions = {
  port: number;
  metricsPort: number;
  bindAddress: string;
  certPath: string;
  keyPath: string;
  config: Config;
  kubeconfig?: string;
  /** The kubeconfig context (--context); absent: its current-context. */
  context?: string;
  /** Watch Secrets only in these namespaces (absent: cluster-wide). */
  secretNamespaces?: string[];
  manifests?: string;
  logger: Logger;
  /** One deadline per review (--request-timeout); absent: DEFAULT_REVIEW_DEADLINE_MS. */
  requestTimeoutMs?: number;
  /** How often the certificate files are re-read besides the directory watch (tests shorten it). */
  certPollIntervalMs?: number;
  /** The periodic audit: off unless given (--audit). */
  audit?: { namespace: string; identity?: string };
};

type ViewAndWriter = { view: StatefulView & Partial<ViewStats>; writer: SecretWriter };

/**
 * Services are read only for certificate-dns's configured ingress Services: none configured, none
 * watched; all in one namespace, only that namespace; otherwise cluster-wide. The chart's RBAC
 * follows the same rule.
 */
export const serviceScope = (config: Config): Pick<LiveViewOptions, 'resources' | 'namespaces'> => {
  const namespaces = new Set(config.policies['certificate-dns'].ingress.services.map((service) => service.namespace));
  if (namespaces.size === 0) return { resources: WATCHED_RESOURCE_IDS.filter((id) => id !== 'services') };
  const [only] = namespaces;
  return namespaces.size === 1 && only ? { namespaces: { services: [only] } } : {};
};

const watchScope = (options: ServeOptions): Pick<LiveViewOptions, 'resources' | 'namespaces'> => {
  const services = serviceScope(options.config);
  if (!options.secretNamespaces) return services;
  return { ...services, namespaces: { ...services.namespaces, secrets: options.secretNamespaces } };
};

const openView = async (options: ServeOptions): Promise<ViewAndWriter> => {
  if (options.manifests) {
    const view = await loadManifestView([options.manifests]);
    options.logger.info({ manifests: options.manifests }, 'cluster view: manifests (no live cluster)');
    return { view, writer: view };
  }
  const view = createLiveView({
    kubeconfig: options.kubeconfig,
    context: options.context,
    staleAfterSeconds: options.config.cluster.staleAfterSeconds,
    logger: options.logger,
    ...watchScope(options),
  });
  options.logger.info(view.target, 'cluster view: live');
  // resourceStats() names resources by id (string-typed in the live view).
  return { view: view as typeof view & Partial<ViewStats>, writer: view };
};

export type RunningServer = { close: () => Promise<void>; ports: { admission: number; metrics: number } };

/** Starts everything; resolves once both ports listen (not once ready: readiness can come later). */
export const startServer = async (options: ServeOptions): Promise<RunningServer> => {
  const { logger } = options;
  const { view, writer } = await openView(options);
  // One resolver, so the audit's DNS lookups share the admission answer cache.
  const resolver = buildResolver(options.config);
  const metrics = buildMetrics(view);
  // Break glass asks and reports through a client of its own (SubjectAccessReviews, Events); none over manifests.
  const client = options.manifests ? undefined : new KubeClient(loadCredentials(options.kubeconfig));
  const isBreakGlassAllowed = client ? createAccessReviewer(client) : undefined;
  // One ledger per process: what this replica admitted is what its own cache lags behind on.
  const admittedSolvers = createAdmittedSolvers();
  const policies = buildPolicies(options.config, {
    logger,
    resolver,
    recordInUseDeletion: metrics.recordInUseDeletion,
    admittedSolvers,
    ...(isBreakGlassAllowed ? { isBreakGlassAllowed } : {}),
  });
  const recordBreakGlass = createBreakGlassRecorder({ ...(client ? { client } : {}), count: metrics.recordBreakGlass });
  const app = buildApp({
    policies,
    view,
    writer,
    logger,
    recordDecision: metrics.recordDecision,
    recordBreakGlass,
    reviewDeadlineMs: options.requestTimeoutMs,
    https: { minVersion: 'TLSv1.2' },
  });
  const certs = new CertWatcher({
    certPath: options.certPath,
    keyPath: options.keyPath,
    logger,
    pollIntervalMs: options.certPollIntervalMs,
    onChange: (pair) => (app.server as Server).setSecureContext(tlsOptions(pair)),
  });
  const readiness = (): Readiness => {
    const status = view.status();
    const notReady = [...(certs.current ? [] : [`serving certificate: cannot load ${options.certPath} / ${options.keyPath}`]), ...status.notReady];
    return { ready: notReady.length === 0, notReady };
  };
  const probes = buildProbeApp({ logger, readiness, metrics });
  const audit = options.audit
    ? startServeAudit({
        view,
        policies: buildAuditPolicies(options.config, { logger: logger.child({ component: 'audit' }), resolver }),
        config: options.config,
        kubeconfig: options.kubeconfig,
        context: options.context,
        namespace: options.audit.namespace,
        identity: options.audit.identity,
        registry: metrics.registry,
        logger,
      })
    : undefined;
  // The kinds' shape schemas compile lazily (a CLI judges one kind); a webhook compiles all before it listens.
  compileShapes();
  await certs.start();
  view.start().catch((error: unknown) => logger.error({ err: { message: (error as Error).message } }, 'cluster view stopped'));
  await app.listen({ port: options.port, host: options.bindAddress });
  await probes.listen({ port: options.metricsPort, host: options.bindAddress });
  const ports = { admission: (app.server.address() as AddressInfo).port, metrics: (probes.server.address() as AddressInfo).port };
  logger.info(
    { ...ports, requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REVIEW_DEADLINE_MS, policies: policies.map((policy) => `${policy.id}=${policy.mode}`) },
    'certguard listening',
  );
  return {
    ports,
    close: async () => {
      certs.stop();
      await audit?.stop();
      await Promise.allSettled([app.close(), probes.close()]);
      await view.stop();
      client?.close();
    },
  };
};

// A namespace name is a DNS label (RFC 1123).
const NAMESPACE_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** "apps,web" → ["apps", "web"]; absent → undefined (cluster-wide). */
export const secretNamespacesOf = (value: unknown): string[] | undefined => {
  if (value === undefined) return undefined;
  const namespaces = [
    ...new Set(
      String(value)
        .split(',')
        .map((entry) => entry.trim()),
    ),
  ];
  const bad = namespaces.find((namespace) => !NAMESPACE_NAME.test(namespace));
  if (bad !== undefined) throw new UsageError(`--secret-namespaces must be comma-separated namespace names, got "${bad}" in "${String(value)}"`);
  return namespaces;
};

// The API server's webhook timeoutSeconds is 1-30: a deadline past 30 s is never waited for.
const MAX_REQUEST_TIMEOUT_MS = 30_000;

/** "4s", "3.5s", "3500ms" or a bare number of seconds. */
export const durationMsOf = (value: unknown, flag: string): number => {
  const match = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(String(value).trim());
  const ms = match ? Number(match[1]) * (match[2] === 'ms' ? 1 : 1000) : Number.NaN;
  if (!(ms > 0 && ms <= MAX_REQUEST_TIMEOUT_MS))
    throw new UsageError(`--${flag} must be a duration between 1ms and 30s (e.g. 4s, 3500ms), got "${String(value)}"`);
  return Math.round(ms);
};

/** --audit needs a live cluster and the namespace for its Lease. */
const auditOptionsOf = (values: Record<string, unknown>, manifests: string | undefined): ServeOptions['audit'] => {
  if (values.audit !== true) return undefined;
  if (manifests) throw new UsageError('--audit needs a live cluster: it cannot be combined with --manifests');
  const namespace = values['audit-namespace'];
  if (typeof namespace !== 'string' || !NAMESPACE_NAME.test(namespace))
    throw new UsageError(`--audit needs --audit-namespace (env POD_NAMESPACE), certguard's namespace for the Lease, got "${String(namespace ?? '')}"`);
  const identity = values['audit-identity'];
  return { namespace, ...(typeof identity === 'string' && identity !== '' ? { identity } : {}) };
};

const exists = async (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  );

export const serveOptionsFrom = async (args: string[]): Promise<ServeOptions | 'help'> => {
  const { values } = parseFlags(args, SERVE_FLAGS);
  if (values.help) return 'help';
  const level = String(values['log-level']);
  if (!(LOG_LEVELS as readonly string[]).includes(level)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${level}"`);
  const manifests = values.manifests as string | undefined;
  if (manifests && !(await exists(manifests))) throw new UsageError(`--manifests ${manifests} does not exist`);
  const audit = auditOptionsOf(values, manifests);
  const logger = createLogger(level as LevelWithSilent);
  return {
    port: portOf(values.port, 'port'),
    metricsPort: portOf(values['metrics-port'], 'metrics-port'),
    bindAddress: String(values['bind-address']),
    certPath: String(values['tls-cert']),
    keyPath: String(values['tls-key']),
    config: await loadConfig(values.config as string | undefined, (message) => logger.warn(message)),
    kubeconfig: values.kubeconfig as string | undefined,
    context: values.context as string | undefined,
    secretNamespaces: secretNamespacesOf(values['secret-namespaces']),
    manifests,
    requestTimeoutMs: durationMsOf(values['request-timeout'], 'request-timeout'),
    logger,
    ...(audit ? { audit } : {}),
  };
};

/** Runs until SIGTERM/SIGINT, then stops accepting, finishes in-flight reviews and exits. */
export const serveUntilSignal = async (options: ServeOptions): Promise<number> => {
  const server = await startServer(options);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      options.logger.info({ signal }, 'shutting down');
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await server.close();
  return 0;
};

export const run = async (args: string[]): Promise<number> => {
  try {
    const options = await serveOptionsFrom(args);
    if (options === 'help') {
      process.stdout.write(`${helpText('serve', 'Run the admission webhook.', SERVE_FLAGS)}\n`);
      return 0;
    }
    return await serveUntilSignal(options);
  } catch (error) {
    process.stderr.write(`certguard serve: ${(error as Error).message}\n`);
    return exitCodeOf(error);
  }
};
