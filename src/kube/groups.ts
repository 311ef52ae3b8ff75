// API groups certguard reads, named once.

export const GATEWAY_GROUP = 'gateway.networking.k8s.io';
export const CERT_MANAGER_GROUP = 'cert-manager.io';
export const ACME_GROUP = 'acme.cert-manager.io';
export const NETWORKING_GROUP = 'networking.k8s.io';
