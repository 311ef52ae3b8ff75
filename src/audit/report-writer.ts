// Writes the audit's PolicyReports: each namespace's report updated in place (GET, then PUT with its
// resourceVersion, or POST when new), and reports of ours whose namespace has no findings any more
// emptied, so stale results go. Without the CRD (404 on the group) reports are skipped, logged once.
import type { Logger } from 'pino';
import type { ApiResponse, RequestOptions } from '../cluster/live/kube-client.ts';
import { apiErrorOf } from '../cluster/live/kube-client.ts';
import { labelSelectorOf, queryOf } from '../cluster/live/api-paths.ts';
import type { Finding } from './findings.ts';
import { buildReport, groupByReport, REPORT_API_VERSION, REPORT_LABELS, REPORT_NAME, type PolicyReport } from './policy-report.ts';

export type Requester = { request(path: string, options: RequestOptions): Promise<ApiResponse> };

const BASE = `/apis/${REPORT_API_VERSION}`;
// A report write is one small object; the audit has no caller waiting on it.
const TIMEOUT_MS = 15_000;

const reportPath = (namespace: string, name?: string): string =>
  `${BASE}${namespace ? `/namespaces/${namespace}/policyreports` : '/clusterpolicyreports'}${name ? `/${name}` : ''}`;

export type WriteOutcome = 'written' | 'no-crd';

export class ReportWriter {
  readonly #client: Requester;
  readonly #logger: Logger;
  #warnedNoCrd = false;

  constructor(client: Requester, logger: Logger) {
    this.#client = client;
    this.#logger = logger;
  }

  async #call(path: string, options: Omit<RequestOptions, 'timeoutMs'> = {}): Promise<ApiResponse> {
    return this.#client.request(path, { timeoutMs: TIMEOUT_MS, ...options });
  }

  /** Namespaces holding a report of ours, '' for the ClusterPolicyReport; undefined when the CRD is absent. */
  async #existing(): Promise<string[] | undefined> {
    const selector = queryOf({ labelSelector: labelSelectorOf(REPORT_LABELS) });
    const namespaced = await this.#call(`${BASE}/policyreports${selector}`);
    if (namespaced.status === 404) return undefined;
    if (namespaced.status !== 200) throw new Error(`listing PolicyReports: ${apiErrorOf(namespaced.status, namespaced.body).message}`);
    const items = ((namespaced.body as { items?: PolicyReport[] }).items ?? []).filter((item) => item.metadata?.name === REPORT_NAME);
    const cluster = await this.#call(reportPath('', REPORT_NAME));
    return [...items.map((item) => item.metadata?.namespace ?? ''), ...(cluster.status === 200 ? [''] : [])];
  }

  async #write(namespace: string, findings: Finding[], now: Date): Promise<void> {
    const current = await this.#call(reportPath(namespace, REPORT_NAME));
    if (current.status !== 200 && current.status !== 404) throw new Error(`reading ${reportPath(namespace, REPORT_NAME)}: ${apiErrorOf(current.status, current.body).message}`);
    const previous = current.status === 200 ? (current.body as PolicyReport) : undefined;
    const report = buildReport(namespace, findings, now, previous);
    if (previous) report.metadata = { ...report.metadata, resourceVersion: previous.metadata?.resourceVersion };
    const written = previous ? await this.#call(reportPath(namespace, REPORT_NAME), { method: 'PUT', body: report }) : await this.#call(reportPath(namespace), { method: 'POST', body: report });
    // 409: another writer (a previous leader) raced us; the next audit writes again.
    if (written.status >= 300 && written.status !== 409) throw new Error(`writing ${reportPath(namespace, REPORT_NAME)}: ${apiErrorOf(written.status, written.body).message}`);
  }

  /**
   * Starts one audit's writes: lists the reports of ours that exist. Undefined when the CRD is
   * absent (logged once until it appears).
   */
  async begin(now: Date): Promise<ReportSession | undefined> {
    const existing = await this.#existing();
    if (!existing) {
      if (!this.#warnedNoCrd) this.#logger.warn('PolicyReports not written: the wgpolicyk8s.io/v1alpha2 CRDs are not installed (chart value policyReports.installCRD, or install Kyverno\'s or Policy Reporter\'s)');
      this.#warnedNoCrd = true;
      return undefined;
    }
    this.#warnedNoCrd = false;
    return new ReportSession(new Set(existing), (namespace, findings) => this.#write(namespace, findings, now));
  }

  /** One report per namespace with findings, the cluster report, and emptied stale ones (all findings at once: `certguard audit --write-reports`). */
  async write(findings: Finding[], now: Date): Promise<WriteOutcome> {
    const session = await this.begin(now);
    if (!session) return 'no-crd';
    for (const [namespace, group] of groupByReport(findings)) await session.write(namespace, group);
    await session.finish();
    return 'written';
  }
}

/**
 * One audit's reports, written namespace by namespace as the audit goes: a namespace with findings,
 * or with a report of ours already (its results are replaced, so stale ones go), is written;
 * finish() empties the reports of namespaces the audit never reached with findings.
 */
export class ReportSession {
  readonly #stale: Set<string>;
  readonly #write: (namespace: string, findings: Finding[]) => Promise<void>;

  constructor(existing: Set<string>, write: (namespace: string, findings: Finding[]) => Promise<void>) {
    this.#stale = existing;
    this.#write = write;
  }

  async write(namespace: string, findings: Finding[]): Promise<void> {
    const had = this.#stale.delete(namespace);
    if (findings.length > 0 || had) await this.#write(namespace, findings);
  }

  async finish(): Promise<void> {
    for (const namespace of [...this.#stale]) await this.write(namespace, []);
  }
}
