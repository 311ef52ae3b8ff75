// Loads and validates the config at start. A bad config is a clear error naming the key;
// the CLI exits non-zero rather than run with a guess.
import { readFile } from 'node:fs/promises';
import { Ajv, type ErrorObject } from 'ajv';
import { parse } from 'yaml';
import { configSchema, type Config } from './schema.ts';
import { isRecord } from '../kube/accessors.ts';
import { isVersioned, toUnversioned, UNVERSIONED_WARNING, versionedKeyOf } from './versioned.ts';

export class ConfigError extends Error {}

const ajv = new Ajv({ useDefaults: true, allErrors: true, strict: false });
const validate = ajv.compile(configSchema);

const keyOf = (error: ErrorObject): string => {
  const path = error.instancePath.split('/').filter(Boolean).join('.');
  const extra = error.keyword === 'additionalProperties' ? (error.params as { additionalProperty: string }).additionalProperty : undefined;
  return [path, extra].filter(Boolean).join('.') || '(top level)';
};

const describe = (error: ErrorObject, versioned: boolean): string => {
  const key = (versioned && versionedKeyOf(keyOf(error))) || keyOf(error);
  if (error.keyword === 'additionalProperties') return `${key}: unknown key`;
  if (error.keyword === 'enum') return `${key}: must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
  return `${key}: ${error.message}`;
};

/** Validates a parsed config, versioned or not (filling defaults); throws ConfigError listing every problem. */
export const parseConfig = (value: unknown, source = 'config'): Config => {
  const { config, versioned, problems } = toUnversioned(structuredClone(value ?? {}));
  if (problems.length === 0 && validate(config)) return config as unknown as Config;
  const all = [...problems, ...(problems.length === 0 ? (validate.errors ?? []).map((error) => describe(error, versioned)) : [])];
  throw new ConfigError(`invalid ${source}: ${all.join('; ')}`);
};

/** Where a loaded file's warnings go (serve: its logger; the other commands: stderr). */
export type ConfigWarn = (message: string) => void;

export const defaultConfig = (): Config => parseConfig({});

export const loadConfig = async (path: string | undefined, warn?: ConfigWarn): Promise<Config> => {
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
  const config = parseConfig(value, `config ${path}`);
  // An empty file is no config at all, not an old one.
  if (isRecord(value) && Object.keys(value).length > 0 && !isVersioned(value)) warn?.(`config ${path}: ${UNVERSIONED_WARNING}`);
  return config;
};
