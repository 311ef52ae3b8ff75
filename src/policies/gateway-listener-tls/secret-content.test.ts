// The Secret content judge: what the cluster view keeps per Secret version (never Secret data),
// now with the names the leaf certificate serves, for hostname coverage.
import t from 'tap';
import { buildCertificate, generateRsaKeyPair } from '../../certs/x509.ts';
import { checkSecretContent, judgeSecretContent } from './secret-content.ts';
import { makePki, NOW, tlsSecret, type Pem } from '../../../test/helpers/gateway-tls.ts';

const pki = await makePki();

const namesOf = (pem: Pem) => {
  const judgement = judgeSecretContent(tlsSecret('traefik', 'app-tls', pem));
  return 'names' in judgement ? judgement.names : judgement;
};

t.test('keeps the DNS subjectAltNames of the leaf', async (t) => {
  t.same(namesOf(pki.valid), { dnsNames: ['app.example.com'] });
  t.same(namesOf(pki.wildcard), { dnsNames: ['*.example.com', 'www.example.org'] });
  t.same(namesOf(pki.ecdsa), { dnsNames: ['ec.example.com'] });
});

t.test('reads the leaf of a chain, not the certificates after it', async (t) => {
  t.same(namesOf({ crt: pki.valid.crt + pki.other.crt, key: pki.valid.key }), { dnsNames: ['app.example.com'] });
});

t.test('keeps the common name only when the leaf has no DNS subjectAltName', async (t) => {
  t.same(namesOf(pki.commonNameOnly), { dnsNames: [], commonName: 'legacy.example.com' });
  t.notOk('commonName' in namesOf(pki.valid), 'a leaf with SANs: the common name is not kept');
});

t.test('reads a name Node quotes because it holds a separator', async (t) => {
  const keys = await generateRsaKeyPair();
  const dnsNames = ['a,b.example.com', 'plain.example.com'];
  const crt = buildCertificate({
    commonName: 'x',
    dnsNames,
    notBefore: new Date('2026-01-01'),
    notAfter: new Date('2028-01-01'),
    publicKeyPem: keys.publicKeyPem,
    selfSigningKeyPem: keys.privateKeyPem,
  });
  t.same(namesOf({ crt, key: keys.privateKeyPem }), { dnsNames });
});

t.test('keeps no Secret data: only the validity window, the placeholder flag and the names', async (t) => {
  const judgement = judgeSecretContent(tlsSecret('traefik', 'app-tls', pki.valid));
  t.same(Object.keys(judgement).sort(), ['names', 'notAfter', 'notBefore', 'placeholder']);
  const kept = JSON.stringify(judgement);
  t.notMatch(kept, /BEGIN|PRIVATE/);
  t.notOk(kept.includes(pki.valid.key.split('\n')[1] ?? '-'), 'no line of the key');
  t.notOk(kept.includes(pki.valid.crt.split('\n')[1] ?? '-'), 'no line of the certificate');
});

const selfSigned = async (bits: number, notBefore: Date, notAfter: Date): Promise<Pem> => {
  const keys = await generateRsaKeyPair(bits);
  const crt = buildCertificate({
    commonName: 'app.example.com',
    dnsNames: ['app.example.com'],
    notBefore,
    notAfter,
    publicKeyPem: keys.publicKeyPem,
    selfSigningKeyPem: keys.privateKeyPem,
  });
  return { crt, key: keys.privateKeyPem };
};

const problemOf = (pem: Pem, now = NOW) => checkSecretContent(tlsSecret('traefik', 'app-tls', pem), now);

t.test('an RSA key under 2048 bits is unusable (Envoy refuses it), 2048 and ECDSA are not', async (t) => {
  const from = new Date('2026-01-01T00:00:00Z');
  const to = new Date('2028-01-01T00:00:00Z');
  t.same(problemOf(await selfSigned(1024, from, to)), { code: 'weak-rsa-key', bits: 1024 });
  t.same(problemOf(await selfSigned(2040, from, to)), { code: 'weak-rsa-key', bits: 2040 });
  t.equal(problemOf(pki.valid), undefined, '2048 bits');
  t.equal(problemOf(pki.ecdsa), undefined, 'ECDSA P-256');
});

t.test('a certificate not valid yet is unusable, beyond five minutes of clock skew', async (t) => {
  const notBefore = new Date(NOW.getTime() + 60 * 60 * 1000);
  const pem = await selfSigned(2048, notBefore, new Date('2028-01-01T00:00:00Z'));
  t.same(problemOf(pem), { code: 'not-yet-valid', notBefore: new Date(notBefore.getTime()) });
  t.equal(problemOf(pem, new Date(notBefore.getTime() - 5 * 60 * 1000)), undefined, 'five minutes early: clock skew');
  t.same(problemOf(pem, new Date(notBefore.getTime() - 5 * 60 * 1000 - 1000)), { code: 'not-yet-valid', notBefore });
  t.equal(problemOf(pem, notBefore), undefined, 'from notBefore on');
});
