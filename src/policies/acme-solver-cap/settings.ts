import { modeSchema, VALIDATING_MODES } from '../settings.ts';

export const ACME_SOLVER_CAP = 'acme-solver-cap';

export type AcmeSolverCapSettings = {
  mode: 'enforce' | 'warn' | 'off';
  /** Solver objects of one kind (HTTPRoute or Ingress) owned by Challenges, per namespace. */
  maxPerNamespace: number;
  /** The same, across the cluster. */
  maxClusterWide: number;
  /** Namespace annotation whose whole-number value replaces maxPerNamespace for that namespace. */
  namespaceAnnotation: string;
};

export const acmeSolverCapSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    mode: modeSchema(VALIDATING_MODES, 'enforce'),
    // cert-manager makes one solver per pending challenge, so a namespace legitimately holds as
    // many as it has certificates being issued at once; 25 is generous for that.
    maxPerNamespace: { type: 'integer', minimum: 0, default: 25 },
    // Incident 001's alert threshold: Traefik at 512Mi died at about 22k routes, 200 is far below it.
    maxClusterWide: { type: 'integer', minimum: 0, default: 200 },
    namespaceAnnotation: {
      type: 'string',
      // An annotation key: optional DNS prefix, then a name.
      pattern: '^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$',
      default: 'certguard.io/max-solver-routes',
    },
  },
} as const;
