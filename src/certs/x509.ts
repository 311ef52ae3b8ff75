// X.509 certificates for certguard's own serving certificate, its CA, and placeholder Secrets.
// Keys come from node:crypto (asynchronous, off the event loop); node-forge builds the
// certificate and node:crypto signs its TBS bytes natively (about a millisecond): forge's own
// sign() does RSA in JavaScript on the event loop (~150 ms, stalling every review meanwhile).
// forge encodes X.509 for RSA keys only: a self-signed certificate for an ECDSA or Ed25519 key
// (placeholders matching a Certificate's spec.privateKey) gets its SubjectPublicKeyInfo and
// signature algorithm set in forge's ASN.1 tree (buildSelfSignedForKey).
import { createPublicKey, generateKeyPair, randomBytes, sign as cryptoSign } from 'node:crypto';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import { promisify } from 'node:util';
import type forge from 'node-forge';

// node-forge is ~1 MiB of JavaScript, ~6 MiB of RSS once loaded, and serve needs it only when it
// writes a placeholder: it loads on first use (synchronously, it is CommonJS), not with every
// process that imports this file.
const require = createRequire(import.meta.url);
let loadedForge: typeof forge | undefined;
const forgeOf = (): typeof forge => (loadedForge ??= require('node-forge') as typeof forge);

const generateKeyPairAsync = promisify(generateKeyPair);

export type KeyPair = { privateKeyPem: string; publicKeyPem: string };

/** RSA 2048: what forge can sign with, and what every TLS client accepts. */
export const generateRsaKeyPair = async (bits = 2048): Promise<KeyPair> => {
  const { privateKey, publicKey } = await generateKeyPairAsync('rsa', {
    modulusLength: bits,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    // forge reads PKCS#1 RSA keys; tls.key in a kubernetes.io/tls Secret may be either.
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
};

export type CertificateSpec = {
  commonName: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  notBefore: Date;
  notAfter: Date;
  isCA?: boolean;
  /** The subject's public key. */
  publicKeyPem: string;
  /** Signer: omit for self-signed (then `selfSigningKeyPem` signs). */
  issuer?: { certificatePem: string; privateKeyPem: string };
  selfSigningKeyPem?: string;
  organization?: string;
  /** A client certificate (extended key usage clientAuth instead of serverAuth). */
  clientAuth?: boolean;
};

// A positive 128-bit serial (RFC 5280: at most 20 octets, positive): first bit cleared.
const newSerial = (): string => {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString('hex');
};

const subjectOf = (spec: CertificateSpec): forge.pki.CertificateField[] => [
  { name: 'commonName', value: spec.commonName },
  ...(spec.organization ? [{ name: 'organizationName', value: spec.organization }] : []),
];

const altNamesOf = (spec: CertificateSpec) => [
  ...(spec.dnsNames ?? []).map((value) => ({ type: 2, value })),
  ...(spec.ipAddresses ?? []).map((ip) => {
    if (!isIP(ip)) throw new Error(`"${ip}" is not an IP address`);
    return { type: 7, ip };
  }),
];

const extensionsOf = (spec: CertificateSpec): object[] => {
  const extensions: object[] = [
    { name: 'basicConstraints', cA: spec.isCA === true, critical: true },
    spec.isCA
      ? { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true }
      : { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ];
  if (!spec.isCA) extensions.push(spec.clientAuth ? { name: 'extKeyUsage', clientAuth: true } : { name: 'extKeyUsage', serverAuth: true });
  const altNames = altNamesOf(spec);
  if (altNames.length > 0) extensions.push({ name: 'subjectAltName', altNames });
  return extensions;
};

// forge.pki.oids.sha256WithRSAEncryption
const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';

type ForgeInternals = { getTBSCertificate(certificate: forge.pki.Certificate): forge.asn1.Asn1 };

/** Signs the TBS certificate natively with node:crypto, producing what forge.sign would. */
const signCertificate = (certificate: forge.pki.Certificate, signingKeyPem: string): void => {
  const unsigned = certificate as forge.pki.Certificate & { siginfo: { algorithmOid: string }; signatureOid: string; signature: string };
  unsigned.siginfo.algorithmOid = SHA256_WITH_RSA;
  unsigned.signatureOid = SHA256_WITH_RSA;
  const { pki, asn1 } = forgeOf();
  const tbs = (pki as unknown as ForgeInternals).getTBSCertificate(certificate);
  unsigned.signature = cryptoSign('sha256', Buffer.from(asn1.toDer(tbs).getBytes(), 'binary'), signingKeyPem).toString('binary');
};

/** Builds and signs a certificate; returns PEM. */
export const buildCertificate = (spec: CertificateSpec): string => {
  const { pki } = forgeOf();
  const certificate = pki.createCertificate();
  certificate.publicKey = pki.publicKeyFromPem(spec.publicKeyPem);
  certificate.serialNumber = newSerial();
  certificate.validity.notBefore = spec.notBefore;
  certificate.validity.notAfter = spec.notAfter;
  certificate.setSubject(subjectOf(spec));
  const extensions = extensionsOf(spec);
  let signingKeyPem: string;
  if (spec.issuer) {
    const issuer = pki.certificateFromPem(spec.issuer.certificatePem);
    certificate.setIssuer(issuer.subject.attributes);
    const issuerKeyId = issuer.generateSubjectKeyIdentifier().getBytes();
    extensions.push({ name: 'authorityKeyIdentifier', keyIdentifier: issuerKeyId });
    signingKeyPem = spec.issuer.privateKeyPem;
  } else {
    certificate.setIssuer(subjectOf(spec));
    if (!spec.selfSigningKeyPem) throw new Error('a self-signed certificate needs selfSigningKeyPem');
    signingKeyPem = spec.selfSigningKeyPem;
  }
  certificate.setExtensions(extensions);
  signCertificate(certificate, signingKeyPem);
  return pki.certificateToPem(certificate);
};

const DAY_MS = 24 * 60 * 60 * 1000;

/** notBefore a little in the past: clocks in a cluster are not perfectly in step. */
export const validityWindow = (days: number, now = new Date()): { notBefore: Date; notAfter: Date } => ({
  notBefore: new Date(now.getTime() - 5 * 60 * 1000),
  notAfter: new Date(now.getTime() + days * DAY_MS),
});

export type Issued = { certificatePem: string; privateKeyPem: string };

/** A fresh self-signed certificate with its key (used for placeholders and CAs). */
export const issueSelfSigned = async (spec: Omit<CertificateSpec, 'publicKeyPem' | 'issuer' | 'selfSigningKeyPem'>): Promise<Issued> => {
  const keys = await generateRsaKeyPair();
  const certificatePem = buildCertificate({ ...spec, publicKeyPem: keys.publicKeyPem, selfSigningKeyPem: keys.privateKeyPem });
  return { certificatePem, privateKeyPem: keys.privateKeyPem };
};

/** A fresh certificate with its key, signed by `issuer`. */
export const issueSigned = async (spec: Omit<CertificateSpec, 'publicKeyPem' | 'issuer' | 'selfSigningKeyPem'>, issuer: Issued): Promise<Issued> => {
  const keys = await generateRsaKeyPair();
  const certificatePem = buildCertificate({
    ...spec,
    publicKeyPem: keys.publicKeyPem,
    issuer: { certificatePem: issuer.certificatePem, privateKeyPem: issuer.privateKeyPem },
  });
  return { certificatePem, privateKeyPem: keys.privateKeyPem };
};

// ---------------------------------------------------------------- any key algorithm

/** cert-manager's spec.privateKey algorithms and sizes (RSA 2048/3072/4096, ECDSA P-256/384/521, Ed25519). */
export type KeySpec = { algorithm: 'RSA'; size: 2048 | 3072 | 4096 } | { algorithm: 'ECDSA'; size: 256 | 384 | 521 } | { algorithm: 'Ed25519' };

export const DEFAULT_KEY: KeySpec = { algorithm: 'RSA', size: 2048 };

const CURVES = { 256: 'prime256v1', 384: 'secp384r1', 521: 'secp521r1' } as const;

/** Signature algorithm per key: OID and the digest node:crypto signs with (Ed25519 hashes itself). */
const SIGNATURES = {
  256: { oid: '1.2.840.10045.4.3.2', digest: 'sha256' },
  384: { oid: '1.2.840.10045.4.3.3', digest: 'sha384' },
  521: { oid: '1.2.840.10045.4.3.4', digest: 'sha512' },
  Ed25519: { oid: '1.3.101.112', digest: null },
} as const;

/** A key pair of any supported algorithm, generated in libuv's thread pool (off the event loop). */
export const generateKeyPairFor = async (key: KeySpec): Promise<KeyPair> => {
  if (key.algorithm === 'RSA') return generateRsaKeyPair(key.size);
  const publicKeyEncoding = { type: 'spki', format: 'pem' } as const;
  const { privateKey, publicKey } =
    key.algorithm === 'ECDSA'
      ? // SEC 1 "EC PRIVATE KEY": cert-manager's default (PKCS1) encoding for ECDSA keys.
        await generateKeyPairAsync('ec', { namedCurve: CURVES[key.size], publicKeyEncoding, privateKeyEncoding: { type: 'sec1', format: 'pem' } })
      : await generateKeyPairAsync('ed25519', { publicKeyEncoding, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
};

// Any RSA public key lets forge lay out the TBS certificate; its SubjectPublicKeyInfo is then replaced.
const layoutKeyOf = ({ pki, jsbn }: typeof forge): forge.pki.PublicKey => pki.setRsaPublicKey(new jsbn.BigInteger('c3', 16), new jsbn.BigInteger('10001', 16));

const algorithmIdentifier = (asn1: typeof forge.asn1, oid: string): forge.asn1.Asn1 =>
  // RFC 5758 §3.2 and RFC 8410 §3: ECDSA and Ed25519 signature algorithms carry no parameters.
  asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(oid).getBytes())]);

/** A self-signed certificate for an ECDSA or Ed25519 key (no subjectKeyIdentifier: optional for a leaf, RFC 5280 §4.2.1.2). */
const buildSelfSignedForKey = (
  spec: Omit<CertificateSpec, 'publicKeyPem' | 'issuer' | 'selfSigningKeyPem'>,
  keys: KeyPair,
  key: Exclude<KeySpec, { algorithm: 'RSA' }>,
): string => {
  const loaded = forgeOf();
  const { asn1 } = loaded;
  const certificate = loaded.pki.createCertificate();
  certificate.publicKey = layoutKeyOf(loaded);
  certificate.serialNumber = newSerial();
  certificate.validity.notBefore = spec.notBefore;
  certificate.validity.notAfter = spec.notAfter;
  certificate.setSubject(subjectOf(spec as CertificateSpec));
  certificate.setIssuer(subjectOf(spec as CertificateSpec));
  certificate.setExtensions(extensionsOf(spec as CertificateSpec).filter((extension) => (extension as { name?: string }).name !== 'subjectKeyIdentifier'));
  const signature = SIGNATURES[key.algorithm === 'ECDSA' ? key.size : 'Ed25519'];
  (certificate as unknown as { siginfo: { algorithmOid: string } }).siginfo.algorithmOid = SHA256_WITH_RSA; // laid out, then replaced
  const tbs = (loaded.pki as unknown as ForgeInternals).getTBSCertificate(certificate);
  const fields = tbs.value as forge.asn1.Asn1[];
  // TBSCertificate: [0] version, serial, signature, issuer, validity, subject, subjectPublicKeyInfo, …
  fields[2] = algorithmIdentifier(asn1, signature.oid);
  const spki = createPublicKey(keys.publicKeyPem).export({ type: 'spki', format: 'der' });
  fields[6] = asn1.fromDer(loaded.util.createBuffer(spki.toString('binary')));
  const tbsDer = Buffer.from(asn1.toDer(tbs).getBytes(), 'binary');
  const signed = cryptoSign(signature.digest, tbsDer, keys.privateKeyPem);
  const whole = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    tbs,
    algorithmIdentifier(asn1, signature.oid),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, `\u0000${signed.toString('binary')}`),
  ]);
  return loaded.pem.encode({ type: 'CERTIFICATE', body: asn1.toDer(whole).getBytes() }).replace(/\r\n/g, '\n');
};

/** A fresh self-signed leaf certificate with a key of the given algorithm and size (placeholders). */
export const issueSelfSignedWithKey = async (
  spec: Omit<CertificateSpec, 'publicKeyPem' | 'issuer' | 'selfSigningKeyPem' | 'isCA'>,
  key: KeySpec,
): Promise<Issued> => {
  const keys = await generateKeyPairFor(key);
  const certificatePem =
    key.algorithm === 'RSA'
      ? buildCertificate({ ...spec, publicKeyPem: keys.publicKeyPem, selfSigningKeyPem: keys.privateKeyPem })
      : buildSelfSignedForKey(spec, keys, key);
  return { certificatePem, privateKeyPem: keys.privateKeyPem };
};
