// The -o flag of the commands that print results (check, audit): one table of formats, one
// validation. `table` is for people; `json` and `yaml` print the command's one documented shape;
// `openreport` and `policyreport` print the findings as the reports CI systems collect.
import { stringify } from 'yaml';
import { UsageError, type FlagSpec } from './args.ts';

export const OUTPUT_FORMATS = ['table', 'json', 'yaml', 'openreport', 'policyreport'] as const;
export type ReportFormat = Extract<OutputFormat, 'openreport' | 'policyreport'>;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export const OUTPUT_FLAG: FlagSpec = { type: 'string', short: 'o', default: 'table', description: `output format: one of ${OUTPUT_FORMATS.join(', ')}` };

// check's earlier spelling of table, still read with a warning.
const RENAMED: Record<string, OutputFormat> = { text: 'table' };

/** The format --output names; `warn` hears about an old spelling. */
export const outputFormatOf = (value: unknown, warn: (message: string) => void): OutputFormat => {
  const renamed = Object.hasOwn(RENAMED, String(value)) ? RENAMED[String(value)] : undefined;
  if (renamed) {
    warn(`--output ${String(value)} is deprecated: use --output ${renamed}`);
    return renamed;
  }
  if (!(OUTPUT_FORMATS as readonly unknown[]).includes(value))
    throw new UsageError(`--output must be one of ${OUTPUT_FORMATS.join(', ')}, got "${String(value)}"`);
  return value as OutputFormat;
};

export const isReportFormat = (format: OutputFormat): format is ReportFormat => format === 'openreport' || format === 'policyreport';

/** `data` as JSON or YAML, `table(data)` for people, or `reports(format)` as OpenReports or PolicyReports. */
export const render = <T>(data: T, format: OutputFormat, table: (data: T) => string, reports: (format: ReportFormat) => string): string => {
  if (isReportFormat(format)) return reports(format);
  if (format === 'json') return `${JSON.stringify(data, null, 2)}\n`;
  if (format === 'yaml') return stringify(data, { lineWidth: 0 });
  return table(data);
};
