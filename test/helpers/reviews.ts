// Builders for AdmissionReview bodies in tests.
import type { AdmissionRequest } from '../../src/admission/types.ts';
import type { KubeObject } from '../../src/kube/object.ts';

export const reviewOf = (request: Partial<AdmissionRequest> & { object?: KubeObject | null }, apiVersion = 'admission.k8s.io/v1') => ({
  apiVersion,
  kind: 'AdmissionReview',
  request: {
    uid: 'b0d8a1f2-0000-4000-8000-000000000001',
    kind: { group: 'gateway.networking.k8s.io', version: 'v1', kind: 'Gateway' },
    resource: { group: 'gateway.networking.k8s.io', version: 'v1', resource: 'gateways' },
    operation: 'CREATE',
    namespace: 'traefik',
    name: 'traefik-gateway',
    userInfo: { username: 'dev@example.com' },
    object: { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'traefik-gateway', namespace: 'traefik' } },
    ...request,
  },
});
