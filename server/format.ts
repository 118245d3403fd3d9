/**
 * How figures read, for the pages and for the sentences the server writes (the Overview's findings): one place, so
 * "$1,234" and "2.1 GPU-h" read the same everywhere.
 *
 * Dates in tables are shown in UTC with a fixed pattern: the server renders them before the browser hydrates, and a
 * locale- or zone-dependent format would differ between the two.
 */
export function formatUtc(value: Date | string | null | undefined): string {
  if (!value) return "—";
  const d = typeof value === "string" ? new Date(value) : value;
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** Ratios are 0–1 inside Flightdeck; only the UI shows percent. */
export function formatPercent(ratio: number | null | undefined, digits = 0): string {
  return ratio === null || ratio === undefined || !Number.isFinite(ratio) ? "—" : `${(ratio * 100).toFixed(digits)}%`;
}

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return "—";
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value >= 100 || unit === 0 ? 0 : 1)} ${units[unit]}`;
}

/** A count or rate for a table: whole and grouped from 100 up, one decimal below (whole when it is whole). */
export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "—";
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString("en-US");
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/** A step between points as people say it: 15 s, 1.2 min, 3 h. */
export function formatStep(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 3_600_000) return `${Number((ms / 60_000).toFixed(1))} min`;
  return `${Number((ms / 3_600_000).toFixed(1))} h`;
}

/** Where a chart's points come from: raw samples, a rollup, or the PromQL engine. */
export function formatSource(read: { resolution: string; engine?: string }): string {
  if (read.engine) return "from the PromQL engine";
  return read.resolution === "raw" ? "raw samples" : `${read.resolution} rollups`;
}

export function formatHours(hours: number): string {
  return hours >= 100 ? `${Math.round(hours).toLocaleString("en-US")} GPU-h` : `${hours.toFixed(1)} GPU-h`;
}

/** An axis or tooltip time in UTC: "10:05" within a day, "Nov 20 10:05" across days. */
export function formatAxisTime(ms: number, spanMs: number): string {
  const iso = new Date(ms).toISOString();
  const hm = iso.slice(11, 16);
  if (spanMs <= 36 * 3600_000) return hm;
  const month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][new Date(ms).getUTCMonth()];
  return `${month} ${new Date(ms).getUTCDate()} ${hm}`;
}

/**
 * Dollars: whole dollars from $100 up (or always, with `whole`), cents below; a price keeps up to 4 decimals
 * (`price`), since a GPU-hour or a GB can cost a fraction of a cent more than a round figure; `cents` always shows
 * cents, for figures finance reconciles.
 */
export function formatUsd(amount: number, opts: { whole?: boolean; price?: boolean; cents?: boolean } = {}): string {
  const digits = opts.cents
    ? { minimumFractionDigits: 2, maximumFractionDigits: 2 }
    : opts.price ? { minimumFractionDigits: 2, maximumFractionDigits: 4 } : opts.whole || amount >= 100 ? { maximumFractionDigits: 0 } : { minimumFractionDigits: 2, maximumFractionDigits: 2 };
  return amount.toLocaleString("en-US", { style: "currency", currency: "USD", ...digits });
}
