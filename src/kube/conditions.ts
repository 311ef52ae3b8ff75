// Reading the status conditions controllers write (metav1.Condition, and cert-manager's own,
// which has the same fields), for details and messages, as the controller wrote them.
import { arrayOf, recordOf, stringOf } from './accessors.ts';

export type Condition = { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string };

export const conditionsOf = (status: unknown): Condition[] =>
  arrayOf(recordOf(status).conditions).flatMap((value) => {
    const raw = recordOf(value);
    const type = stringOf(raw.type);
    if (!type) return [];
    const condition: Condition = { type, status: stringOf(raw.status) ?? 'Unknown' };
    for (const key of ['reason', 'message', 'lastTransitionTime'] as const) {
      const text = stringOf(raw[key]);
      if (text) condition[key] = text;
    }
    return [condition];
  });

export const conditionOf = (status: unknown, type: string): Condition | undefined => conditionsOf(status).find((condition) => condition.type === type);

// Messages are one line and never contain "; " (they may be joined with it, as policies' are).
export const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, ' ').replace(/;\s/g, ', ');

/** `Ready=False reason "Failed": "the order failed"` */
export const describeCondition = (condition: Condition): string =>
  `${condition.type}=${condition.status}${condition.reason ? ` reason "${condition.reason}"` : ''}${condition.message ? `: "${oneLine(condition.message)}"` : ''}`;

/** Gateway API: a condition that says something is wrong (Conflicted is the one whose True is bad). */
export const isBadGatewayCondition = (condition: Condition): boolean =>
  condition.type === 'Conflicted'
    ? condition.status === 'True'
    : ['Accepted', 'Programmed', 'ResolvedRefs'].includes(condition.type) && condition.status === 'False';
