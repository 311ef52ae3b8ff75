// Durations as people write them in Kubernetes config (cert-manager's `duration: 2160h`, Go's
// time.ParseDuration), plus `d` for days: "10m", "1h30m", "3500ms", "14d". One parser for the
// config file and the flags, so "4s" means the same everywhere.
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;

/** Milliseconds, or undefined when `text` is not one or more number+unit parts ("0" alone is 0). */
export const parseDuration = (text: string): number | undefined => {
  const value = text.trim();
  if (value === '0') return 0;
  if (value === '') return undefined;
  PART.lastIndex = 0;
  let ms = 0;
  while (PART.lastIndex < value.length) {
    const match = PART.exec(value);
    if (!match) return undefined;
    ms += Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? Number.NaN);
  }
  return Number.isFinite(ms) ? ms : undefined;
};

/** The shortest exact spelling: 600000 → "10m", 1500 → "1500ms", 86400000 → "1d". */
export const formatDuration = (ms: number): string => {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    const size = UNIT_MS[unit] ?? 1;
    if (ms !== 0 && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
};
