/**
 * The time range every view reads, kept in the URL: `?range=24h` for a preset ending now, or `?from=…&to=…`
 * (ISO 8601 or epoch milliseconds) for a fixed window. Pure: used by server pages, the picker and the query layer.
 */

export const RANGE_PRESETS = ["15m", "1h", "6h", "24h", "7d", "30d"] as const;
export type RangePreset = (typeof RANGE_PRESETS)[number];

export const DEFAULT_PRESET: RangePreset = "24h";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const PRESET_MS: Record<RangePreset, number> = {
  "15m": 15 * MINUTE,
  "1h": HOUR,
  "6h": 6 * HOUR,
  "24h": DAY,
  "7d": 7 * DAY,
  "30d": 30 * DAY,
};

export const PRESET_LABELS: Record<RangePreset, string> = {
  "15m": "Last 15 minutes",
  "1h": "Last hour",
  "6h": "Last 6 hours",
  "24h": "Last 24 hours",
  "7d": "Last 7 days",
  "30d": "Last 30 days",
};

/** Two years: the longest retention (1 h rollups), so a longer window could only show nothing. */
export const MAX_RANGE_MS = 2 * 365 * DAY;
/** One minute: the finest rollup; anything shorter is a typo in a hand-edited URL. */
export const MIN_RANGE_MS = MINUTE;

export type TimeRange =
  | { kind: "preset"; preset: RangePreset; startMs: number; endMs: number }
  | { kind: "absolute"; startMs: number; endMs: number };

export interface RangeSearchParams {
  range?: string | string[] | null;
  from?: string | string[] | null;
  to?: string | string[] | null;
}

export interface ParsedRange {
  range: TimeRange;
  /** Why the URL's range was not used (the default then stands in), for the page to show. */
  error: string | null;
}

function first(value: string | string[] | null | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : (value ?? undefined);
}

function isPreset(value: string): value is RangePreset {
  return (RANGE_PRESETS as readonly string[]).includes(value);
}

/** Epoch milliseconds from an ISO 8601 timestamp or a plain integer of milliseconds; NaN when neither. */
export function parseInstant(text: string): number {
  const trimmed = text.trim();
  if (/^\d{1,15}$/.test(trimmed)) return Number(trimmed);
  // Date.parse takes many loose forms; require at least a full date so "5" or "May" do not pass.
  if (!/^\d{4}-\d{2}-\d{2}/.test(trimmed)) return Number.NaN;
  return Date.parse(trimmed);
}

export function presetRange(preset: RangePreset, nowMs: number): TimeRange {
  return { kind: "preset", preset, startMs: nowMs - PRESET_MS[preset], endMs: nowMs };
}

export function parseTimeRange(params: RangeSearchParams, nowMs: number): ParsedRange {
  const fallback = presetRange(DEFAULT_PRESET, nowMs);
  const fromText = first(params.from);
  const toText = first(params.to);
  if (fromText !== undefined || toText !== undefined) {
    if (!fromText || !toText) {
      return { range: fallback, error: "A custom range needs both from and to; showing the last 24 hours." };
    }
    const startMs = parseInstant(fromText);
    const endMs = parseInstant(toText);
    if (Number.isNaN(startMs)) return { range: fallback, error: `from=${fromText} is not a date or epoch milliseconds.` };
    if (Number.isNaN(endMs)) return { range: fallback, error: `to=${toText} is not a date or epoch milliseconds.` };
    if (endMs - startMs < MIN_RANGE_MS) return { range: fallback, error: "from must be at least a minute before to." };
    if (endMs - startMs > MAX_RANGE_MS) return { range: fallback, error: "A range can span at most two years." };
    return { range: { kind: "absolute", startMs, endMs }, error: null };
  }
  const preset = first(params.range);
  if (preset === undefined || preset === "") return { range: fallback, error: null };
  if (!isPreset(preset)) {
    return { range: fallback, error: `range=${preset} is not one of ${RANGE_PRESETS.join(", ")}; showing the last 24 hours.` };
  }
  return { range: presetRange(preset, nowMs), error: null };
}

/** The query-string entries that reproduce a range (other parameters are left to the caller). */
export function rangeToSearchParams(range: TimeRange): Record<string, string> {
  if (range.kind === "preset") return { range: range.preset };
  return { from: new Date(range.startMs).toISOString(), to: new Date(range.endMs).toISOString() };
}

export const RANGE_PARAM_NAMES = ["range", "from", "to"] as const;

/** Auto-refresh intervals a page may ask for in its URL (`refresh=30s`); absent means off. */
export const REFRESH_INTERVALS = { "10s": 10_000, "30s": 30_000, "1m": 60_000 } as const;
export type RefreshInterval = keyof typeof REFRESH_INTERVALS;

export function readRefresh(value: string | null | undefined): RefreshInterval | null {
  return value && value in REFRESH_INTERVALS ? (value as RefreshInterval) : null;
}
