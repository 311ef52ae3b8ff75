// `certguard check`: the offline pre-flight for GitOps pipelines. It judges a bundle of
// manifests with the same policies and messages as the webhook, against a folder of cluster
// objects (e.g. `kubectl get secrets,referencegrants,... -A -o yaml`) — no cluster needed.
// The bundle is assumed to be applied together, the way Argo CD and Flux sync a folder: each
// object is judged against the cluster objects plus every OTHER object of the bundle.
import { formatReports } from '../audit/format.ts';
import { refOf, RULE_ADMISSION, type Finding } from '../audit/findings.ts';
import { judge, nameOf, requestFor } from '../admission/judge.ts';
import type { KubeObject } from '../kube/object.ts';
import { ManifestView, readManifests } from '../cluster/manifest-view.ts';
import { buildPolicies } from '../compose.ts';
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { createLogger } from '../server/logger.ts';
import { EXIT, exitCodeOf, HELP_FLAG, helpText, parseFlags, UsageError, type FlagSpec } from './args.ts';
import { OUTPUT_FLAG, outputFormatOf, render, type ReportFormat } from './output.ts';

const FLAGS: Record<string, FlagSpec> = {
  filename: { type: 'string', multiple: true, short: 'f', description: 'manifest file or folder to judge (repeatable; like kubectl -f)' },
  manifests: { type: 'string', multiple: true, description: 'file or folder of objects already in the cluster (repeatable), as audit and serve read them' },
  cluster: { type: 'string', multiple: true, description: 'deprecated spelling of --manifests' },
  config: { type: 'string', env: 'CERTGUARD_CONFIG', description: 'policy configuration (YAML), as the webhook uses' },
  output: OUTPUT_FLAG,
  help: HELP_FLAG,
};

// Other tests build their requests the way check does.
export { requestFor } from '../admission/judge.ts';

export type CheckVerdict = { object: string; allowed: boolean; violations: string[]; warnings: string[] };

type Judged = { verdict: CheckVerdict; findings: Finding[] };

/** Each object of the bundle judged, with its verdict per policy as findings (for -o openreport/policyreport). */
const judgeBundle = async (bundle: KubeObject[], cluster: KubeObject[], configOrPath?: string | Config): Promise<Judged[]> => {
  const config = typeof configOrPath === 'object' ? configOrPath : await loadConfig(configOrPath, warn);
  const policies = buildPolicies(config, { logger: createLogger('silent') });
  const judged: Judged[] = [];
  for (const [index, object] of bundle.entries()) {
    const others = bundle.filter((_, at) => at !== index);
    const request = requestFor(object, cluster, index);
    const { allowed, violations, warnings, byPolicy } = await judge(request, policies, new ManifestView([...cluster, ...others]));
    const ref = refOf(request.object ?? object);
    const findings = byPolicy.flatMap(({ policy, violations: failed, warnings: warned, breakGlass }) => [
      ...failed.map((message) => ({ policy, rule: RULE_ADMISSION, result: 'fail' as const, object: ref, message })),
      ...[...warned, ...breakGlass].map((message) => ({ policy, rule: RULE_ADMISSION, result: 'warn' as const, object: ref, message })),
    ]);
    judged.push({ verdict: { object: nameOf(object), allowed, violations, warnings }, findings });
  }
  return judged;
};

/** `config`: a config file's path (as --config), or an already parsed config (tests). */
export const checkBundle = async (bundle: KubeObject[], cluster: KubeObject[], configOrPath?: string | Config): Promise<CheckVerdict[]> =>
  (await judgeBundle(bundle, cluster, configOrPath)).map((judged) => judged.verdict);

const formatTable = (verdicts: CheckVerdict[]): string => {
  const lines: string[] = [];
  for (const verdict of verdicts) {
    if (verdict.allowed && verdict.warnings.length === 0) continue;
    lines.push(`${verdict.allowed ? 'warning' : 'denied '} ${verdict.object}`);
    for (const message of [...verdict.violations, ...verdict.warnings]) lines.push(`  - ${message}`);
  }
  const denied = verdicts.filter((verdict) => !verdict.allowed).length;
  const warned = verdicts.filter((verdict) => verdict.allowed && verdict.warnings.length > 0).length;
  lines.push(`${verdicts.length} objects checked: ${denied} denied, ${warned} with warnings`);
  return `${lines.join('\n')}\n`;
};

const warn = (message: string) => process.stderr.write(`certguard check: ${message}\n`);

/** --manifests, plus the folders given with the old --cluster (which kubectl users read as "the live cluster"). */
const clusterStateOf = (values: Record<string, unknown>): string[] => {
  const old = (values.cluster as string[] | undefined) ?? [];
  if (old.length > 0) warn('--cluster is deprecated: use --manifests (the same files or folders of cluster objects)');
  return [...((values.manifests as string[] | undefined) ?? []), ...old];
};

export const run = async (args: string[]): Promise<number> => {
  try {
    const { values, positionals } = parseFlags(args, FLAGS);
    if (values.help) {
      process.stdout.write(`${helpText('check', 'Judge manifests offline, as the webhook would (exit 1 when any is denied).', FLAGS)}\n`);
      return 0;
    }
    const files = [...((values.filename as string[] | undefined) ?? []), ...positionals];
    if (files.length === 0) throw new UsageError('give the manifests to check with --filename (or as arguments)');
    const format = outputFormatOf(values.output, warn);
    const judged = await judgeBundle(await readManifests(files), await readManifests(clusterStateOf(values)), values.config as string | undefined);
    const verdicts = judged.map((entry) => entry.verdict);
    // A pre-flight of admission: Kyverno's process "admission review".
    const reports = (reportFormat: ReportFormat) =>
      formatReports(
        judged.flatMap((entry) => entry.findings),
        reportFormat,
        'admission review',
      );
    process.stdout.write(render(verdicts, format, formatTable, reports));
    return verdicts.some((verdict) => !verdict.allowed) ? EXIT.findings : EXIT.ok;
  } catch (error) {
    process.stderr.write(`certguard check: ${(error as Error).message}\n`);
    return exitCodeOf(error);
  }
};
