// `certguard dev` (what `npm start` runs): localhost certificates in certs/ on first run, then
// serve. Without a kubeconfig it serves the example cluster view in examples/cluster, so a
// fresh machine can post a review and see a denial with no cluster at all.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { stat } from 'node:fs/promises';
import { generateCertificates, writeCertificates } from './certs.ts';
import { run as serve } from './serve.ts';

const exists = async (path: string): Promise<boolean> => stat(path).then(() => true, () => false);

const EXAMPLE_VIEW = 'examples/cluster';
const EXAMPLE_CONFIG = 'examples/config.yaml';

const ensureDevCertificates = async (dir: string): Promise<void> => {
  if (await exists(join(dir, 'tls.crt'))) return;
  const pair = await generateCertificates({ service: 'certguard', namespace: 'certguard', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1', '::1'], caValidityDays: 365, validityDays: 90 });
  await writeCertificates(dir, pair);
  process.stderr.write(`certguard dev: wrote localhost certificates to ${dir}/ (trust ${dir}/ca.crt)\n`);
};

const findKubeconfig = async (): Promise<string | undefined> => {
  const candidate = process.env.KUBECONFIG || join(homedir(), '.kube', 'config');
  return (await exists(candidate)) ? candidate : undefined;
};

export const run = async (args: string[]): Promise<number> => {
  if (args.includes('--help')) return serve(['--help']);
  await ensureDevCertificates('certs');
  const extra: string[] = [];
  if (!args.includes('--manifests') && !args.includes('--kubeconfig') && !(await findKubeconfig())) {
    process.stderr.write(`certguard dev: no kubeconfig found; serving the example cluster view in ${EXAMPLE_VIEW}/\n`);
    extra.push('--manifests', EXAMPLE_VIEW);
  }
  if (!args.includes('--config') && !process.env.CERTGUARD_CONFIG) extra.push('--config', EXAMPLE_CONFIG);
  return serve(['--bind-address', '127.0.0.1', ...extra, ...args]);
};
