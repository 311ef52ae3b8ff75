// values.schema.json's `config` section IS src/config/schema.ts's configSchema (as certguard.io/v1alpha1
// spells it: durations with units), so the chart's
// ConfigMap accepts exactly what `certguard serve --config` accepts. This module derives it;
// `node test/chart/values-schema.ts --write` rewrites the chart's schema after a settings change,
// and test/chart/values-schema.test.ts fails while the two differ.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configSchema } from '../../src/config/schema.ts';
import { versionedConfigSchema } from '../../src/config/versioned.ts';

export const VALUES_SCHEMA_PATH = join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'), 'charts', 'certguard', 'values.schema.json');

/** configSchema as certguard.io/v1alpha1 spells it, as plain JSON: the chart writes a versioned file. */
export const chartConfigSchema = (): unknown => JSON.parse(JSON.stringify(versionedConfigSchema(configSchema)));

export const readValuesSchema = (): { properties: Record<string, unknown> } & Record<string, unknown> => JSON.parse(readFileSync(VALUES_SCHEMA_PATH, 'utf8'));

export const syncedValuesSchema = (): string => {
  const schema = readValuesSchema();
  schema.properties.config = chartConfigSchema();
  return `${JSON.stringify(schema, null, 2)}\n`;
};

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes('--write')) {
  writeFileSync(VALUES_SCHEMA_PATH, syncedValuesSchema());
  process.stdout.write(`wrote ${VALUES_SCHEMA_PATH}\n`);
}
