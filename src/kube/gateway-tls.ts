// The TLS references a Gateway makes outside its listeners (Gateway API v1.6 standard channel,
// apis/v1 gateway_types.go): the CA bundles of frontend client-certificate validation
// (spec.tls.frontend.default and perPort[]) and the client certificate it presents to backends
// (spec.tls.backend.clientCertificateRef). A ListenerSet has no spec.tls. A BackendTLSPolicy's
// CA bundles (spec.validation.caCertificateRefs, apis/v1 backendtlspolicy_types.go) share the shape.
import { arrayOf, recordOf, specOf } from './accessors.ts';
import { certRefOf, type CertRef } from './gateway.ts';

/**
 * client-ca: a CA bundle clients' certificates are checked against; backend-client: a certificate
 * and key; backend-ca: a CA bundle a backend's certificate is checked against (BackendTLSPolicy).
 */
export type GatewayTlsRefPurpose = 'client-ca' | 'backend-client' | 'backend-ca';

export type GatewayTlsRef = {
  purpose: GatewayTlsRefPurpose;
  /** The field as a path, e.g. `spec.tls.frontend.perPort[1].tls.validation.caCertificateRefs[0]`. */
  field: string;
  /** Where the ref applies, stable across reorderings: `default`, `port 8443`, `backend`. */
  scope: string;
  /** perPort only: the port whose HTTPS listeners it validates. */
  port?: number;
  ref: CertRef;
};

// caCertificateRefs are ObjectReferences: group and kind are required, so no kind is defaulted.
const caRefsOf = (
  validation: unknown,
  path: string,
  scope: string,
  namespace: string,
  port?: number,
  purpose: GatewayTlsRefPurpose = 'client-ca',
): GatewayTlsRef[] =>
  arrayOf(recordOf(validation).caCertificateRefs).map((value, index) => ({
    purpose,
    field: `${path}.caCertificateRefs[${index}]`,
    scope,
    ...(port === undefined ? {} : { port }),
    ref: certRefOf(value, namespace, ''),
  }));

const frontendRefsOf = (frontend: unknown, namespace: string): GatewayTlsRef[] => {
  const raw = recordOf(frontend);
  const defaults = caRefsOf(recordOf(raw.default).validation, 'spec.tls.frontend.default.validation', 'default', namespace);
  const perPort = arrayOf(raw.perPort).flatMap((entry, index) => {
    const config = recordOf(entry);
    const port = typeof config.port === 'number' ? config.port : undefined;
    const path = `spec.tls.frontend.perPort[${index}].tls.validation`;
    return caRefsOf(recordOf(config.tls).validation, path, `port ${port ?? '?'}`, namespace, port);
  });
  return [...defaults, ...perPort];
};

const backendRefsOf = (backend: unknown, namespace: string): GatewayTlsRef[] => {
  const value = recordOf(backend).clientCertificateRef;
  if (value === undefined || value === null) return [];
  return [{ purpose: 'backend-client', field: 'spec.tls.backend.clientCertificateRef', scope: 'backend', ref: certRefOf(value, namespace) }];
};

/** Every CA and client-certificate reference of a Gateway's spec.tls, in field order. */
export const gatewayTlsRefsOf = (gateway: unknown, namespace: string): GatewayTlsRef[] => {
  const tls = recordOf(specOf(gateway).tls);
  return [...frontendRefsOf(tls.frontend, namespace), ...backendRefsOf(tls.backend, namespace)];
};

/**
 * A BackendTLSPolicy's spec.validation.caCertificateRefs: LocalObjectReferences, so always in the
 * policy's own namespace (a namespace written there is not part of the type and is ignored).
 */
export const backendTlsCaRefsOf = (policy: unknown, namespace: string): GatewayTlsRef[] =>
  caRefsOf(recordOf(specOf(policy).validation), 'spec.validation', 'validation', namespace, undefined, 'backend-ca').map((tlsRef) => ({
    ...tlsRef,
    ref: { ...tlsRef.ref, namespace },
  }));
