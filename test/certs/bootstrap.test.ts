// The pure decisions of the in-cluster certificate bootstrap: when the CA and the serving
// certificate are kept, re-issued or left for the next run, and which CAs the webhooks trust.
import t from 'tap';
import { X509Certificate } from 'node:crypto';
import { buildCertificate, generateRsaKeyPair, type KeyPair } from '../../src/certs/x509.ts';
import {
  caBundleFingerprints,
  checkSettings,
  decideCa,
  decideServing,
  encodeCaBundle,
  isTrustedByAll,
  mergeBundle,
  servingValidity,
  splitPem,
  type BootstrapSettings,
  type Material,
} from '../../src/certs/bootstrap.ts';

const DAY = 24 * 60 * 60 * 1000;
const NOW = new Date('2030-01-01T00:00:00Z');
const at = (days: number) => new Date(NOW.getTime() + days * DAY);

const SETTINGS: BootstrapSettings = {
  caValidityDays: 1825,
  caRenewBeforeDays: 365,
  validityDays: 365,
  renewBeforeDays: 60,
  dnsNames: ['certguard', 'certguard.certguard.svc'],
  ipAddresses: [],
};

// Three key pairs serve every certificate below: signing is cheap, key generation is not.
const [caKeys, otherCaKeys, leafKeys] = await Promise.all([generateRsaKeyPair(), generateRsaKeyPair(), generateRsaKeyPair()]);

const makeCa = (keys: KeyPair, from: number, to: number, name = 'certguard CA'): Material => ({
  certificatePem: buildCertificate({
    commonName: name,
    isCA: true,
    notBefore: at(from),
    notAfter: at(to),
    publicKeyPem: keys.publicKeyPem,
    selfSigningKeyPem: keys.privateKeyPem,
  }),
  privateKeyPem: keys.privateKeyPem,
});

const makeLeaf = (issuer: Material, from: number, to: number, dnsNames = SETTINGS.dnsNames): Material => ({
  certificatePem: buildCertificate({
    commonName: 'certguard.certguard.svc',
    dnsNames,
    notBefore: at(from),
    notAfter: at(to),
    publicKeyPem: leafKeys.publicKeyPem,
    issuer,
  }),
  privateKeyPem: leafKeys.privateKeyPem,
});

const ca = makeCa(caKeys, -10, 1000);
const oldCa = makeCa(otherCaKeys, -1500, 300, 'certguard CA old');
const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256;

t.test('decideCa', async (t) => {
  const cases: { name: string; ca: Material | undefined; expected: { action: string; reason?: string; detail: string } }[] = [
    { name: 'issues a CA when there is none', ca: undefined, expected: { action: 'issue', reason: 'missing', detail: 'no CA yet' } },
    {
      name: 'issues a CA when the stored one does not parse',
      ca: { certificatePem: 'garbage', privateKeyPem: caKeys.privateKeyPem },
      expected: { action: 'issue', reason: 'unusable', detail: 'the stored CA certificate does not parse' },
    },
    {
      name: 'issues a CA when the stored certificate is not a CA',
      ca: makeLeaf(ca, -1, 100),
      expected: { action: 'issue', reason: 'unusable', detail: 'the stored CA certificate is not a CA' },
    },
    {
      name: 'issues a CA when the key does not match',
      ca: { certificatePem: ca.certificatePem, privateKeyPem: otherCaKeys.privateKeyPem },
      expected: { action: 'issue', reason: 'unusable', detail: 'the stored CA key does not match its certificate' },
    },
    {
      name: 'issues a CA when less than ca-renew-before-days are left',
      ca: makeCa(caKeys, -1500, 364),
      expected: { action: 'issue', reason: 'expiring', detail: 'the CA expires 2030-12-31, within 365 days' },
    },
    {
      name: 'issues a CA when the stored one has expired',
      ca: makeCa(caKeys, -1500, -1),
      expected: { action: 'issue', reason: 'expiring', detail: 'the CA expires 2029-12-31, within 365 days' },
    },
    {
      name: 'keeps a CA with more than ca-renew-before-days left',
      ca: makeCa(caKeys, -1000, 366),
      expected: { action: 'keep', detail: 'the CA is valid until 2031-01-02' },
    },
  ];
  for (const c of cases) t.same(decideCa(c.ca, NOW, SETTINGS), c.expected, c.name);
});

t.test('mergeBundle', async (t) => {
  const expired = makeCa(otherCaKeys, -900, -1, 'expired').certificatePem;
  t.same(
    mergeBundle(ca.certificatePem, [oldCa.certificatePem], NOW).map(fingerprint),
    [fingerprint(ca.certificatePem), fingerprint(oldCa.certificatePem)],
    'puts the current CA first and keeps a previous CA that is still valid',
  );
  t.same(mergeBundle(ca.certificatePem, [oldCa.certificatePem, ca.certificatePem, oldCa.certificatePem], NOW).length, 2, 'lists each CA once');
  t.same(mergeBundle(ca.certificatePem, [expired], NOW).map(fingerprint), [fingerprint(ca.certificatePem)], 'drops a CA that has expired');
  t.same(mergeBundle(ca.certificatePem, ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'], NOW).length, 1, 'drops an entry that does not parse');
  t.same(
    mergeBundle(ca.certificatePem, [makeLeaf(ca, -1, 100).certificatePem], NOW).map(fingerprint),
    [fingerprint(ca.certificatePem)],
    'drops a certificate that is not a CA',
  );
  t.same(
    splitPem(`junk\n${ca.certificatePem}between\n${oldCa.certificatePem}`).map(fingerprint),
    [fingerprint(ca.certificatePem), fingerprint(oldCa.certificatePem)],
    'splitPem reads every certificate of a bundle in order',
  );
});

t.test('caBundle encoding and trust', async (t) => {
  const bundle = encodeCaBundle([ca.certificatePem, oldCa.certificatePem]);
  t.same(
    [...caBundleFingerprints(bundle)].sort(),
    [fingerprint(ca.certificatePem), fingerprint(oldCa.certificatePem)].sort(),
    'a caBundle decodes back to its CAs',
  );
  t.equal(isTrustedByAll(ca.certificatePem, [bundle, encodeCaBundle([ca.certificatePem])]), true, 'a CA in every webhook is trusted');
  t.equal(isTrustedByAll(ca.certificatePem, [bundle, encodeCaBundle([oldCa.certificatePem])]), false, 'a CA missing from one webhook is not trusted');
  t.equal(isTrustedByAll(ca.certificatePem, [bundle, undefined]), false, 'a webhook without caBundle trusts nothing of ours');
  t.equal(isTrustedByAll(ca.certificatePem, []), true, 'with no webhooks there is nobody to break');
});

t.test('decideServing', async (t) => {
  const bundle = [ca.certificatePem, oldCa.certificatePem];
  const base = { caPem: ca.certificatePem, bundle, caTrusted: true, now: NOW, settings: SETTINGS };
  const cases: { name: string; serving: Material | undefined; caTrusted?: boolean; expected: { action: string; reason?: string; detail: string } }[] = [
    {
      name: 'issues a serving certificate when there is none',
      serving: undefined,
      expected: { action: 'issue', reason: 'missing', detail: 'no serving certificate yet' },
    },
    {
      name: 'issues when the stored certificate does not parse',
      serving: { certificatePem: 'x', privateKeyPem: leafKeys.privateKeyPem },
      expected: { action: 'issue', reason: 'unusable', detail: 'the stored serving certificate does not parse' },
    },
    {
      name: 'issues when the stored key does not match',
      serving: { certificatePem: makeLeaf(ca, -1, 300).certificatePem, privateKeyPem: caKeys.privateKeyPem },
      expected: { action: 'issue', reason: 'unusable', detail: 'the stored serving key does not match its certificate' },
    },
    {
      name: 'issues when the Service names changed',
      serving: makeLeaf(ca, -1, 300, ['old-name']),
      expected: { action: 'issue', reason: 'names-changed', detail: 'the certificate names old-name' },
    },
    {
      name: 'issues when no CA in the bundle signed it',
      serving: makeLeaf(makeCa(otherCaKeys, -10, 900, 'stranger'), -1, 300),
      expected: { action: 'issue', reason: 'untrusted-issuer', detail: 'the serving certificate is not signed by a CA in the bundle' },
    },
    {
      name: 'issues when less than renew-before-days are left',
      serving: makeLeaf(ca, -300, 59),
      expected: { action: 'issue', reason: 'expiring', detail: 'the serving certificate stops being valid 2030-03-01, within 60 days' },
    },
    {
      name: 're-signs with the new CA once every webhook trusts it',
      serving: makeLeaf(oldCa, -10, 250),
      expected: { action: 'issue', reason: 'ca-rotated', detail: 'signed by the previous CA; every webhook now trusts the new one' },
    },
    {
      name: 'waits for the next run while a webhook does not trust the new CA yet',
      serving: makeLeaf(oldCa, -10, 250),
      caTrusted: false,
      expected: { action: 'wait', detail: 'signed by the previous CA; re-signed on the next run, once every webhook trusts the new CA' },
    },
    {
      name: 'keeps a valid certificate signed by the current CA',
      serving: makeLeaf(ca, -10, 300),
      expected: { action: 'keep', detail: 'the serving certificate is valid until 2030-10-28' },
    },
  ];
  for (const c of cases) {
    t.same(decideServing({ ...base, serving: c.serving, caTrusted: c.caTrusted ?? true }), c.expected, c.name);
  }
  // A certificate is only good while its CA is: this one's own notAfter is +300 days, but the
  // previous CA that signed it ends in 50 days, so it is renewed now (with the new CA).
  const dyingCa = makeCa(otherCaKeys, -1800, 50, 'certguard CA old');
  t.same(
    decideServing({ ...base, bundle: [ca.certificatePem, dyingCa.certificatePem], serving: makeLeaf(dyingCa, -10, 300), caTrusted: false }),
    { action: 'issue', reason: 'expiring', detail: 'the serving certificate stops being valid 2030-02-20, within 60 days' },
    "renews when the issuing CA's end is within renew-before-days, even before the new CA is trusted",
  );
});

t.test('servingValidity never outlives the CA', async (t) => {
  t.same(servingValidity(ca.certificatePem, NOW, 365).notAfter, at(365), 'a young CA: the full validity');
  t.same(servingValidity(makeCa(caKeys, -1500, 100).certificatePem, NOW, 365).notAfter, at(100), "an older CA: capped at the CA's notAfter");
  t.same(servingValidity(ca.certificatePem, NOW, 365).notBefore, new Date(NOW.getTime() - 5 * 60 * 1000), 'notBefore five minutes back for clock skew');
});

t.test('checkSettings', async (t) => {
  t.same(checkSettings(SETTINGS), [], 'the defaults are consistent');
  t.same(
    checkSettings({ ...SETTINGS, caRenewBeforeDays: 1825, renewBeforeDays: 365 }),
    ['--ca-renew-before (1825d) must be less than --ca-validity (1825d)', '--renew-before (365d) must be less than --validity (365d)'],
    'renew-before equal to the validity would renew on every run',
  );
  t.same(
    checkSettings({ ...SETTINGS, renewBeforeDays: 200, caRenewBeforeDays: 100 }),
    ['--renew-before (200d) must be less than --ca-renew-before (100d)'],
    'the serving certificate must be renewable inside the old CA overlap',
  );
});
