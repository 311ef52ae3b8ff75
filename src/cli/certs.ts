// `certguard certs`: a CA and a serving certificate signed by it, for the webhook's own TLS.
// Prints the base64 caBundle to stdout (for a webhook configuration's clientConfig.caBundle).
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { issueSelfSigned, issueSigned, validityWindow, type Issued } from '../certs/x509.ts';
import { daysFlag, daysOf, exitCodeOf, HELP_FLAG, helpText, legacyDaysFlag, parseFlags, UsageError, type FlagSpec } from './args.ts';

const FLAGS: Record<string, FlagSpec> = {
  out: { type: 'string', default: 'certs', description: 'folder to write ca.crt, ca.key, tls.crt, tls.key into' },
  service: { type: 'string', default: 'certguard', description: 'Service name the API server calls' },
  namespace: { type: 'string', short: 'n', default: 'certguard', description: "the Service's namespace" },
  dns: { type: 'string', multiple: true, description: 'extra DNS SAN (repeatable)' },
  ip: { type: 'string', multiple: true, description: 'extra IP SAN (repeatable)' },
  'ca-validity': daysFlag('CA validity', '1825d'),
  'ca-validity-days': legacyDaysFlag('ca-validity'),
  validity: daysFlag('serving certificate validity', '365d'),
  'validity-days': legacyDaysFlag('validity'),
  force: { type: 'boolean', description: 'overwrite existing files' },
  help: HELP_FLAG,
};

export type CertsRequest = {
  service: string;
  namespace: string;
  dnsNames: string[];
  ipAddresses: string[];
  caValidityDays: number;
  validityDays: number;
};

/** The Service's in-cluster names, then the extra ones, without duplicates. */
export const serviceDnsNames = (service: string, namespace: string, extra: string[]): string[] => [
  ...new Set([service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`, ...extra]),
];

export const generateCertificates = async (request: CertsRequest): Promise<{ ca: Issued; serving: Issued }> => {
  const ca = await issueSelfSigned({ commonName: 'certguard-ca', organization: 'certguard', isCA: true, ...validityWindow(request.caValidityDays) });
  const serving = await issueSigned(
    {
      commonName: `${request.service}.${request.namespace}.svc`,
      dnsNames: serviceDnsNames(request.service, request.namespace, request.dnsNames),
      ipAddresses: request.ipAddresses,
      ...validityWindow(request.validityDays),
    },
    ca,
  );
  return { ca, serving };
};

const exists = async (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  );

export const writeCertificates = async (out: string, pair: { ca: Issued; serving: Issued }): Promise<void> => {
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'ca.crt'), pair.ca.certificatePem);
  await writeFile(join(out, 'ca.key'), pair.ca.privateKeyPem, { mode: 0o600 });
  // Key before certificate: a watcher that sees the new certificate finds its key already there.
  await writeFile(join(out, 'tls.key'), pair.serving.privateKeyPem, { mode: 0o600 });
  await writeFile(join(out, 'tls.crt'), pair.serving.certificatePem);
};

export const run = async (args: string[]): Promise<number> => {
  try {
    const { values } = parseFlags(args, FLAGS);
    if (values.help) {
      process.stdout.write(`${helpText('certs', 'Generate a CA and a serving certificate for the webhook.', FLAGS)}\n`);
      return 0;
    }
    const out = String(values.out);
    if (!values.force && (await exists(join(out, 'tls.crt')))) throw new UsageError(`${join(out, 'tls.crt')} exists; pass --force to replace it`);
    const ipAddresses = (values.ip as string[] | undefined) ?? [];
    const badIp = ipAddresses.find((ip) => !isIP(ip));
    if (badIp !== undefined) throw new UsageError(`--ip "${badIp}" is not an IP address`);
    const pair = await generateCertificates({
      service: String(values.service),
      namespace: String(values.namespace),
      dnsNames: (values.dns as string[] | undefined) ?? [],
      ipAddresses,
      caValidityDays: daysOf(values, 'ca-validity', '1825d'),
      validityDays: daysOf(values, 'validity', '365d'),
    });
    await writeCertificates(out, pair);
    process.stderr.write(`wrote ${out}/ca.crt, ca.key, tls.crt, tls.key; caBundle follows on stdout\n`);
    process.stdout.write(`${Buffer.from(pair.ca.certificatePem).toString('base64')}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`certguard certs: ${(error as Error).message}\n`);
    return exitCodeOf(error);
  }
};
