// API groups certguard reads, named once.

export const GATEWAY_GROUP = 'gateway.networking.k8s.io';
export const CERT_MANAGER_GROUP = 'cert-manager.io';
export const ACME_GROUP = 'acme.cert-manager.io';
export const NETWORKING_GROUP = 'networking.k8s.io';

/** The API group of an apiVersion: "acme.cert-manager.io/v1" → "acme.cert-manager.io", the core "v1" → "". */
export const groupOf = (apiVersion: string | undefined): string => {
  const slash = apiVersion?.indexOf('/') ?? -1;
  return apiVersion && slash >= 0 ? apiVersion.slice(0, slash) : '';
};

/** A Gateway API object of this kind, any version. */
export const isGatewayApiKind = (object: { apiVersion?: string; kind?: string }, kind: string): boolean =>
  object.kind === kind && groupOf(object.apiVersion) === GATEWAY_GROUP;
