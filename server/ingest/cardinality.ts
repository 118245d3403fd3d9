/**
 * A cap on new series per sender per minute. A label that carries a request id or a timestamp turns every sample
 * into a new series; without a cap one such sender fills the series table and the id cache for everyone. Counted
 * per app instance, per token, in calendar minutes.
 */

export const DEFAULT_MAX_NEW_SERIES_PER_MINUTE = 100_000;

/** FLIGHTDECK_MAX_NEW_SERIES_PER_MINUTE, or the default; a value that is not a positive whole number is named. */
export function newSeriesLimitFromEnv(env: Record<string, string | undefined> = process.env): number {
  const raw = env.FLIGHTDECK_MAX_NEW_SERIES_PER_MINUTE;
  if (raw === undefined || raw === "") return DEFAULT_MAX_NEW_SERIES_PER_MINUTE;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`FLIGHTDECK_MAX_NEW_SERIES_PER_MINUTE must be a whole number of series above 0, not "${raw}".`);
  return n;
}

export class NewSeriesBudget {
  private readonly used = new Map<string, { minute: number; count: number }>();

  constructor(readonly perMinute: number) {}

  /**
   * Takes `n` new series from the sender's budget for this minute, all or none: null when admitted, else the sentence
   * the sender is answered with.
   */
  take(sender: string, label: string, n: number, nowMs: number): string | null {
    const minute = Math.floor(nowMs / 60_000);
    let entry = this.used.get(sender);
    if (!entry || entry.minute !== minute) {
      entry = { minute, count: 0 };
      this.used.set(sender, entry);
      // Senders idle since an earlier minute leave the map.
      for (const [key, e] of this.used) if (e.minute < minute) this.used.delete(key);
    }
    if (entry.count + n > this.perMinute) {
      return (
        `${label} would create ${n.toLocaleString("en-US")} new series this minute, over the limit of ` +
        `${this.perMinute.toLocaleString("en-US")} a minute (${entry.count.toLocaleString("en-US")} already created); nothing of this request was stored. ` +
        "A label whose values never repeat (a request id, a timestamp) makes every sample a new series; drop it, or raise FLIGHTDECK_MAX_NEW_SERIES_PER_MINUTE."
      );
    }
    entry.count += n;
    return null;
  }
}
