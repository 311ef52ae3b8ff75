// Every admission answer leaves through these builders (controller-runtime response.go):
// "the policy says no" (403, a sentence for a person) and "the webhook broke"
// (500, "internal error: ...") must never look alike.
import type { AdmissionResponse } from './types.ts';

export const allowed = (uid: string): AdmissionResponse => ({ uid, allowed: true });

/** kubectl prints: Error from server (Forbidden): ... denied the request: <message> */
export const denied = (uid: string, message: string): AdmissionResponse => ({
  uid,
  allowed: false,
  status: { code: 403, reason: 'Forbidden', message },
});

/** The object cannot be read as its kind: the client's error, not a policy's verdict
 *  (controller-runtime answers an undecodable object with Errored(400)). */
export const invalid = (uid: string, message: string): AdmissionResponse => ({
  uid,
  allowed: false,
  status: { code: 400, reason: 'BadRequest', message },
});

export const errored = (uid: string, error: unknown): AdmissionResponse => ({
  uid,
  allowed: false,
  status: { code: 500, reason: 'InternalError', message: `internal error: ${describeError(error)}` },
});

export const withWarnings = (response: AdmissionResponse, warnings: string[]): AdmissionResponse =>
  warnings.length === 0 ? response : { ...response, warnings: [...(response.warnings ?? []), ...warnings] };

export const withAuditAnnotations = (response: AdmissionResponse, annotations: Record<string, string> | undefined): AdmissionResponse =>
  !annotations || Object.keys(annotations).length === 0 ? response : { ...response, auditAnnotations: { ...response.auditAnnotations, ...annotations } };

/** A message, never `JSON.stringify(error)` (it prints `{}`) and never a stack. */
export const describeError = (error: unknown): string => {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  return String(error);
};
