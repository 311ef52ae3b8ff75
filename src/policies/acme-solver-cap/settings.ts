import { modeSchema, VALIDATING_MODES } from '../settings.ts';

export const ACME_SOLVER_CAP = 'acme-solver-cap';

export type AcmeSolverCapSettings = {
  mode: 'enforce' | 'warn' | 'off';
};

export const acmeSolverCapSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    mode: modeSchema(VALIDATING_MODES, 'enforce'),
  },
} as const;
