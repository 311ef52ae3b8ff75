// Flags with environment fallbacks (flag > env > default), parsed with node:util parseArgs.
// A bad flag is a clear one-line error and exit code 2, never a stack trace.
import { parseArgs } from 'node:util';
import { parseDuration } from '../config/duration.ts';
import { ConfigError } from '../config/load.ts';

export type FlagSpec = {
  type: 'string' | 'boolean';
  env?: string;
  default?: string;
  multiple?: boolean;
  /** One-letter alias, e.g. 'f' for --filename as in kubectl. */
  short?: string;
  description: string;
};

export class UsageError extends Error {}

/** Every command's help flag: `-h` and `--help`. */
export const HELP_FLAG: FlagSpec = { type: 'boolean', short: 'h', description: 'show this help' };

/**
 * Exit codes, the same for every command (README "Exit codes"): 1 is only ever "check or audit
 * found something", so a pipeline can tell a verdict from a failure to judge.
 */
export const EXIT = { ok: 0, findings: 1, usage: 2, failed: 3 } as const;

/** A wrong invocation or config is the caller's to fix (2); anything else kept the command from its work (3). */
export const exitCodeOf = (error: unknown): number => (error instanceof UsageError || error instanceof ConfigError ? EXIT.usage : EXIT.failed);

export type Parsed = { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] };

export const parseFlags = (args: string[], specs: Record<string, FlagSpec>, env: NodeJS.ProcessEnv = process.env): Parsed => {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: Object.fromEntries(
        Object.entries(specs).map(([name, spec]) => [
          name,
          { type: spec.type, multiple: spec.multiple === true, ...(spec.short ? { short: spec.short } : {}) },
        ]),
      ),
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const values: Parsed['values'] = {};
  for (const [name, spec] of Object.entries(specs)) {
    const fromFlag = (parsed.values as Record<string, string | boolean | string[] | undefined>)[name];
    const fromEnv = spec.env ? env[spec.env] : undefined;
    values[name] = fromFlag ?? (fromEnv !== undefined && fromEnv !== '' ? (spec.multiple ? fromEnv.split(',') : fromEnv) : spec.default);
  }
  return { values, positionals: parsed.positionals };
};

export const helpText = (command: string, summary: string, specs: Record<string, FlagSpec>): string =>
  [
    `usage: certguard ${command} [flags]`,
    summary,
    '',
    ...Object.entries(specs).map(([name, spec]) => {
      const extra = [spec.env ? `env ${spec.env}` : '', spec.default !== undefined ? `default ${spec.default}` : ''].filter(Boolean).join(', ');
      const flag = `${spec.short ? `-${spec.short}, ` : '    '}--${name}`;
      return `  ${flag.padEnd(24)} ${spec.description}${extra ? ` (${extra})` : ''}`;
    }),
  ].join('\n');

export const portOf = (value: unknown, flag: string): number => {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--${flag} must be a port number 0-65535, got "${String(value)}"`);
  return port;
};

const DAY_MS = 86_400_000;

/** A lifetime flag in whole days (certificates are issued by the day), with its unit: `--validity 365d` or `8760h`. */
export const daysFlag = (description: string, fallback: string): FlagSpec => ({
  type: 'string',
  description: `${description}, a duration in whole days (default ${fallback})`,
});

/** The older `--<name>-days N` spelling: still read, never alongside the duration flag. */
export const legacyDaysFlag = (name: string): FlagSpec => ({ type: 'string', description: `deprecated: --${name} as a bare number of days` });

/** Whole days from `--<name>` (a duration, `fallback` when absent) or its deprecated `--<name>-days`. */
export const daysOf = (values: Parsed['values'], name: string, fallback: string): number => {
  const legacy = values[`${name}-days`];
  const given = values[name];
  if (legacy !== undefined) {
    if (given !== undefined) throw new UsageError(`--${name} and --${name}-days say the same thing: give only --${name}`);
    const number = Number(legacy);
    if (!Number.isInteger(number) || number < 1) throw new UsageError(`--${name}-days must be a whole number of days ≥ 1, got "${String(legacy)}"`);
    return number;
  }
  const text = typeof given === 'string' ? given : fallback;
  const ms = parseDuration(text);
  const days = ms === undefined ? Number.NaN : ms / DAY_MS;
  if (!Number.isInteger(days) || days < 1) throw new UsageError(`--${name} must be a duration of whole days ≥ 1 (e.g. 365d or 8760h), got "${text}"`);
  return days;
};
