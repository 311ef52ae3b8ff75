// Renders the chart with the real helm binary (test/helpers/helm.ts) and parses the objects.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { runHelm, type RunResult } from '../helpers/helm.ts';

export const CHART = join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'), 'charts', 'certguard');

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
};

export type RenderOptions = { release?: string; namespace?: string; extraArgs?: string[] };

/** helm's stand-in for a cluster that serves the Prometheus Operator's CRDs (the chart checks .Capabilities.APIVersions). */
export const WITH_PROMETHEUS_OPERATOR: RenderOptions = {
  extraArgs: ['--api-versions', 'monitoring.coreos.com/v1/ServiceMonitor', '--api-versions', 'monitoring.coreos.com/v1/PrometheusRule'],
};

/** `helm template` with `values` (written as a JSON values file); returns helm's raw result. */
export const helmTemplate = (values: object, options: RenderOptions = {}): RunResult => {
  const dir = mkdtempSync(join(tmpdir(), 'certguard-chart-'));
  try {
    const file = join(dir, 'values.json');
    writeFileSync(file, JSON.stringify(values));
    return runHelm([
      'template',
      options.release ?? 'certguard',
      CHART,
      '--namespace',
      options.namespace ?? 'certguard',
      '--values',
      file,
      ...(options.extraArgs ?? []),
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

export class Rendered {
  readonly objects: K8sObject[];
  readonly notes: string;
  constructor(objects: K8sObject[], notes = '') {
    this.objects = objects;
    this.notes = notes;
  }
  /** "Kind/name" of every object, sorted. */
  get names(): string[] {
    return this.objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();
  }
  find<T = K8sObject>(kind: string, name?: string): T | undefined {
    return this.objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name)) as T | undefined;
  }
  get<T = K8sObject>(kind: string, name?: string): T {
    const found = this.find<T>(kind, name);
    if (!found) throw new Error(`no ${kind}${name ? `/${name}` : ''} in ${this.names.join(', ')}`);
    return found;
  }
  all<T = K8sObject>(kind: string): T[] {
    return this.objects.filter((o) => o.kind === kind) as T[];
  }
}

export const render = (values: object = {}, options: RenderOptions = {}): Rendered => {
  const result = helmTemplate(values, options);
  if (result.status !== 0) throw new Error(`helm template failed: ${result.stderr.trim()}`);
  const objects = parseAllDocuments(result.stdout)
    .map((document) => {
      if (document.errors.length > 0) throw new Error(`rendered YAML does not parse: ${document.errors[0]?.message}`);
      return document.toJS() as K8sObject | null;
    })
    .filter((object): object is K8sObject => object !== null);
  return new Rendered(objects);
};

/** The error helm prints when rendering fails (schema or template `fail`), first line(s) trimmed. */
export const renderError = (values: object, options: RenderOptions = {}): string => {
  const result = helmTemplate(values, options);
  if (result.status === 0) throw new Error('helm template succeeded but was expected to fail');
  return result.stderr.trim();
};

/**
 * Only the webhook configurations, as YAML ready for `kubectl apply -f -` — for the end-to-end
 * harness: e.g. `renderWebhookConfigurations({ webhook: { url, caBundle, failurePolicy: 'Fail' } },
 * { namespace })` points every webhook at a local certguard (clientConfig.url = <url>/validate/<id>).
 */
export const renderWebhookConfigurations = (values: object, options: RenderOptions = {}): string => {
  const result = helmTemplate(values, { ...options, extraArgs: [...(options.extraArgs ?? []), '--show-only', 'templates/webhooks.yaml'] });
  if (result.status !== 0) throw new Error(`helm template failed: ${result.stderr.trim()}`);
  return result.stdout;
};
