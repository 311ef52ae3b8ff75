// Validates an incoming AdmissionReview with ajv. A malformed review is the caller's mistake
// (HTTP 400 with the reason), distinct from a policy error (AdmissionReview with code 500).
import { Ajv } from 'ajv';
import type { AdmissionReviewRequest } from './types.ts';

const reviewSchema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'request'],
  properties: {
    apiVersion: { enum: ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'] },
    kind: { const: 'AdmissionReview' },
    request: {
      type: 'object',
      required: ['uid', 'kind', 'resource', 'operation'],
      properties: {
        uid: { type: 'string', minLength: 1 },
        kind: {
          type: 'object',
          required: ['group', 'version', 'kind'],
          properties: { group: { type: 'string' }, version: { type: 'string' }, kind: { type: 'string' } },
        },
        resource: {
          type: 'object',
          required: ['group', 'version', 'resource'],
          properties: { group: { type: 'string' }, version: { type: 'string' }, resource: { type: 'string' } },
        },
        name: { type: 'string' },
        namespace: { type: 'string' },
        operation: { enum: ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'] },
        object: { type: ['object', 'null'] },
        oldObject: { type: ['object', 'null'] },
        dryRun: { type: 'boolean' },
        userInfo: { type: 'object' },
      },
    },
  },
} as const;

const ajv = new Ajv({ allErrors: false, strict: true });
const validate = ajv.compile(reviewSchema);

export type DecodeResult = { ok: true; review: AdmissionReviewRequest } | { ok: false; reason: string };

/** `body` is already JSON-parsed (Fastify answers unparseable JSON with its own 400). */
export const decodeReview = (body: unknown): DecodeResult => {
  if (validate(body)) return { ok: true, review: body as unknown as AdmissionReviewRequest };
  const [error] = validate.errors ?? [];
  const where = error?.instancePath ? `body${error.instancePath.replaceAll('/', '.')}` : 'body';
  const detail =
    error?.keyword === 'enum' || error?.keyword === 'const'
      ? `must be ${JSON.stringify(error.params.allowedValues ?? error.params.allowedValue)}`
      : (error?.message ?? 'is invalid');
  return { ok: false, reason: `malformed AdmissionReview: ${where} ${detail}` };
};
