// Whether an existing Secret can serve TLS. A listener whose Secret is present but unusable
// breaks the Gateway just like a missing one (Envoy Gateway #9463: one Secret whose key did not
// match its certificate took down 19 listeners). node:crypto parses RSA and ECDSA alike.
import { createHash, createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { labelOf, stringMapOf } from '../../kube/accessors.ts';
import type { KubeObject } from '../../kube/object.ts';
import { PLACEHOLDER_LABEL, PLACEHOLDER_ORGANIZATION } from './placeholder-labels.ts';

export const TLS_SECRET_TYPE = 'kubernetes.io/tls';

export type ContentProblem =
  | { code: 'wrong-type'; type: string }
  | { code: 'missing-keys'; keys: string[] }
  | { code: 'bad-certificate' }
  | { code: 'bad-key' }
  | { code: 'key-mismatch' }
  | { code: 'expired'; notAfter: Date };

/** A data key's bytes. stringData only appears in hand-written manifests (fixtures), never from the API. */
const valueOf = (secret: KubeObject, key: string): Buffer | undefined => {
  const data = stringMapOf(secret.data)[key];
  if (data) return Buffer.from(data, 'base64');
  const stringData = stringMapOf(secret.stringData)[key];
  return stringData ? Buffer.from(stringData, 'utf8') : undefined;
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

/** What the PEM pair says, independent of the clock and of the Secret's labels. */
type Parsed = { problem: ContentProblem } | { notAfter: Date; placeholderIssuer: boolean };

const parsePair = (crt: Buffer, key: Buffer): Parsed => {
  const certificate = parseCertificate(crt);
  if (!certificate) return { problem: { code: 'bad-certificate' } };
  const privateKey = parseKey(key);
  if (!privateKey) return { problem: { code: 'bad-key' } };
  if (!certificate.checkPrivateKey(privateKey)) return { problem: { code: 'key-mismatch' } };
  return { notAfter: certificate.validToDate, placeholderIssuer: certificate.issuer.split('\n').includes(`O=${PLACEHOLDER_ORGANIZATION}`) };
};

// Parsing a key costs ~0.1 ms and a 25-listener Gateway references 25 Secrets on every review:
// the verdict for the same bytes is cached by digest (no Secret data is kept). 4096 entries
// cover the TLS Secrets of a large cluster's Gateways.
const PARSED_CACHE_SIZE = 4096;
const parsedCache = new Map<string, Parsed>();

const parseCached = (crt: Buffer, key: Buffer): Parsed => {
  const digest = createHash('sha256').update(crt).update('\0').update(key).digest('base64');
  const cached = parsedCache.get(digest);
  if (cached) return cached;
  const parsed = parsePair(crt, key);
  if (parsedCache.size >= PARSED_CACHE_SIZE) parsedCache.delete(parsedCache.keys().next().value as string);
  parsedCache.set(digest, parsed);
  return parsed;
};

/** The first reason `secret` cannot serve TLS at `now`, or undefined when it can. */
export const checkSecretContent = (secret: KubeObject, now: Date): ContentProblem | undefined => {
  const type = typeof secret.type === 'string' ? secret.type : 'Opaque';
  if (type !== TLS_SECRET_TYPE) return { code: 'wrong-type', type };
  const crt = valueOf(secret, 'tls.crt');
  const key = valueOf(secret, 'tls.key');
  const missing = [...(crt ? [] : ['tls.crt']), ...(key ? [] : ['tls.key'])];
  if (!crt || !key) return { code: 'missing-keys', keys: missing };
  const parsed = parseCached(crt, key);
  if ('problem' in parsed) return parsed.problem;
  // A certguard placeholder is self-signed and short-lived by design: expired, it still lets the
  // Gateway program (clients distrust it either way), so only its shape is judged. The label
  // alone is not enough: cert-manager writes the real certificate into the same Secret.
  const placeholder = parsed.placeholderIssuer && labelOf(secret, PLACEHOLDER_LABEL) === 'true';
  if (parsed.notAfter < now && !placeholder) return { code: 'expired', notAfter: parsed.notAfter };
  return undefined;
};
