// In-cluster certificate bootstrap, the pure part: given what is stored now, decide whether the
// CA and the serving certificate are kept or (re)issued, and which CAs the webhooks must trust.
//
// Rotation never breaks a call because trust moves before the certificate does:
//   run N:   the CA is near expiry → a new CA is made; caBundle = new + old (both trusted);
//            the serving certificate, still signed by the old CA, is kept.
//   run N+1: the webhooks already trusted the new CA when this run started → the serving
//            certificate is re-signed by the new CA. The old CA stays in the bundle until it expires.
// "Already trusted when the run started" is read from the webhook configurations themselves, so
// no state is kept anywhere else and a crashed run is simply repeated.
import { createPrivateKey, X509Certificate } from 'node:crypto';

const DAY_MS = 24 * 60 * 60 * 1000;

export type Material = { certificatePem: string; privateKeyPem: string };

export type BootstrapSettings = {
  caValidityDays: number;
  /** A CA with less than this left is replaced (and kept in the bundle until it expires). */
  caRenewBeforeDays: number;
  validityDays: number;
  /** A serving certificate with less than this left (or whose CA has less left) is re-issued. */
  renewBeforeDays: number;
  dnsNames: string[];
  ipAddresses: string[];
};

export type CaReason = 'missing' | 'unusable' | 'expiring';
export type CaDecision = { action: 'keep'; detail: string } | { action: 'issue'; reason: CaReason; detail: string };

export type ServingReason = 'missing' | 'unusable' | 'names-changed' | 'untrusted-issuer' | 'expiring' | 'ca-rotated';
export type ServingDecision =
  | { action: 'keep'; detail: string }
  /** Signed by a previous CA, and the current one is not yet trusted by every webhook: next run. */
  | { action: 'wait'; detail: string }
  | { action: 'issue'; reason: ServingReason; detail: string };

const CERTIFICATE_PEM = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The certificates in a PEM bundle, in order (anything else in the text is ignored). */
export const splitPem = (text: string): string[] => (text.match(CERTIFICATE_PEM) ?? []).map((pem) => `${pem}\n`);

export const parseCertificate = (pem: string): X509Certificate | undefined => {
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
};

const day = (date: Date): string => date.toISOString().slice(0, 10);
const daysLeft = (notAfter: Date, now: Date): number => (notAfter.getTime() - now.getTime()) / DAY_MS;

const keyMatches = (certificate: X509Certificate, privateKeyPem: string): boolean => {
  try {
    return certificate.checkPrivateKey(createPrivateKey(privateKeyPem));
  } catch {
    return false;
  }
};

export const decideCa = (ca: Material | undefined, now: Date, settings: BootstrapSettings): CaDecision => {
  if (!ca) return { action: 'issue', reason: 'missing', detail: 'no CA yet' };
  const certificate = parseCertificate(ca.certificatePem);
  if (!certificate) return { action: 'issue', reason: 'unusable', detail: 'the stored CA certificate does not parse' };
  if (!certificate.ca) return { action: 'issue', reason: 'unusable', detail: 'the stored CA certificate is not a CA' };
  if (!keyMatches(certificate, ca.privateKeyPem)) return { action: 'issue', reason: 'unusable', detail: 'the stored CA key does not match its certificate' };
  const left = daysLeft(certificate.validToDate, now);
  if (left < settings.caRenewBeforeDays) {
    return { action: 'issue', reason: 'expiring', detail: `the CA expires ${day(certificate.validToDate)}, within ${settings.caRenewBeforeDays} days` };
  }
  return { action: 'keep', detail: `the CA is valid until ${day(certificate.validToDate)}` };
};

/**
 * The CAs to trust: `current` first, then the others still valid, without duplicates. Expired and
 * unparseable entries are dropped — nothing they signed can still be valid — and so is anything
 * that is not a CA certificate: the bundle is what the API server trusts.
 */
export const mergeBundle = (current: string, previous: string[], now: Date): string[] => {
  const seen = new Set<string>();
  const result: string[] = [];
  for (const pem of [current, ...previous]) {
    const certificate = parseCertificate(pem);
    if (!certificate?.ca || certificate.validToDate.getTime() <= now.getTime() || seen.has(certificate.fingerprint256)) continue;
    seen.add(certificate.fingerprint256);
    result.push(certificate.toString());
  }
  return result;
};

/** A webhook's clientConfig.caBundle: base64 of the concatenated PEMs. */
export const encodeCaBundle = (bundle: string[]): string => Buffer.from(bundle.join('')).toString('base64');

export const caBundleFingerprints = (caBundle: string | undefined): Set<string> => {
  const pems = splitPem(Buffer.from(caBundle ?? '', 'base64').toString('utf8'));
  return new Set(pems.flatMap((pem) => parseCertificate(pem)?.fingerprint256 ?? []));
};

/** Whether every webhook already trusts `caPem` (vacuously true with no webhooks: nobody to break). */
export const isTrustedByAll = (caPem: string, caBundles: (string | undefined)[]): boolean => {
  const fingerprint = parseCertificate(caPem)?.fingerprint256;
  return fingerprint !== undefined && caBundles.every((bundle) => caBundleFingerprints(bundle).has(fingerprint));
};

const sameSet = (a: string[], b: string[]): boolean => a.length === b.length && new Set([...a, ...b]).size === a.length;

/** DNS and IP SANs as node:crypto prints them ("DNS:a, IP Address:10.0.0.1"). */
export const subjectAltNames = (certificate: X509Certificate): { dnsNames: string[]; ipAddresses: string[] } => {
  const entries = (certificate.subjectAltName ?? '').split(', ').filter(Boolean);
  return {
    dnsNames: entries.filter((entry) => entry.startsWith('DNS:')).map((entry) => entry.slice(4)),
    ipAddresses: entries.filter((entry) => entry.startsWith('IP Address:')).map((entry) => entry.slice(11)),
  };
};

const signedBy = (certificate: X509Certificate, ca: X509Certificate): boolean => certificate.checkIssued(ca) && certificate.verify(ca.publicKey);

export type ServingInput = {
  serving: Material | undefined;
  /** The CA that signs new serving certificates (already decided). */
  caPem: string;
  /** Every CA the webhooks will trust, current first. */
  bundle: string[];
  /** Whether all webhooks trusted the current CA before this run started. */
  caTrusted: boolean;
  now: Date;
  settings: BootstrapSettings;
};

export const decideServing = (input: ServingInput): ServingDecision => {
  const { serving, now, settings } = input;
  if (!serving) return { action: 'issue', reason: 'missing', detail: 'no serving certificate yet' };
  const certificate = parseCertificate(serving.certificatePem);
  if (!certificate) return { action: 'issue', reason: 'unusable', detail: 'the stored serving certificate does not parse' };
  if (!keyMatches(certificate, serving.privateKeyPem))
    return { action: 'issue', reason: 'unusable', detail: 'the stored serving key does not match its certificate' };
  const names = subjectAltNames(certificate);
  if (!sameSet(names.dnsNames, settings.dnsNames) || !sameSet(names.ipAddresses, settings.ipAddresses)) {
    return { action: 'issue', reason: 'names-changed', detail: `the certificate names ${[...names.dnsNames, ...names.ipAddresses].join(', ')}` };
  }
  const issuers = input.bundle.flatMap((pem) => parseCertificate(pem) ?? []);
  const issuer = issuers.find((ca) => signedBy(certificate, ca));
  if (!issuer) return { action: 'issue', reason: 'untrusted-issuer', detail: 'the serving certificate is not signed by a CA in the bundle' };
  // A certificate is no longer trusted once its CA expires, whatever its own notAfter says.
  const effectiveEnd = new Date(Math.min(certificate.validToDate.getTime(), issuer.validToDate.getTime()));
  if (daysLeft(effectiveEnd, now) < settings.renewBeforeDays) {
    return {
      action: 'issue',
      reason: 'expiring',
      detail: `the serving certificate stops being valid ${day(effectiveEnd)}, within ${settings.renewBeforeDays} days`,
    };
  }
  const current = parseCertificate(input.caPem);
  if (current && issuer.fingerprint256 !== current.fingerprint256) {
    if (input.caTrusted) return { action: 'issue', reason: 'ca-rotated', detail: 'signed by the previous CA; every webhook now trusts the new one' };
    return { action: 'wait', detail: 'signed by the previous CA; re-signed on the next run, once every webhook trusts the new CA' };
  }
  return { action: 'keep', detail: `the serving certificate is valid until ${day(effectiveEnd)}` };
};

/** Validity for a new serving certificate: never past its CA's end. */
export const servingValidity = (caPem: string, now: Date, validityDays: number): { notBefore: Date; notAfter: Date } => {
  const caEnd = parseCertificate(caPem)?.validToDate.getTime() ?? Number.POSITIVE_INFINITY;
  return {
    // A little in the past: clocks in a cluster are not perfectly in step.
    notBefore: new Date(now.getTime() - 5 * 60 * 1000),
    notAfter: new Date(Math.min(now.getTime() + validityDays * DAY_MS, caEnd)),
  };
};

/** Settings that would renew on every run are a configuration error, not a loop. */
export const checkSettings = (settings: BootstrapSettings): string[] => [
  ...(settings.caRenewBeforeDays >= settings.caValidityDays
    ? [`--ca-renew-before (${settings.caRenewBeforeDays}d) must be less than --ca-validity (${settings.caValidityDays}d)`]
    : []),
  ...(settings.renewBeforeDays >= settings.validityDays
    ? [`--renew-before (${settings.renewBeforeDays}d) must be less than --validity (${settings.validityDays}d)`]
    : []),
  // The serving certificate's usable life is capped by its CA's: after a rotation the old CA has
  // caRenewBeforeDays left, and the serving certificate must be renewable inside that.
  ...(settings.renewBeforeDays >= settings.caRenewBeforeDays
    ? [`--renew-before (${settings.renewBeforeDays}d) must be less than --ca-renew-before (${settings.caRenewBeforeDays}d)`]
    : []),
];
