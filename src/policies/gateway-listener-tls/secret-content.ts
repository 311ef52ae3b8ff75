// Whether an existing Secret can serve TLS. A listener whose Secret is present but unusable
// breaks the Gateway just like a missing one (Envoy Gateway #9463: one Secret whose key did not
// match its certificate took down 19 listeners). node:crypto parses RSA and ECDSA alike.
// tls-secret-in-use judges a Secret's UPDATE with the same function.
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import type { ContentJudge } from '../../cluster/view.ts';
import type { KubeObject } from '../../kube/object.ts';
import { PLACEHOLDER_LABEL, PLACEHOLDER_ORGANIZATION } from './placeholder-labels.ts';

export const TLS_SECRET_TYPE = 'kubernetes.io/tls';

export type ContentProblem =
  | { code: 'wrong-type'; type: string }
  | { code: 'missing-keys'; keys: string[] }
  | { code: 'bad-certificate' }
  | { code: 'bad-key' }
  | { code: 'key-mismatch' }
  | { code: 'expired'; notAfter: Date }
  | { code: 'not-yet-valid'; notBefore: Date }
  | { code: 'weak-rsa-key'; bits: number };

/**
 * Envoy refuses a leaf whose RSA key is shorter ("only RSA certificates with 2048-bit or larger
 * keys are supported", envoyproxy/envoy source/common/tls/context_impl.cc).
 */
export const MIN_RSA_BITS = 2048;

/**
 * How far ahead of certguard's clock a notBefore may be and still count as valid: cert-manager's
 * CA and self-signed issuers sign with notBefore = now on their own node's clock.
 */
export const CLOCK_SKEW_MS = 5 * 60 * 1000;

type SecretData = { data?: Record<string, string>; stringData?: Record<string, string> };

/** A data key's bytes. stringData only appears in hand-written manifests (fixtures), never from the API. */
const valueOf = (secret: KubeObject, key: string): Buffer | undefined => {
  const { data, stringData } = secret as SecretData;
  if (data?.[key]) return Buffer.from(data[key], 'base64');
  if (stringData?.[key]) return Buffer.from(stringData[key], 'utf8');
  return undefined;
};

// Controllers read PEM only; X509Certificate would also accept DER, which they would not.
const parseCertificate = (bytes: Buffer): X509Certificate | undefined => {
  if (!bytes.includes('-----BEGIN CERTIFICATE-----')) return undefined;
  try {
    return new X509Certificate(bytes);
  } catch {
    return undefined;
  }
};

// An encrypted key throws here too: no Gateway controller can use one.
const parseKey = (bytes: Buffer): KeyObject | undefined => {
  try {
    return createPrivateKey({ key: bytes, format: 'pem' });
  } catch {
    return undefined;
  }
};

/** The leaf's names a client checks a hostname against: its DNS subjectAltNames. */
export type ServedNames = {
  dnsNames: string[];
  /**
   * The subject's common name, kept only when the leaf has no DNS subjectAltName, for the message:
   * Go's crypto/x509 ignores it (VerifyHostname: "the legacy Common Name field is ignored"), so it
   * never covers a hostname here. RFC 6125 §6.4.4 and OpenSSL would fall back to it then.
   */
  commonName?: string;
};

/** Node quotes a value holding a separator or a quote as a JSON string (CVE-2021-44532). */
const unquote = (value: string): string => {
  if (!value.startsWith('"')) return value;
  try {
    return String(JSON.parse(value));
  } catch {
    return value;
  }
};

const DNS_SAN = /(?:^|, )DNS:("(?:[^"\\]|\\.)*"|[^,]*)/g;

const servedNamesOf = (certificate: X509Certificate): ServedNames => {
  const dnsNames = [...(certificate.subjectAltName ?? '').matchAll(DNS_SAN)].map((match) => unquote(match[1] ?? '')).filter((name) => name !== '');
  if (dnsNames.length > 0) return { dnsNames };
  const commonName = certificate.subject.split('\n').find((line) => line.startsWith('CN='));
  return commonName ? { dnsNames, commonName: unquote(commonName.slice(3)) } : { dnsNames };
};

/** What the PEM pair says, independent of the clock and of the Secret's labels. */
type Parsed = { problem: ContentProblem } | { notBefore: Date; notAfter: Date; placeholderIssuer: boolean; names: ServedNames };

const rsaBitsOf = (certificate: X509Certificate): number | undefined =>
  certificate.publicKey.asymmetricKeyType === 'rsa' ? certificate.publicKey.asymmetricKeyDetails?.modulusLength : undefined;

const parsePair = (crt: Buffer, key: Buffer): Parsed => {
  const certificate = parseCertificate(crt);
  if (!certificate) return { problem: { code: 'bad-certificate' } };
  const privateKey = parseKey(key);
  if (!privateKey) return { problem: { code: 'bad-key' } };
  if (!certificate.checkPrivateKey(privateKey)) return { problem: { code: 'key-mismatch' } };
  const bits = rsaBitsOf(certificate);
  if (bits !== undefined && bits < MIN_RSA_BITS) return { problem: { code: 'weak-rsa-key', bits } };
  const placeholderIssuer = certificate.issuer.split('\n').includes(`O=${PLACEHOLDER_ORGANIZATION}`);
  return { notBefore: certificate.validFromDate, notAfter: certificate.validToDate, placeholderIssuer, names: servedNamesOf(certificate) };
};

/**
 * What a Secret's content says, independent of the clock: a problem, or when its certificate
 * expires and which names it serves (public: they are in every TLS handshake). The cluster view
 * keeps this (never the Secret) while the Secret is unchanged, so parsing a key (~0.1 ms, 25 per
 * review of a 25-listener Gateway) happens once per Secret version.
 */
export type ContentJudgement = { problem: ContentProblem } | { notBefore: Date; notAfter: Date; placeholder: boolean; names: ServedNames };

export const judgeSecretContent = (secret: KubeObject): ContentJudgement => {
  const type = typeof secret.type === 'string' ? secret.type : 'Opaque';
  if (type !== TLS_SECRET_TYPE) return { problem: { code: 'wrong-type', type } };
  const crt = valueOf(secret, 'tls.crt');
  const key = valueOf(secret, 'tls.key');
  const missing = [...(crt ? [] : ['tls.crt']), ...(key ? [] : ['tls.key'])];
  if (!crt || !key) return { problem: { code: 'missing-keys', keys: missing } };
  const parsed = parsePair(crt, key);
  if ('problem' in parsed) return parsed;
  // A certguard placeholder is self-signed and short-lived by design: expired, it still lets the
  // Gateway program (clients distrust it either way), so only its shape is judged. The label
  // alone is not enough: cert-manager writes the real certificate into the same Secret.
  const placeholder = parsed.placeholderIssuer && secret.metadata?.labels?.[PLACEHOLDER_LABEL] === 'true';
  return { notBefore: parsed.notBefore, notAfter: parsed.notAfter, placeholder, names: parsed.names };
};

/** The judge the cluster view remembers verdicts of (bump the id when the judgement changes: 2 added the names, 3 notBefore and weak RSA keys). */
export const SECRET_CONTENT_JUDGE: ContentJudge<ContentJudgement> = { id: 'gateway-listener-tls/secret-content/3', judge: judgeSecretContent };

/** The judgement at `now`: the validity window is the one property that changes with time alone. */
export const problemAt = (judgement: ContentJudgement, now: Date): ContentProblem | undefined => {
  if ('problem' in judgement) return judgement.problem;
  if (judgement.placeholder) return undefined;
  // getTime(): a Date compared with `<` goes through Symbol.toPrimitive, 25 times per review.
  if (judgement.notAfter.getTime() < now.getTime()) return { code: 'expired', notAfter: judgement.notAfter };
  if (judgement.notBefore.getTime() > now.getTime() + CLOCK_SKEW_MS) return { code: 'not-yet-valid', notBefore: judgement.notBefore };
  return undefined;
};

/** The first reason `secret` cannot serve TLS at `now`, or undefined when it can. */
export const checkSecretContent = (secret: KubeObject, now: Date): ContentProblem | undefined => problemAt(judgeSecretContent(secret), now);
