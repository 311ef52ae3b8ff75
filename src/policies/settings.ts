// Settings shared by every policy. Each policy folder has settings.ts with its own JSON schema
// (validated with ajv at start, defaults filled in) built on `modeSchema`.

export const modeSchema = (modes: readonly string[], fallback: string) => ({
  enum: [...modes],
  default: fallback,
  description: 'enforce: deny; warn: allow and return the problems as warnings; off: do not run.',
});

export const VALIDATING_MODES = ['enforce', 'warn', 'off'] as const;
