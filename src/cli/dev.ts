// `certguard dev` (what `npm start` runs): localhost certificates in certs/ on first run, then
// serve. It never talks to a real cluster unless asked: by default it serves the example cluster
// in examples/cluster (a developer's kubeconfig often points at a shared or production cluster,
// and placeholder mode would write Secrets there). `--kubeconfig PATH` opts in, and then the first
// line names the server and context it will use.
import { join } from 'node:path';
import { stat } from 'node:fs/promises';
import { loadCredentials } from '../cluster/live/kubeconfig.ts';
import { generateCertificates, writeCertificates } from './certs.ts';
import { run as serve } from './serve.ts';

const exists = async (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  );

export const EXAMPLE_VIEW = 'examples/cluster';
const EXAMPLE_CONFIG = 'examples/config.yaml';

const ensureDevCertificates = async (dir: string): Promise<void> => {
  if (await exists(join(dir, 'tls.crt'))) return;
  const pair = await generateCertificates({
    service: 'certguard',
    namespace: 'certguard',
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1', '::1'],
    caValidityDays: 365,
    validityDays: 90,
  });
  await writeCertificates(dir, pair);
  process.stderr.write(`certguard dev: wrote localhost certificates to ${dir}/ (trust ${dir}/ca.crt)\n`);
};

const hasFlag = (args: string[], flag: string): boolean => args.some((arg) => arg === `--${flag}` || arg.startsWith(`--${flag}=`));

const flagValue = (args: string[], flag: string): string | undefined => {
  const index = args.findIndex((arg) => arg === `--${flag}` || arg.startsWith(`--${flag}=`));
  if (index < 0) return undefined;
  const arg = args[index] as string;
  return arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[index + 1];
};

export type DevPlan = { args: string[]; notice: string };

/** The serve arguments and the line that says which cluster (if any) is used. Pure: no I/O beyond reading a kubeconfig named with --kubeconfig. */
export const planDev = (args: string[], env: NodeJS.ProcessEnv = process.env): DevPlan => {
  const extra: string[] = [];
  let notice: string;
  if (hasFlag(args, 'manifests')) {
    notice = `certguard dev: serving the cluster view in ${flagValue(args, 'manifests')} (no real cluster)`;
  } else if (hasFlag(args, 'kubeconfig')) {
    const path = flagValue(args, 'kubeconfig');
    const credentials = loadCredentials(path, env, undefined, flagValue(args, 'context'));
    notice = `certguard dev: using the real cluster at ${credentials.server} (context "${credentials.context ?? 'none'}", from ${path}): placeholder mode writes Secrets there`;
  } else {
    notice = `certguard dev: serving the example cluster in ${EXAMPLE_VIEW}/, no real cluster is contacted (pass --kubeconfig PATH to watch one)`;
    extra.push('--manifests', EXAMPLE_VIEW);
  }
  if (!hasFlag(args, 'config') && !env.CERTGUARD_CONFIG) extra.push('--config', EXAMPLE_CONFIG);
  return { args: ['--bind-address', '127.0.0.1', ...extra, ...args], notice };
};

export const run = async (args: string[]): Promise<number> => {
  if (args.includes('--help') || args.includes('-h')) return serve(['--help']);
  let plan: DevPlan;
  try {
    plan = planDev(args);
  } catch (error) {
    process.stderr.write(`certguard dev: ${(error as Error).message}\n`);
    return 2;
  }
  process.stderr.write(`${plan.notice}\n`);
  await ensureDevCertificates('certs');
  return serve(plan.args);
};
