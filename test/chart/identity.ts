// What the end-to-end harness grants certguard (test/e2e/harness/chart-identity.ts applies it):
// the chart values a user would set for a config and serve's flags, and of their render only what
// certguard serve's ServiceAccount is given. Pure (helm template only), so the quick tier tests it.
//
// chartValuesFor({ config, extraArgs, values }) → the chart values: config as given,
//   rbac.namespaces from --secret-namespaces, audit.enabled from --audit (the Deployment passes
//   these flags from those values), then `values` merged at the top level.
// renderChartIdentity(values, { namespace, serviceAccount }) → certguard's ServiceAccount, every
//   (Cluster)RoleBinding whose subject it is and the (Cluster)Roles they bind (so never the
//   bootstrap Job's RBAC, nor the break-glass ClusterRole nobody is bound to), the secret fence's
//   ValidatingAdmissionPolicy and binding when the chart renders them (placeholder mode), and the
//   Namespaces rbac.namespaces creates.
import { render, type K8sObject } from './render.ts';

export type Account = { namespace: string; serviceAccount: string };

export type IdentityOptions = {
  /** The config certguard runs with (the chart's `config` value). */
  config?: object;
  /** The serve flags it runs with: --secret-namespaces and --audit map to chart values. */
  extraArgs?: string[];
  /** More chart values, merged at the top level (e.g. webhook.excludeNamespaces). */
  values?: Record<string, unknown>;
};

const flagValue = (args: string[], name: string): string | undefined => {
  const index = args.findIndex((arg) => arg === name || arg.startsWith(`${name}=`));
  if (index < 0) return undefined;
  const arg = args[index] ?? '';
  return arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[index + 1];
};

export const chartValuesFor = (options: IdentityOptions = {}): Record<string, unknown> => {
  const args = options.extraArgs ?? [];
  const namespaces = flagValue(args, '--secret-namespaces')?.split(',').filter(Boolean) ?? [];
  return { config: options.config ?? {}, rbac: { namespaces }, audit: { enabled: args.includes('--audit') }, ...options.values };
};

type Subject = { kind: string; name: string; namespace?: string };
type Binding = K8sObject & { subjects?: Subject[]; roleRef: { kind: string; name: string } };

export const keyOf = (object: K8sObject) => `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;

/** The release is "certguard" (fullname certguard), as the e2e harness installs it. */
export const renderChartIdentity = (values: Record<string, unknown>, account: Account): K8sObject[] => {
  const { objects } = render(values, { namespace: account.namespace, release: 'certguard' });
  const isCertguard = (subject: Subject) =>
    subject.kind === 'ServiceAccount' && subject.name === account.serviceAccount && subject.namespace === account.namespace;
  const bindings = objects.filter(
    (object): object is Binding =>
      (object.kind === 'RoleBinding' || object.kind === 'ClusterRoleBinding') && ((object as Binding).subjects ?? []).some(isCertguard),
  );
  const roles = new Set(
    bindings.map((binding) => `${binding.roleRef.kind}/${binding.kind === 'RoleBinding' ? binding.metadata.namespace : ''}/${binding.roleRef.name}`),
  );
  return objects.filter(
    (object) =>
      (object.kind === 'ServiceAccount' && object.metadata.name === account.serviceAccount && object.metadata.namespace === account.namespace) ||
      bindings.includes(object as Binding) ||
      roles.has(keyOf(object)) ||
      object.kind === 'Namespace' ||
      (object.kind.startsWith('ValidatingAdmissionPolicy') && object.metadata.name === 'certguard-secret-fence'),
  );
};
