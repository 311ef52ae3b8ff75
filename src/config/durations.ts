// The duration settings, each with the unversioned key that held it as a bare number in one unit.
// The versioned file (certguard.io/v1alpha1) writes "10m"; the loader turns it into that number,
// so the settings every module reads keep one shape.
export type DurationUnit = 'ms' | 's' | 'm' | 'h' | 'd';

export type DurationSetting = {
  /** Where it sits: "audit.interval". */
  path: string;
  /** The unversioned key beside it, in `unit`: "intervalMinutes". */
  legacy: string;
  unit: DurationUnit;
};

export const UNIT_NAMES: Readonly<Record<DurationUnit, string>> = { ms: 'milliseconds', s: 'seconds', m: 'minutes', h: 'hours', d: 'days' };

export const DURATION_SETTINGS: readonly DurationSetting[] = [
  { path: 'cluster.staleAfter', legacy: 'staleAfterSeconds', unit: 's' },
  { path: 'audit.expiringWithin', legacy: 'expiringWithinDays', unit: 'd' },
  { path: 'audit.placeholderMaxAge', legacy: 'placeholderMaxAgeHours', unit: 'h' },
  { path: 'audit.notReadyAfter', legacy: 'notReadyAfterMinutes', unit: 'm' },
  { path: 'audit.interval', legacy: 'intervalMinutes', unit: 'm' },
  { path: 'policies.certificate-dns.lookupTimeout', legacy: 'lookupTimeoutMs', unit: 'ms' },
  { path: 'policies.certificate-dns.negativeCacheTTL', legacy: 'negativeCacheSeconds', unit: 's' },
  { path: 'policies.certificate-dns.maxCacheTTL', legacy: 'maxCacheSeconds', unit: 's' },
  { path: 'policies.gateway-listener-tls.placeholder.validity', legacy: 'validityDays', unit: 'd' },
];

/** "audit.intervalMinutes" for "audit.interval". */
export const legacyPathOf = (setting: DurationSetting): string => `${setting.path.slice(0, setting.path.lastIndexOf('.') + 1)}${setting.legacy}`;
