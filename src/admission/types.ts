// The parts of admission.k8s.io AdmissionReview that certguard reads and writes.
// v1 and v1beta1 share this shape; the answer carries the apiVersion the request came in.
import type { GroupVersionKind, GroupVersionResource, KubeObject, Operation, UserInfo } from '../kube/object.ts';

export type AdmissionRequest = {
  uid: string;
  kind: GroupVersionKind;
  resource: GroupVersionResource;
  subResource?: string;
  name?: string;
  namespace?: string;
  operation: Operation;
  userInfo?: UserInfo;
  object?: KubeObject | null;
  oldObject?: KubeObject | null;
  dryRun?: boolean;
};

export type AdmissionReviewVersion = 'admission.k8s.io/v1' | 'admission.k8s.io/v1beta1';

export type AdmissionReviewRequest = {
  apiVersion: AdmissionReviewVersion;
  kind: 'AdmissionReview';
  request: AdmissionRequest;
};

export type Status = { code: number; reason?: string; message: string };

export type AdmissionResponse = {
  uid: string;
  allowed: boolean;
  status?: Status;
  warnings?: string[];
  auditAnnotations?: Record<string, string>;
  patchType?: 'JSONPatch';
  patch?: string;
};

export type AdmissionReviewResponse = {
  apiVersion: AdmissionReviewVersion;
  kind: 'AdmissionReview';
  response: AdmissionResponse;
};
