// Throwaway certificates for TLS tests, laid out the way the kubelet mounts a Secret:
// dir/tls.crt -> ..data/tls.crt, dir/..data -> ..<version>/ (swapped atomically on update).
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCertificates } from '../../src/cli/certs.ts';
import type { Issued } from '../../src/certs/x509.ts';

export const localhostCertificates = () =>
  generateCertificates({
    service: 'certguard',
    namespace: 'certguard',
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1'],
    caValidityDays: 2,
    validityDays: 1,
  });

export type MountedSecretDir = {
  dir: string;
  certPath: string;
  keyPath: string;
  /** Writes a new version and swaps ..data to it, as the kubelet's atomic writer does. */
  publish: (files: { cert: string; key: string }) => Promise<void>;
  cleanup: () => Promise<void>;
};

export const mountedSecretDir = async (first: Issued): Promise<MountedSecretDir> => {
  const dir = await mkdtemp(join(tmpdir(), 'certguard-tls-'));
  let version = 0;
  const publish = async (files: { cert: string; key: string }) => {
    version += 1;
    const versionDir = `..v${version}`;
    await mkdir(join(dir, versionDir));
    await writeFile(join(dir, versionDir, 'tls.crt'), files.cert);
    await writeFile(join(dir, versionDir, 'tls.key'), files.key);
    await symlink(versionDir, join(dir, '..data_tmp'));
    await rename(join(dir, '..data_tmp'), join(dir, '..data'));
  };
  await publish({ cert: first.certificatePem, key: first.privateKeyPem });
  await symlink('..data/tls.crt', join(dir, 'tls.crt'));
  await symlink('..data/tls.key', join(dir, 'tls.key'));
  return { dir, certPath: join(dir, 'tls.crt'), keyPath: join(dir, 'tls.key'), publish, cleanup: () => rm(dir, { recursive: true, force: true }) };
};
