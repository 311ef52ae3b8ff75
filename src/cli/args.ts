// Flags with environment fallbacks (flag > env > default), parsed with node:util parseArgs.
// A bad flag is a clear one-line error and exit code 2, never a stack trace.
import { parseArgs } from 'node:util';

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

export type Parsed = { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] };

export const parseFlags = (args: string[], specs: Record<string, FlagSpec>, env: NodeJS.ProcessEnv = process.env): Parsed => {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: Object.fromEntries(Object.entries(specs).map(([name, spec]) => [name, { type: spec.type, multiple: spec.multiple === true, ...(spec.short ? { short: spec.short } : {}) }])),
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
      return `  --${name.padEnd(18)} ${spec.description}${extra ? ` (${extra})` : ''}`;
    }),
  ].join('\n');

export const portOf = (value: unknown, flag: string): number => {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--${flag} must be a port number 0-65535, got "${String(value)}"`);
  return port;
};
