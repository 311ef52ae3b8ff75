// The mark on everything certguard itself creates (placeholder Secrets, reports), so an admin can
// list it: `kubectl get secrets,policyreports -A -l app.kubernetes.io/managed-by=certguard`.
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'certguard';
