// "A Namespace annotation overrides this setting for that namespace": certificate-dns's mode and
// acme-solver-cap's per-namespace cap. Read from the Namespace in the cluster view, so only
// someone who may edit the Namespace (usually an admin) can relax a setting.
import type { ClusterView } from '../cluster/view.ts';
import { annotationOf } from '../kube/accessors.ts';

export type NamespaceOverride<T> = { value: T; fromAnnotation: boolean; warning?: string };

export type OverrideRule<T> = {
  annotation: string;
  /** The setting's configured value, used when the annotation is absent or invalid. */
  fallback: T;
  /** The annotation's value as a setting, or undefined when it is not a valid one. */
  parse: (raw: string) => T | undefined;
  /** The warning for an invalid value (it is ignored, never a denial). */
  invalid: (raw: string) => string;
};

export const getNamespaceOverride = async <T>(view: ClusterView, namespace: string, rule: OverrideRule<T>): Promise<NamespaceOverride<T>> => {
  const raw = annotationOf(await view.get('namespaces', undefined, namespace), rule.annotation);
  if (raw === undefined) return { value: rule.fallback, fromAnnotation: false };
  const value = rule.parse(raw);
  if (value === undefined) return { value: rule.fallback, fromAnnotation: false, warning: rule.invalid(raw) };
  return { value, fromAnnotation: true };
};
