// Whether an existing Secret can serve TLS. A listener whose Secret is present but unusable
// breaks the Gateway just like a missing one (Envoy Gateway #9463: one Secret whose key did not
// match its certificate took down 19 listeners). node:crypto parses RSA and ECDSA alike.
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import type { KubeObject } from '../../admission/types.ts';
import { isCertguardPlaceholder } from './placeholder-labels.ts';

export const TLS_SECRET_TYPE = 'kubernetes.io/tls';

export type ContentProblem =
  | { code: 'wrong-type'; type: string }
  | { code: 'missing-keys'; keys: string[] }
  | { code: 'bad-certificate' }
  | { code: 'bad-key' }
  | { code: 'key-mismatch' }
  | { code: 'expired'; notAfter: Date };

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

/** The first reason `secret` cannot serve TLS at `now`, or undefined when it can. */
export const checkSecretContent = (secret: KubeObject, now: Date): ContentProblem | undefined => {
  const type = typeof secret.type === 'string' ? secret.type : 'Opaque';
  if (type !== TLS_SECRET_TYPE) return { code: 'wrong-type', type };
  const crt = valueOf(secret, 'tls.crt');
  const key = valueOf(secret, 'tls.key');
  const missing = [...(crt ? [] : ['tls.crt']), ...(key ? [] : ['tls.key'])];
  if (!crt || !key) return { code: 'missing-keys', keys: missing };
  const certificate = parseCertificate(crt);
  if (!certificate) return { code: 'bad-certificate' };
  const privateKey = parseKey(key);
  if (!privateKey) return { code: 'bad-key' };
  if (!certificate.checkPrivateKey(privateKey)) return { code: 'key-mismatch' };
  // A certguard placeholder is self-signed and short-lived by design: expired, it still lets the
  // Gateway program (clients distrust it either way), so only its shape is judged.
  if (certificate.validToDate < now && !isCertguardPlaceholder(secret, certificate)) return { code: 'expired', notAfter: certificate.validToDate };
  return undefined;
};
