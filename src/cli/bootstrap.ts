// `certguard bootstrap`: in-cluster, create or renew certguard's CA and serving Secret and publish
// the CA bundle into its webhook configurations. Run by the Helm chart as a pre/post-install and
// pre/post-upgrade hook Job and by a CronJob (the renewal path). Idempotent: a run with nothing to
// do changes nothing. Design and rotation order: src/certs/bootstrap.ts, charts/certguard/README.md.
import { isIP } from 'node:net';
import type { BootstrapSettings } from '../certs/bootstrap.ts';
import { describeApiError, kubeBootstrapCluster, loadKubeConfig } from '../certs/bootstrap-kube.ts';
import { runBootstrap, type BootstrapCluster, type BootstrapOptions, type BootstrapReport, type WebhookKind } from '../certs/bootstrap-run.ts';
import { daysFlag, daysOf, exitCodeOf, HELP_FLAG, helpText, legacyDaysFlag, parseFlags, UsageError, type FlagSpec } from './args.ts';
import { serviceDnsNames } from './certs.ts';

const FLAGS: Record<string, FlagSpec> = {
  namespace: { type: 'string', short: 'n', env: 'POD_NAMESPACE', description: 'namespace of the Secrets and the Service (required)' },
  service: { type: 'string', description: 'Service the API server calls; its in-cluster names become the SANs (required)' },
  'ca-secret': { type: 'string', description: 'Secret holding the CA (tls.crt, tls.key) and the trusted bundle (ca.crt) (required)' },
  'tls-secret': { type: 'string', description: 'Secret holding the serving certificate the Deployment mounts (required)' },
  'validating-webhook-configuration': { type: 'string', multiple: true, description: 'ValidatingWebhookConfiguration to patch caBundle into (repeatable)' },
  'mutating-webhook-configuration': { type: 'string', multiple: true, description: 'MutatingWebhookConfiguration to patch caBundle into (repeatable)' },
  dns: { type: 'string', multiple: true, description: 'extra DNS SAN (repeatable)' },
  ip: { type: 'string', multiple: true, description: 'extra IP SAN (repeatable)' },
  label: { type: 'string', multiple: true, description: 'label key=value put on the Secrets (repeatable)' },
  'ca-validity': daysFlag('CA validity', '1825d'),
  'ca-validity-days': legacyDaysFlag('ca-validity'),
  'ca-renew-before': daysFlag('replace the CA when less than this is left', '365d'),
  'ca-renew-before-days': legacyDaysFlag('ca-renew-before'),
  validity: daysFlag('serving certificate validity', '365d'),
  'validity-days': legacyDaysFlag('validity'),
  'renew-before': daysFlag('renew the serving certificate when less than this is left', '60d'),
  'renew-before-days': legacyDaysFlag('renew-before'),
  kubeconfig: { type: 'string', env: 'KUBECONFIG', description: 'kubeconfig (in-cluster service account when absent)' },
  context: { type: 'string', description: 'kubeconfig context to use instead of its current-context' },
  'dry-run': { type: 'boolean', description: 'decide and report, change nothing' },
  help: HELP_FLAG,
};

const required = (values: Record<string, unknown>, flag: string): string => {
  const value = values[flag];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${flag} is required`);
  return value;
};

const labelsOf = (pairs: string[]): Record<string, string> =>
  Object.fromEntries(
    pairs.map((pair) => {
      const at = pair.indexOf('=');
      if (at < 1) throw new UsageError(`--label "${pair}" must be key=value`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );

const list = (value: unknown): string[] => (Array.isArray(value) ? (value as string[]) : []);

export type BootstrapRequest = { namespace: string; kubeconfig?: string; context?: string; options: BootstrapOptions };

export const parseBootstrapArgs = (args: string[], env: NodeJS.ProcessEnv = process.env): BootstrapRequest | 'help' => {
  const { values } = parseFlags(args, FLAGS, env);
  if (values.help) return 'help';
  const namespace = required(values, 'namespace');
  const service = required(values, 'service');
  const ipAddresses = list(values.ip);
  const badIp = ipAddresses.find((ip) => !isIP(ip));
  if (badIp !== undefined) throw new UsageError(`--ip "${badIp}" is not an IP address`);
  const settings: BootstrapSettings = {
    caValidityDays: daysOf(values, 'ca-validity', '1825d'),
    caRenewBeforeDays: daysOf(values, 'ca-renew-before', '365d'),
    validityDays: daysOf(values, 'validity', '365d'),
    renewBeforeDays: daysOf(values, 'renew-before', '60d'),
    dnsNames: serviceDnsNames(service, namespace, list(values.dns)),
    ipAddresses,
  };
  const webhookConfigurations = [
    ...list(values['validating-webhook-configuration']).map((name) => ({ kind: 'validating' as WebhookKind, name })),
    ...list(values['mutating-webhook-configuration']).map((name) => ({ kind: 'mutating' as WebhookKind, name })),
  ];
  return {
    namespace,
    kubeconfig: typeof values.kubeconfig === 'string' && values.kubeconfig !== '' ? values.kubeconfig : undefined,
    context: typeof values.context === 'string' && values.context !== '' ? values.context : undefined,
    options: {
      caSecret: required(values, 'ca-secret'),
      tlsSecret: required(values, 'tls-secret'),
      webhookConfigurations,
      caCommonName: service,
      servingCommonName: `${service}.${namespace}.svc`,
      labels: { 'app.kubernetes.io/managed-by': 'certguard-bootstrap', ...labelsOf(list(values.label)) },
      settings,
      dryRun: values['dry-run'] === true,
    },
  };
};

export const formatReport = (report: BootstrapReport, request: BootstrapRequest): string[] => {
  const { caSecret, tlsSecret, dryRun } = request.options;
  const prefix = dryRun ? 'bootstrap (dry run):' : 'bootstrap:';
  const verb = (action: string) => (action === 'issue' ? (dryRun ? 'would issue' : 'issued') : action === 'wait' ? 'kept for now' : 'kept');
  const why = (decision: { action: string; detail: string }) => `${verb(decision.action)}: ${decision.detail}`;
  return [
    `${prefix} CA Secret ${request.namespace}/${caSecret} ${why(report.ca)}`,
    ...report.missing.map(
      (name) => `${prefix} ${name} does not exist (the chart creates it only for the modes that need it); a run after it is created sets its caBundle`,
    ),
    ...report.patched.map((name) => `${prefix} caBundle ${dryRun ? 'would be ' : ''}published to ${name}`),
    `${prefix} serving Secret ${request.namespace}/${tlsSecret} ${why(report.serving)}`,
  ];
};

/** Runs with an injected cluster (tests) or the real API (default). */
export const bootstrap = async (request: BootstrapRequest, cluster?: BootstrapCluster): Promise<BootstrapReport> =>
  runBootstrap(cluster ?? kubeBootstrapCluster(loadKubeConfig(request.kubeconfig, request.context), request.namespace), request.options);

export const run = async (args: string[]): Promise<number> => {
  try {
    const request = parseBootstrapArgs(args);
    if (request === 'help') {
      process.stdout.write(
        `${helpText('bootstrap', 'Create or renew the CA and serving Secrets; publish the CA bundle into the webhook configurations.', FLAGS)}\n`,
      );
      return 0;
    }
    const report = await bootstrap(request);
    process.stdout.write(`${formatReport(report, request).join('\n')}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`certguard bootstrap: ${describeApiError(error)}\n`);
    return exitCodeOf(error);
  }
};
