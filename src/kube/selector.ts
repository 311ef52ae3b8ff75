// metav1.LabelSelector as Gateway API uses it (allowedRoutes / allowedListeners namespace
// selectors): matchLabels and matchExpressions are ANDed; an empty selector selects everything
// (apimachinery LabelSelectorAsSelector). A malformed requirement selects nothing, as the API
// server would have refused the object that carries it.
import { arrayOf, isRecord, recordOf, stringMapOf, stringOf, stringsOf } from './accessors.ts';

type Requirement = { key: string; operator: string; values: string[] };

const requirementOf = (value: unknown): Requirement | undefined => {
  const raw = recordOf(value);
  const key = stringOf(raw.key);
  const operator = stringOf(raw.operator);
  return key === undefined || operator === undefined ? undefined : { key, operator, values: stringsOf(raw.values) };
};

const matchesRequirement = (labels: Record<string, string>, requirement: Requirement | undefined): boolean => {
  if (!requirement) return false;
  const has = Object.hasOwn(labels, requirement.key);
  switch (requirement.operator) {
    case 'In':
      return has && requirement.values.includes(labels[requirement.key] ?? '');
    case 'NotIn':
      return !has || !requirement.values.includes(labels[requirement.key] ?? '');
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    default:
      return false;
  }
};

/** Whether `selector` selects an object with `labels`; an absent selector selects nothing. */
export const selects = (selector: unknown, labels: Record<string, string>): boolean => {
  if (!isRecord(selector)) return false;
  const wanted = stringMapOf(selector.matchLabels);
  if (!Object.entries(wanted).every(([key, value]) => labels[key] === value)) return false;
  return arrayOf(selector.matchExpressions).every((expression) => matchesRequirement(labels, requirementOf(expression)));
};

const quoted = (values: string[]): string => values.join(', ');

/** The selector as a person reads it: `{matchLabels: {team: a}, matchExpressions: [env In (prod)]}`. */
export const describeSelector = (selector: unknown): string => {
  const raw = recordOf(selector);
  const parts: string[] = [];
  const labels = Object.entries(stringMapOf(raw.matchLabels));
  if (labels.length > 0) parts.push(`matchLabels: {${labels.map(([key, value]) => `${key}: ${value}`).join(', ')}}`);
  const expressions = arrayOf(raw.matchExpressions).flatMap((value) => requirementOf(value) ?? []);
  if (expressions.length > 0)
    parts.push(`matchExpressions: [${expressions.map((e) => `${e.key} ${e.operator}${e.values.length ? ` (${quoted(e.values)})` : ''}`).join(', ')}]`);
  return `{${parts.join(', ')}}`;
};

/** Labels as `k=v, k2=v2`, or `no labels`. */
export const describeLabels = (labels: Record<string, string>): string => {
  const entries = Object.entries(labels).filter(([key]) => key !== 'kubernetes.io/metadata.name');
  return entries.length > 0 ? `labels ${entries.map(([key, value]) => `${key}=${value}`).join(', ')}` : 'no labels';
};
