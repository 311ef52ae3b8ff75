// The placeholder Secret of placeholder mode (incidents 000/001: the fix that ended a 17-hour outage,
// made by hand). Self-signed, short-lived, marked; cert-manager later writes the real certificate
// into the same Secret. The policy only plans it: src/admission/complete.ts creates it.
import { DEFAULT_KEY, issueSelfSignedWithKey, validityWindow, type Issued, type KeySpec } from '../../certs/x509.ts';
import type { Filler } from './issuance.ts';
import type { KubeObject } from '../../kube/object.ts';
import {
  CERT_MANAGER_FAO_LABEL,
  CREATED_AT_ANNOTATION,
  LISTENERS_ANNOTATION,
  OWNER_ANNOTATION,
  PLACEHOLDER_LABEL,
  PLACEHOLDER_ORGANIZATION,
  SENTINEL_ANNOTATIONS,
} from './placeholder-labels.ts';
import { MANAGED_BY, MANAGED_BY_LABEL } from '../../kube/labels.ts';
import type { ListenerOwner } from '../../kube/gateway.ts';
import { TLS_SECRET_TYPE } from './secret-content.ts';
import type { GatewayListenerTlsSettings } from './settings.ts';

export type PlaceholderCertificateSpec = {
  commonName: string;
  dnsNames: string[];
  notBefore: Date;
  notAfter: Date;
  organization: string;
  /** The Certificate's key algorithm and size: with rotationPolicy Never cert-manager keeps this key. */
  key: KeySpec;
};

/** Makes the key and certificate; injectable so tests need not wait for key generation. */
export type GeneratePlaceholder = (spec: PlaceholderCertificateSpec) => Promise<Issued>;

/** The key from node:crypto (thread pool, off the event loop), the certificate signed natively (x509.ts). */
export const generatePlaceholderCertificate: GeneratePlaceholder = ({ key, ...spec }) => issueSelfSignedWithKey(spec, key);

/** The Secret to create, with the listeners that need it (one Secret may serve several). */
export type PlaceholderTarget = {
  namespace: string;
  name: string;
  owner: ListenerOwner;
  listenerNames: string[];
  hostnames: string[];
  /** The Certificate that will fill the Secret (issuance.ts), when one will. */
  filler?: Filler;
};

// X.509 caps a CommonName at 64 characters; a longer hostname still goes in the SAN.
const MAX_COMMON_NAME = 64;

/** The Certificate's names when it has DNS names, else the listeners' hostnames. */
const namesOf = (target: PlaceholderTarget): string[] => (target.filler && target.filler.dnsNames.length > 0 ? target.filler.dnsNames : target.hostnames);

const commonNameOf = (target: PlaceholderTarget, fallback: string): string => {
  const wanted = target.filler?.commonName;
  if (wanted && wanted.length <= MAX_COMMON_NAME) return wanted;
  const first = namesOf(target)[0];
  return first && first.length <= MAX_COMMON_NAME ? first : fallback;
};

export const placeholderSpecOf = (target: PlaceholderTarget, settings: GatewayListenerTlsSettings['placeholder'], now: Date): PlaceholderCertificateSpec => {
  const names = namesOf(target);
  return {
    commonName: commonNameOf(target, settings.commonName),
    dnsNames: names.length > 0 ? names : [settings.commonName],
    ...validityWindow(settings.validityDays, now),
    organization: PLACEHOLDER_ORGANIZATION,
    key: target.filler?.key ?? DEFAULT_KEY,
  };
};

export const buildPlaceholderSecret = async (
  target: PlaceholderTarget,
  settings: GatewayListenerTlsSettings['placeholder'],
  now: Date,
  generate: GeneratePlaceholder,
): Promise<KubeObject> => {
  const issued = await generate(placeholderSpecOf(target, settings, now));
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: TLS_SECRET_TYPE,
    metadata: {
      name: target.name,
      namespace: target.namespace,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [PLACEHOLDER_LABEL]: 'true', [CERT_MANAGER_FAO_LABEL]: 'true' },
      annotations: {
        ...SENTINEL_ANNOTATIONS,
        [OWNER_ANNOTATION]: `${target.owner.kind} ${target.owner.namespace}/${target.owner.name}`,
        [LISTENERS_ANNOTATION]: target.listenerNames.join(','),
        [CREATED_AT_ANNOTATION]: now.toISOString(),
      },
    },
    data: {
      'tls.crt': Buffer.from(issued.certificatePem).toString('base64'),
      'tls.key': Buffer.from(issued.privateKeyPem).toString('base64'),
    },
  };
};
