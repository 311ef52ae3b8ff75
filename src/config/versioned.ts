// The config file's versions. certguard.io/v1alpha1 (kind Configuration) writes durations with
// units; a file without apiVersion is the unversioned format, read as before with a warning.
import { isRecord } from '../kube/accessors.ts';
import { formatDuration, parseDuration } from './duration.ts';
import { DURATION_SETTINGS, legacyPathOf, UNIT_NAMES, type DurationSetting } from './durations.ts';

export const CONFIG_API_VERSION = 'certguard.io/v1alpha1';
export const CONFIG_KIND = 'Configuration';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export const UNVERSIONED_WARNING = `the config has no apiVersion: read as the unversioned format (bare numbers in the unit each key names); write apiVersion: ${CONFIG_API_VERSION}, kind: ${CONFIG_KIND} and durations such as "10m" (README, Configuration)`;

type Fields = Record<string, unknown>;

/** The object holding `path`'s last key, or undefined when a step is absent. */
const parentOf = (root: Fields, path: string): Fields | undefined => {
  let at: unknown = root;
  for (const step of path.split('.').slice(0, -1)) at = isRecord(at) ? at[step] : undefined;
  return isRecord(at) ? at : undefined;
};

const convertOne = (root: Fields, setting: DurationSetting): string | undefined => {
  const parent = parentOf(root, setting.path);
  if (!parent) return undefined;
  const key = setting.path.slice(setting.path.lastIndexOf('.') + 1);
  if (setting.legacy in parent)
    return `${legacyPathOf(setting)}: not a key of ${CONFIG_API_VERSION}: write ${setting.path} as a duration (e.g. "${formatDuration(30 * UNIT_MS[setting.unit])}")`;
  if (!(key in parent)) return undefined;
  const value = parent[key];
  const ms = typeof value === 'string' ? parseDuration(value) : undefined;
  if (ms === undefined) return `${setting.path}: must be a duration such as "10m" or "1h30m" (units ms, s, m, h, d), got ${JSON.stringify(value)}`;
  delete parent[key];
  parent[setting.legacy] = ms / UNIT_MS[setting.unit];
  return undefined;
};

export type Unversioned = { config: unknown; versioned: boolean; problems: string[] };

/** A file that says which version it is (even a wrong one: that is an error, not the old format). */
export const isVersioned = (value: unknown): value is Fields => isRecord(value) && ('apiVersion' in value || 'kind' in value);

/** A parsed file in the shape the schema validates: apiVersion and kind checked and dropped, durations in their units. */
export const toUnversioned = (value: unknown): Unversioned => {
  if (!isVersioned(value)) return { config: value, versioned: false, problems: [] };
  const { apiVersion, kind, ...rest } = value;
  const problems: string[] = [];
  if (apiVersion !== CONFIG_API_VERSION) problems.push(`apiVersion: must be ${CONFIG_API_VERSION}, got ${JSON.stringify(apiVersion ?? null)}`);
  if (kind !== CONFIG_KIND) problems.push(`kind: must be ${CONFIG_KIND}, got ${JSON.stringify(kind ?? null)}`);
  for (const setting of DURATION_SETTINGS) {
    const problem = convertOne(rest, setting);
    if (problem) problems.push(problem);
  }
  return { config: rest, versioned: true, problems };
};

/** A schema problem at an unversioned duration key, named as the versioned file spells it. */
export const versionedKeyOf = (legacyPath: string): string | undefined => {
  const setting = DURATION_SETTINGS.find((candidate) => legacyPathOf(candidate) === legacyPath);
  return setting && `${setting.path} (in ${UNIT_NAMES[setting.unit]})`;
};

/** What parseDuration accepts, for JSON Schema (the chart validates values with it). */
export const DURATION_PATTERN = '^(0|(\\d+(\\.\\d+)?(ms|s|m|h|d))+)$';

type Schema = { properties?: Record<string, Schema>; default?: unknown; description?: string } & Record<string, unknown>;

/** The config schema as certguard.io/v1alpha1 spells it: each duration a string at its own key (the chart's values.schema.json). */
export const versionedConfigSchema = (schema: unknown): unknown => {
  const copy = structuredClone(schema) as Schema;
  for (const setting of DURATION_SETTINGS) {
    const steps = setting.path.split('.');
    let at: Schema | undefined = copy;
    for (const step of steps.slice(0, -1)) at = at?.properties?.[step];
    const properties = at?.properties;
    const legacy = properties?.[setting.legacy];
    if (!properties || !legacy) throw new Error(`config schema has no ${legacyPathOf(setting)}`);
    const converted: Schema = { type: 'string', pattern: DURATION_PATTERN };
    if (typeof legacy.default === 'number') converted.default = `${legacy.default}${setting.unit}`;
    if (legacy.description) converted.description = legacy.description;
    const entries = Object.entries(properties).map(([key, value]): [string, Schema] =>
      key === setting.legacy ? [steps.at(-1) ?? key, converted] : [key, value],
    );
    if (at) at.properties = Object.fromEntries(entries);
  }
  const top = copy.properties ?? {};
  copy.properties = { apiVersion: { const: CONFIG_API_VERSION }, kind: { const: CONFIG_KIND }, ...top };
  return copy;
};
