// X.509 certificates for certguard's own serving certificate, its CA, and placeholder Secrets.
// Keys come from node:crypto (asynchronous, off the event loop); node-forge builds the
// certificate and node:crypto signs its TBS bytes natively (about a millisecond): forge's own
// sign() does RSA in JavaScript on the event loop (~150 ms, stalling every review meanwhile).
// forge encodes X.509 for RSA only, so keys are RSA.
import { generateKeyPair, randomBytes, sign as cryptoSign } from 'node:crypto';
import { isIP } from 'node:net';
import { promisify } from 'node:util';
import forge from 'node-forge';

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
  if (!spec.isCA) extensions.push({ name: 'extKeyUsage', serverAuth: true });
  const altNames = altNamesOf(spec);
  if (altNames.length > 0) extensions.push({ name: 'subjectAltName', altNames });
  return extensions;
};

const SHA256_WITH_RSA = forge.pki.oids.sha256WithRSAEncryption as string;

type ForgeInternals = { getTBSCertificate(certificate: forge.pki.Certificate): forge.asn1.Asn1 };

/** Signs the TBS certificate natively with node:crypto, producing what forge.sign would. */
const signCertificate = (certificate: forge.pki.Certificate, signingKeyPem: string): void => {
  const unsigned = certificate as forge.pki.Certificate & { siginfo: { algorithmOid: string }; signatureOid: string; signature: string };
  unsigned.siginfo.algorithmOid = SHA256_WITH_RSA;
  unsigned.signatureOid = SHA256_WITH_RSA;
  const tbs = (forge.pki as unknown as ForgeInternals).getTBSCertificate(certificate);
  unsigned.signature = cryptoSign('sha256', Buffer.from(forge.asn1.toDer(tbs).getBytes(), 'binary'), signingKeyPem).toString('binary');
};

/** Builds and signs a certificate; returns PEM. */
export const buildCertificate = (spec: CertificateSpec): string => {
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(spec.publicKeyPem);
  certificate.serialNumber = newSerial();
  certificate.validity.notBefore = spec.notBefore;
  certificate.validity.notAfter = spec.notAfter;
  certificate.setSubject(subjectOf(spec));
  const extensions = extensionsOf(spec);
  let signingKeyPem: string;
  if (spec.issuer) {
    const issuer = forge.pki.certificateFromPem(spec.issuer.certificatePem);
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
  return forge.pki.certificateToPem(certificate);
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
export const issueSigned = async (
  spec: Omit<CertificateSpec, 'publicKeyPem' | 'issuer' | 'selfSigningKeyPem'>,
  issuer: Issued,
): Promise<Issued> => {
  const keys = await generateRsaKeyPair();
  const certificatePem = buildCertificate({ ...spec, publicKeyPem: keys.publicKeyPem, issuer: { certificatePem: issuer.certificatePem, privateKeyPem: issuer.privateKeyPem } });
  return { certificatePem, privateKeyPem: keys.privateKeyPem };
};
