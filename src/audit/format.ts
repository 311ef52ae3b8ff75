// How `certguard audit` prints findings for people (-o table) and as the reports themselves
// (-o openreport|policyreport); JSON and YAML print AuditOutput as it is (src/cli/output.ts).
import { stringify } from 'yaml';
import { describeObject, type Finding } from './findings.ts';
import { buildReport, groupByReport, REPORT_FORMATS, type ReportProcess } from './policy-report.ts';

export type AuditOutput = { judged: number; findings: Finding[] };

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

/** -o openreport / policyreport: the reports the audit would write, one YAML document each (namespaces, then the cluster report). */
export const formatReports = (findings: Finding[], format: 'openreport' | 'policyreport', process: ReportProcess, now = new Date()): string => {
  const reportFormat = REPORT_FORMATS[format === 'openreport' ? 'openreports' : 'policyreports'];
  const groups = [...groupByReport(findings)].sort(([a], [b]) => (a === '' ? 1 : b === '' ? -1 : a.localeCompare(b)));
  return groups
    .map(([namespace, group]) => `---\n${stringify(buildReport(namespace, group, now, { format: reportFormat, process }), { lineWidth: 0 })}`)
    .join('');
};
