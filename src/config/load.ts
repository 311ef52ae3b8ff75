// Loads and validates the config at start. A bad config is a clear error naming the key;
// the CLI exits non-zero rather than run with a guess.
import { readFile } from 'node:fs/promises';
import { Ajv, type ErrorObject } from 'ajv';
import { parse } from 'yaml';
import { configSchema, type Config } from './schema.ts';

export class ConfigError extends Error {}

const ajv = new Ajv({ useDefaults: true, allErrors: true, strict: false });
const validate = ajv.compile(configSchema);

const keyOf = (error: ErrorObject): string => {
  const path = error.instancePath.split('/').filter(Boolean).join('.');
  const extra = error.keyword === 'additionalProperties' ? (error.params as { additionalProperty: string }).additionalProperty : undefined;
  return [path, extra].filter(Boolean).join('.') || '(top level)';
};

const describe = (error: ErrorObject): string => {
  if (error.keyword === 'additionalProperties') return `${keyOf(error)}: unknown key`;
  if (error.keyword === 'enum') return `${keyOf(error)}: must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
  return `${keyOf(error)}: ${error.message}`;
};

/** Validates a parsed config (filling defaults); throws ConfigError listing every problem. */
export const parseConfig = (value: unknown, source = 'config'): Config => {
  const config = structuredClone(value ?? {});
  if (!validate(config)) {
    const problems = (validate.errors ?? []).map(describe);
    throw new ConfigError(`invalid ${source}: ${problems.join('; ')}`);
  }
  return config as unknown as Config;
};

export const defaultConfig = (): Config => parseConfig({});

export const loadConfig = async (path: string | undefined): Promise<Config> => {
  if (!path) return defaultConfig();
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let value: unknown;
  try {
    value = parse(text);
  } catch (error) {
    throw new ConfigError(`config ${path} is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  return parseConfig(value, `config ${path}`);
};
