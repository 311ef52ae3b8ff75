// The Secret content judge: what the cluster view keeps per Secret version (never Secret data),
// now with the names the leaf certificate serves, for hostname coverage (issue 14 item 3).
import t from 'tap';
import { buildCertificate, generateRsaKeyPair } from '../../certs/x509.ts';
import { judgeSecretContent } from './secret-content.ts';
import { makePki, tlsSecret, type Pem } from './testing.ts';

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
  const crt = buildCertificate({ commonName: 'x', dnsNames, notBefore: new Date('2026-01-01'), notAfter: new Date('2028-01-01'), publicKeyPem: keys.publicKeyPem, selfSigningKeyPem: keys.privateKeyPem });
  t.same(namesOf({ crt, key: keys.privateKeyPem }), { dnsNames });
});

t.test('keeps no Secret data: only the expiry, the placeholder flag and the names', async (t) => {
  const judgement = judgeSecretContent(tlsSecret('traefik', 'app-tls', pki.valid));
  t.same(Object.keys(judgement).sort(), ['names', 'notAfter', 'placeholder']);
  const kept = JSON.stringify(judgement);
  t.notMatch(kept, /BEGIN|PRIVATE/);
  t.notOk(kept.includes(pki.valid.key.split('\n')[1] ?? '-'), 'no line of the key');
  t.notOk(kept.includes(pki.valid.crt.split('\n')[1] ?? '-'), 'no line of the certificate');
});
