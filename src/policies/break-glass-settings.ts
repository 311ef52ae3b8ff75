// `breakGlass:` in the config: who the break-glass annotations count for.
export type BreakGlassSettings = {
  /** rbac: only for a requester allowed verb use on breakglass.certguard.io/<policy>; annotation: for anyone (the old behaviour). */
  authorization: 'rbac' | 'annotation';
  /** The ClusterRole an admin binds to grant it (the chart's), named in the message when it is refused. */
  clusterRole: string;
};

export const breakGlassSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    authorization: { enum: ['rbac', 'annotation'], default: 'rbac' },
    clusterRole: { type: 'string', minLength: 1, default: 'certguard-break-glass' },
  },
} as const;
