// The cap that applies in one namespace: maxPerNamespace, or the Namespace's annotation.
import type { ClusterView } from '../../cluster/view.ts';
import { getNamespaceOverride } from '../namespace-override.ts';
import { invalidAnnotation } from './messages.ts';
import type { AcmeSolverCapSettings } from './settings.ts';

const WHOLE_NUMBER = /^\d+$/;

const wholeNumberOf = (raw: string): number | undefined => {
  const trimmed = raw.trim();
  const value = Number(trimmed);
  return WHOLE_NUMBER.test(trimmed) && Number.isSafeInteger(value) ? value : undefined;
};

/** The Namespace annotation overrides maxPerNamespace; a value that is not a whole number is ignored with a warning. */
export const getNamespaceCap = (view: ClusterView, namespace: string, settings: AcmeSolverCapSettings) =>
  getNamespaceOverride(view, namespace, {
    annotation: settings.namespaceAnnotation,
    fallback: settings.maxPerNamespace,
    parse: wholeNumberOf,
    invalid: (value) => invalidAnnotation({ namespace, annotation: settings.namespaceAnnotation, value, fallback: settings.maxPerNamespace }),
  });
