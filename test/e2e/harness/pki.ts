// Throwaway certificates for the harness, made with certguard's own x509 module.
import { mkdirSync, renameSync, symlinkSync, writeFileSync, rmSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { issueSelfSigned, issueSigned, validityWindow, type Issued } from '../../../src/certs/x509.ts';

export type { Issued };

/** A CA valid for a day: tests never run that long. */
export const issueCa = (commonName: string): Promise<Issued> => issueSelfSigned({ commonName, isCA: true, ...validityWindow(1) });

/** A serving certificate for loopback: SANs localhost and 127.0.0.1 plus `dnsNames`. */
export const issueServing = (ca: Issued, commonName: string, dnsNames: string[] = [], ipAddresses: string[] = []): Promise<Issued> =>
  issueSigned({ commonName, dnsNames: ['localhost', ...dnsNames], ipAddresses: ['127.0.0.1', ...ipAddresses], ...validityWindow(1) }, ca);

/** A client certificate: `commonName` is the user, `organization` its group. */
export const issueClient = (ca: Issued, commonName: string, organization?: string): Promise<Issued> =>
  issueSigned({ commonName, organization, clientAuth: true, ...validityWindow(1) }, ca);

export const base64 = (pem: string): string => Buffer.from(pem, 'utf8').toString('base64');

/**
 * Writes tls.crt and tls.key the way the kubelet updates a mounted Secret: the files are symlinks
 * into `..data`, itself a symlink to a timestamped dir, swapped atomically by rename(2). Calling it
 * again rotates the files with no moment where the certificate and key disagree (incident 004).
 */
export const writeServingFiles = (dir: string, serving: Issued): { certFile: string; keyFile: string } => {
  const version = `..${Date.now()}_${Math.random().toString(36).slice(2, 8)}`;
  mkdirSync(join(dir, version), { recursive: true });
  writeFileSync(join(dir, version, 'tls.crt'), serving.certificatePem);
  writeFileSync(join(dir, version, 'tls.key'), serving.privateKeyPem, { mode: 0o600 });
  let previous: string | undefined;
  try {
    previous = readlinkSync(join(dir, '..data'));
  } catch {
    previous = undefined;
  }
  symlinkSync(version, join(dir, '..data_tmp'));
  renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
  for (const file of ['tls.crt', 'tls.key']) {
    try {
      symlinkSync(join('..data', file), join(dir, file));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  if (previous) rmSync(join(dir, previous), { recursive: true, force: true });
  return { certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') };
};
