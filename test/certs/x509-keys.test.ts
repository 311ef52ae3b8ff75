// Self-signed certificates for every key a placeholder may need (issue 12: cert-manager keeps the
// placeholder's key under rotationPolicy Never, so it must be the algorithm and size the
// Certificate asks for). RSA 3072/4096 are left out: slow by nature, same code path as 2048.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import t from 'tap';
import { issueSelfSignedWithKey, validityWindow, type KeySpec } from '../../src/certs/x509.ts';

const cases: Array<{ key: KeySpec; type: string; curve?: string; modulus?: number; pem: string }> = [
  { key: { algorithm: 'RSA', size: 2048 }, type: 'rsa', modulus: 2048, pem: 'RSA PRIVATE KEY' },
  { key: { algorithm: 'ECDSA', size: 256 }, type: 'ec', curve: 'prime256v1', pem: 'EC PRIVATE KEY' },
  { key: { algorithm: 'ECDSA', size: 384 }, type: 'ec', curve: 'secp384r1', pem: 'EC PRIVATE KEY' },
  { key: { algorithm: 'ECDSA', size: 521 }, type: 'ec', curve: 'secp521r1', pem: 'EC PRIVATE KEY' },
  { key: { algorithm: 'Ed25519' }, type: 'ed25519', pem: 'PRIVATE KEY' },
];

for (const c of cases) {
  t.test(`issues a self-signed leaf with a ${JSON.stringify(c.key)} key`, async (t) => {
    const issued = await issueSelfSignedWithKey(
      {
        commonName: 'app.example.com',
        dnsNames: ['app.example.com', '*.app.example.com'],
        organization: 'certguard placeholder',
        ...validityWindow(7, new Date('2027-01-01T00:00:00Z')),
      },
      c.key,
    );
    const certificate = new X509Certificate(issued.certificatePem);
    t.equal(certificate.publicKey.asymmetricKeyType, c.type);
    if (c.curve) t.equal(certificate.publicKey.asymmetricKeyDetails?.namedCurve, c.curve);
    if (c.modulus) t.equal(certificate.publicKey.asymmetricKeyDetails?.modulusLength, c.modulus);
    t.ok(issued.privateKeyPem.startsWith(`-----BEGIN ${c.pem}-----\n`), 'PEM a Gateway controller reads');
    t.equal(certificate.checkPrivateKey(createPrivateKey(issued.privateKeyPem)), true, 'key matches');
    t.equal(certificate.verify(certificate.publicKey), true, 'signed by its own key');
    t.equal(certificate.subject, 'CN=app.example.com\nO=certguard placeholder');
    t.equal(certificate.subjectAltName, 'DNS:app.example.com, DNS:*.app.example.com');
    t.equal(certificate.validToDate.toISOString(), '2027-01-08T00:00:00.000Z');
    t.equal(certificate.ca, false);
  });
}
