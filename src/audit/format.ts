// How `certguard audit` prints findings: a table for people, JSON or YAML for tools.
import { stringify } from 'yaml';
import { describeObject, type Finding } from './findings.ts';

export type AuditOutput = { judged: number; findings: Finding[] };

export const OUTPUT_FORMATS = ['table', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

const summaryOf = ({ judged, findings }: AuditOutput): string => {
  const failed = findings.filter((finding) => finding.result === 'fail').length;
  return `${judged} objects judged: ${failed} failed, ${findings.length - failed} warnings`;
};

/** Columns OBJECT POLICY RULE RESULT MESSAGE, padded like kubectl; the message last, never cut. */
export const formatTable = (output: AuditOutput): string => {
  const rows = output.findings.map((finding) => [describeObject(finding.object), finding.policy, finding.rule, finding.result, finding.message]);
  const header = ['OBJECT', 'POLICY', 'RULE', 'RESULT', 'MESSAGE'];
  const widths = header.slice(0, -1).map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (row: string[]) => row.map((cell, column) => (column < widths.length ? cell.padEnd(widths[column] ?? 0) : cell)).join('   ');
  const lines = rows.length > 0 ? [line(header), ...rows.map(line)] : [];
  return `${[...lines, summaryOf(output)].join('\n')}\n`;
};

export const formatOutput = (output: AuditOutput, format: OutputFormat): string => {
  if (format === 'json') return `${JSON.stringify(output, null, 2)}\n`;
  if (format === 'yaml') return stringify(output, { lineWidth: 0 });
  return formatTable(output);
};
