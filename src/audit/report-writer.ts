// Writes the audit's reports in each format the cluster serves (or the one the config forces):
// each namespace's report updated in place (GET, then PUT with its resourceVersion, or POST when
// new), and reports of ours whose namespace has no findings any more emptied, so stale results go.
// Whether a format is served is what the API server answers for its group/version: a list of its
// reports that is 404 means the CRD is not installed (the discovery document would say the same).
// A format not served is skipped and logged once until it appears; the metric
// certguard_audit_reports_written{format} says which formats the last audit wrote.
import type { Logger } from 'pino';
import type { ApiResponse, RequestOptions } from '../cluster/live/kube-client.ts';
import { apiErrorOf } from '../cluster/live/kube-client.ts';
import { labelSelectorOf, queryOf } from '../cluster/live/api-paths.ts';
import type { Finding } from './findings.ts';
import {
  apiVersionOf,
  buildReport,
  groupByReport,
  REPORT_FORMATS,
  REPORT_LABELS,
  REPORT_NAME,
  type PolicyReport,
  type ReportFormat,
  type ReportFormatId,
} from './policy-report.ts';

export type Requester = { request(path: string, options: RequestOptions): Promise<ApiResponse> };

/** audit.reportFormat: auto writes every format the cluster serves; a format id writes only that one. */
export type ReportFormatSetting = 'auto' | ReportFormatId;

// A report write is one small object; the audit has no caller waiting on it.
const TIMEOUT_MS = 15_000;

export type WriteOutcome = 'written' | 'no-crd';

/** Which formats an audit wrote (for the metric), told once per audit. */
export type FormatsRecorder = (written: ReportFormatId[]) => void;

class FormatWriter {
  readonly format: ReportFormat;
  readonly #client: Requester;
  readonly #base: string;

  constructor(client: Requester, format: ReportFormat) {
    this.format = format;
    this.#client = client;
    this.#base = `/apis/${apiVersionOf(format)}`;
  }

  #path(namespace: string, name?: string): string {
    return `${this.#base}${namespace ? `/namespaces/${namespace}/${this.format.resource}` : `/${this.format.clusterResource}`}${name ? `/${name}` : ''}`;
  }

  #call(path: string, options: Omit<RequestOptions, 'timeoutMs'> = {}): Promise<ApiResponse> {
    return this.#client.request(path, { timeoutMs: TIMEOUT_MS, ...options });
  }

  /** Namespaces holding a report of ours, '' for the cluster report; undefined when the format is not served. */
  async existing(): Promise<string[] | undefined> {
    const selector = queryOf({ labelSelector: labelSelectorOf(REPORT_LABELS) });
    const namespaced = await this.#call(`${this.#base}/${this.format.resource}${selector}`);
    if (namespaced.status === 404) return undefined;
    if (namespaced.status !== 200) throw new Error(`listing ${this.format.kind}s: ${apiErrorOf(namespaced.status, namespaced.body).message}`);
    const items = ((namespaced.body as { items?: PolicyReport[] }).items ?? []).filter((item) => item.metadata?.name === REPORT_NAME);
    const cluster = await this.#call(this.#path('', REPORT_NAME));
    return [...items.map((item) => item.metadata?.namespace ?? ''), ...(cluster.status === 200 ? [''] : [])];
  }

  async write(namespace: string, findings: Finding[], now: Date): Promise<void> {
    const path = this.#path(namespace, REPORT_NAME);
    const current = await this.#call(path);
    if (current.status !== 200 && current.status !== 404) throw new Error(`reading ${path}: ${apiErrorOf(current.status, current.body).message}`);
    const previous = current.status === 200 ? (current.body as PolicyReport) : undefined;
    const report = buildReport(namespace, findings, now, { format: this.format, ...(previous ? { previous } : {}) });
    if (previous) report.metadata = { ...report.metadata, resourceVersion: previous.metadata?.resourceVersion };
    // Strict: a field the installed CRD does not define is an error here, not silently pruned.
    const strict = '?fieldValidation=Strict';
    const written = previous
      ? await this.#call(`${path}${strict}`, { method: 'PUT', body: report })
      : await this.#call(`${this.#path(namespace)}${strict}`, { method: 'POST', body: report });
    // 409: another writer (a previous leader) raced us; the next audit writes again.
    if (written.status >= 300 && written.status !== 409) throw new Error(`writing ${path}: ${apiErrorOf(written.status, written.body).message}`);
  }
}

const describeFormats = (formats: ReportFormat[]): string =>
  formats.map((format) => `${apiVersionOf(format)} ${format.kind}/${format.clusterKind}`).join(' or ');

export class ReportWriter {
  readonly #writers: FormatWriter[];
  readonly #logger: Logger;
  readonly #recordFormats: FormatsRecorder | undefined;
  #warned = new Set<string>();

  constructor(client: Requester, logger: Logger, options: { formats?: ReportFormatSetting; recordFormats?: FormatsRecorder } = {}) {
    const setting = options.formats ?? 'auto';
    const formats = setting === 'auto' ? [REPORT_FORMATS.openreports, REPORT_FORMATS.policyreports] : [REPORT_FORMATS[setting]];
    this.#writers = formats.map((format) => new FormatWriter(client, format));
    this.#logger = logger;
    this.#recordFormats = options.recordFormats;
  }

  /** Logs once (until it changes) which formats are not served. */
  #warnMissing(missing: FormatWriter[], served: FormatWriter[]): void {
    const key = missing.map((writer) => writer.format.id).join(',');
    if (missing.length > 0 && !this.#warned.has(key)) {
      const formats = describeFormats(missing.map((writer) => writer.format));
      if (served.length > 0) this.#logger.info(`reports: ${formats} not written, its CRDs are not installed`);
      else
        this.#logger.warn(`reports not written: the ${formats} CRDs are not installed (install them with Kyverno, Policy Reporter or the OpenReports project)`);
    }
    this.#warned = new Set(missing.length > 0 ? [key] : []);
  }

  /** Starts one audit's writes: lists the reports of ours in each served format. Undefined when none is served. */
  async begin(now: Date): Promise<ReportSession | undefined> {
    const found = await Promise.all(this.#writers.map(async (writer) => ({ writer, existing: await writer.existing() })));
    const served = found.filter((entry) => entry.existing !== undefined);
    this.#warnMissing(
      found.filter((entry) => entry.existing === undefined).map((entry) => entry.writer),
      served.map((entry) => entry.writer),
    );
    this.#recordFormats?.(served.map((entry) => entry.writer.format.id));
    if (served.length === 0) return undefined;
    return new ReportSession(
      served.map(({ writer, existing }) => ({ stale: new Set(existing), write: (namespace, findings) => writer.write(namespace, findings, now) })),
    );
  }

  /** One report per namespace with findings, the cluster report, and emptied stale ones (all findings at once). */
  async write(findings: Finding[], now: Date): Promise<WriteOutcome> {
    const session = await this.begin(now);
    if (!session) return 'no-crd';
    for (const [namespace, group] of groupByReport(findings)) await session.write(namespace, group);
    await session.finish();
    return 'written';
  }
}

type Target = { stale: Set<string>; write: (namespace: string, findings: Finding[]) => Promise<void> };

/**
 * One audit's reports, written namespace by namespace as the audit goes, in each served format: a
 * namespace with findings, or with a report of ours already (its results are replaced, so stale
 * ones go), is written; finish() empties the reports of namespaces the audit never reached with findings.
 */
export class ReportSession {
  readonly #targets: Target[];

  constructor(targets: Target[]) {
    this.#targets = targets;
  }

  async write(namespace: string, findings: Finding[]): Promise<void> {
    for (const target of this.#targets) {
      const had = target.stale.delete(namespace);
      if (findings.length > 0 || had) await target.write(namespace, findings);
    }
  }

  async finish(): Promise<void> {
    for (const target of this.#targets) {
      for (const namespace of [...target.stale]) {
        target.stale.delete(namespace);
        await target.write(namespace, []);
      }
    }
  }
}
