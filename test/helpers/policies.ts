// Small policies for server tests: the server must not depend on what real policies decide.
import type { Policy, PolicyMode, PolicyRequest } from '../../src/policies/types.ts';

export const fixedPolicy = (id: string, outcome: { violations?: string[]; warnings?: string[] }, mode: PolicyMode = 'enforce'): Policy => ({
  id,
  mode,
  admission: mode === 'placeholder' ? 'mutating' : 'validating',
  matches: (request: PolicyRequest) => request.kind.kind === 'Gateway',
  check: async () => ({ violations: outcome.violations ?? [], warnings: outcome.warnings ?? [] }),
});

export const throwingPolicy = (id: string): Policy => ({
  id,
  mode: 'enforce',
  admission: 'validating',
  matches: () => true,
  check: async () => {
    throw new Error('view exploded');
  },
});
