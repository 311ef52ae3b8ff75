// `certguard check`: the offline pre-flight for GitOps pipelines. It judges a bundle of
// manifests with the same policies and messages as the webhook, against a folder of cluster
// objects (e.g. `kubectl get secrets,referencegrants,... -A -o yaml`) — no cluster needed.
// The bundle is assumed to be applied together, the way Argo CD and Flux sync a folder: each
// object is judged against the cluster objects plus every OTHER object of the bundle.
import { judge, nameOf, requestFor } from '../audit/judge.ts';
import type { KubeObject } from '../kube/object.ts';
import { ManifestView, readManifests } from '../cluster/manifest-view.ts';
import { buildPolicies } from '../compose.ts';
import { ConfigError, loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { createLogger } from '../server/logger.ts';
import { helpText, parseFlags, UsageError, type FlagSpec } from './args.ts';

const FLAGS: Record<string, FlagSpec> = {
  filename: { type: 'string', multiple: true, short: 'f', description: 'manifest file or folder to judge (repeatable; like kubectl -f)' },
  cluster: { type: 'string', multiple: true, description: 'file or folder of objects already in the cluster (repeatable)' },
  config: { type: 'string', env: 'CERTGUARD_CONFIG', description: 'policy configuration (YAML), as the webhook uses' },
  output: { type: 'string', default: 'text', description: 'text or json' },
  help: { type: 'boolean', description: 'show this help' },
};

// Other tests build their requests the way check does.
export { requestFor } from '../audit/judge.ts';

export type CheckVerdict = { object: string; allowed: boolean; violations: string[]; warnings: string[] };

/** `config`: a config file's path (as --config), or an already parsed config (tests). */
export const checkBundle = async (bundle: KubeObject[], cluster: KubeObject[], configOrPath?: string | Config): Promise<CheckVerdict[]> => {
  const config = typeof configOrPath === 'object' ? configOrPath : await loadConfig(configOrPath);
  const policies = buildPolicies(config, { logger: createLogger('silent') });
  const verdicts: CheckVerdict[] = [];
  for (const [index, object] of bundle.entries()) {
    const others = bundle.filter((_, at) => at !== index);
    const { allowed, violations, warnings } = await judge(requestFor(object, cluster, index), policies, new ManifestView([...cluster, ...others]));
    verdicts.push({ object: nameOf(object), allowed, violations, warnings });
  }
  return verdicts;
};

const formatText = (verdicts: CheckVerdict[]): string => {
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

export const run = async (args: string[]): Promise<number> => {
  try {
    const { values, positionals } = parseFlags(args, FLAGS);
    if (values.help) {
      process.stdout.write(`${helpText('check', 'Judge manifests offline, as the webhook would (exit 1 when any is denied).', FLAGS)}\n`);
      return 0;
    }
    const files = [...((values.filename as string[] | undefined) ?? []), ...positionals];
    if (files.length === 0) throw new UsageError('give the manifests to check with --filename (or as arguments)');
    if (values.output !== 'text' && values.output !== 'json') throw new UsageError(`--output must be text or json, got "${String(values.output)}"`);
    const verdicts = await checkBundle(await readManifests(files), await readManifests((values.cluster as string[] | undefined) ?? []), values.config as string | undefined);
    process.stdout.write(values.output === 'json' ? `${JSON.stringify(verdicts, null, 2)}\n` : formatText(verdicts));
    return verdicts.some((verdict) => !verdict.allowed) ? 1 : 0;
  } catch (error) {
    process.stderr.write(`certguard check: ${(error as Error).message}\n`);
    return error instanceof UsageError || error instanceof ConfigError ? 2 : 3;
  }
};
