// node-forge loads when a certificate is built, not when x509.ts is imported: serve imports it
// through gateway-listener-tls and needs forge only to write a placeholder (bench/README.md,
// "Cluster view", 2026-11-29).
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const X509 = fileURLToPath(new URL('../../src/certs/x509.ts', import.meta.url));

// A fresh process: this one may have loaded forge through another import already.
const script = `
const require = (await import('node:module')).createRequire(${JSON.stringify(X509)});
const forgeModules = () => Object.keys(require.cache).filter((path) => path.includes('node-forge')).length;
const x509 = await import(${JSON.stringify(X509)});
const before = forgeModules();
const keys = await x509.generateRsaKeyPair();
const { notBefore, notAfter } = x509.validityWindow(1);
const pem = x509.buildCertificate({ commonName: 'x', notBefore, notAfter, publicKeyPem: keys.publicKeyPem, selfSigningKeyPem: keys.privateKeyPem });
console.log(JSON.stringify({ before, after: forgeModules(), pem: pem.startsWith('-----BEGIN CERTIFICATE-----') }));
`;

t.test('importing x509.ts loads no node-forge; building a certificate does', async (t) => {
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  const { before, after, pem } = JSON.parse(output) as { before: number; after: number; pem: boolean };
  t.equal(before, 0, 'no forge module after the import');
  t.ok(after > 0, 'forge loaded by buildCertificate');
  t.ok(pem, 'and the certificate is built');
});
