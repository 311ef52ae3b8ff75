// `certguard audit`: judges what exists — a folder of objects (`kubectl get ... -A -o yaml`
// output) or the live cluster — with the webhook's policies and messages, each object as if it
// were created now, plus what only time breaks (src/audit/). Exit 1 when anything fails.
import { inNamespace, isAboutNamespace, runAudit, sourceOf, type AuditInput } from '../audit/audit.ts';
import { buildAuditPolicies } from '../compose.ts';
import { formatReports, formatTable } from '../audit/format.ts';
import { hasFailure } from '../audit/findings.ts';
import { createAuditClient, liveSource } from '../audit/live-source.ts';
import { ReportWriter } from '../audit/report-writer.ts';
import { createLiveView } from '../cluster/live/live-view.ts';
import { ManifestView, readManifests } from '../cluster/manifest-view.ts';
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { createLogger } from '../server/logger.ts';
import { EXIT, exitCodeOf, HELP_FLAG, helpText, parseFlags, UsageError, type FlagSpec } from './args.ts';
import { OUTPUT_FLAG, outputFormatOf, render, type ReportFormat } from './output.ts';
import { serviceScope } from './serve.ts';

const warn = (message: string) => process.stderr.write(`certguard audit: ${message}\n`);

const FLAGS: Record<string, FlagSpec> = {
  manifests: { type: 'string', multiple: true, description: 'file or folder of the objects to audit (repeatable), instead of the live cluster' },
  kubeconfig: { type: 'string', env: 'KUBECONFIG', description: 'kubeconfig of the live cluster (in-cluster service account when absent)' },
  context: { type: 'string', description: 'kubeconfig context to use instead of its current-context' },
  namespace: { type: 'string', short: 'n', description: 'audit this namespace only: its objects and the findings about it (cluster-wide ones left out)' },
  config: { type: 'string', env: 'CERTGUARD_CONFIG', description: 'policy configuration (YAML), as the webhook uses (audit: settings included)' },
  'write-reports': {
    type: 'boolean',
    description:
      'live cluster only: also write the findings as reports, OpenReports and/or wgpolicyk8s.io PolicyReports as the cluster serves them (audit.reportFormat; needs create/update on them)',
  },
  output: OUTPUT_FLAG,
  help: HELP_FLAG,
};

// The live view lists everything before it is ready; a large cluster takes a while, a dead one never.
const LIVE_READY_TIMEOUT_MS = 120_000;
const READY_POLL_MS = 200;

/** All of it, or one namespace's part: the rules still see the whole view, the output only that namespace. */
const scoped = async (input: AuditInput, namespace: string | undefined) => {
  if (namespace === undefined) return runAudit(input);
  const { objects, findings } = await runAudit({ ...input, source: inNamespace(input.source, namespace) });
  return { objects, findings: findings.filter((finding) => isAboutNamespace(finding, namespace)) };
};

const fromManifests = async (paths: string[], config: Config): Promise<AuditInput> => {
  const objects = await readManifests(paths);
  const logger = createLogger('silent');
  return { source: sourceOf(objects), view: new ManifestView(objects), config, policies: buildAuditPolicies(config, { logger }), now: new Date() };
};

type LiveTarget = { kubeconfig?: string; context?: string; namespace?: string };

const auditLive = async ({ kubeconfig, context, namespace }: LiveTarget, config: Config, writeReports: boolean) => {
  const logger = createLogger(writeReports ? 'warn' : 'silent');
  // The same resources as serve watches (and the chart grants): Services only when configured.
  const view = createLiveView({ kubeconfig, context, staleAfterSeconds: config.cluster.staleAfterSeconds, logger, ...serviceScope(config) });
  const client = createAuditClient(kubeconfig, context);
  try {
    await view.start();
    const deadline = Date.now() + LIVE_READY_TIMEOUT_MS;
    while (!view.status().ready) {
      if (Date.now() > deadline) throw new Error(`cluster view not ready after ${LIVE_READY_TIMEOUT_MS / 1000} s: ${view.status().notReady.join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
    }
    const input: AuditInput = { source: liveSource(view, client), view, config, policies: buildAuditPolicies(config, { logger }), now: new Date() };
    const { objects, findings } = await scoped(input, namespace);
    if (writeReports) await new ReportWriter(client, logger, { formats: config.audit.reportFormat }).write(findings, input.now);
    return { judged: objects, findings };
  } finally {
    client.close();
    await view.stop();
  }
};

export const run = async (args: string[]): Promise<number> => {
  try {
    const { values, positionals } = parseFlags(args, FLAGS);
    if (values.help) {
      process.stdout.write(`${helpText('audit', 'Judge what exists, as the webhook would judge it now (exit 1 when anything fails).', FLAGS)}\n`);
      return 0;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}": give folders with --manifests`);
    const format = outputFormatOf(values.output, warn);
    const config = await loadConfig(values.config as string | undefined, warn);
    const manifests = values.manifests as string[] | undefined;
    let output;
    const writeReports = values['write-reports'] === true;
    const namespace = values.namespace as string | undefined;
    if (manifests && writeReports) throw new UsageError('--write-reports writes to the live cluster: it cannot be combined with --manifests');
    if (namespace !== undefined && writeReports)
      throw new UsageError("--write-reports rewrites every namespace's report: it cannot be combined with --namespace");
    if (manifests) {
      const { objects, findings } = await scoped(await fromManifests(manifests, config), namespace);
      output = { judged: objects, findings };
    } else {
      const target = { kubeconfig: values.kubeconfig as string | undefined, context: values.context as string | undefined, namespace };
      output = await auditLive(target, config, writeReports);
    }
    const reports = (reportFormat: ReportFormat) => formatReports(output.findings, reportFormat, 'background scan');
    process.stdout.write(render(output, format, formatTable, reports));
    return hasFailure(output.findings) ? EXIT.findings : EXIT.ok;
  } catch (error) {
    process.stderr.write(`certguard audit: ${(error as Error).message}\n`);
    return exitCodeOf(error);
  }
};
