/**
 * DELTA → CUMULATIVE for OTLP sums and histograms, following the OpenTelemetry metrics data model ("Sums:
 * Delta-to-Cumulative"): a point whose start time equals the stream's last end time is added to the running
 * total; a point whose start time is anything else is a restart and begins a new total; a point that does not end
 * after the last one is dropped (a retry of a request already taken, or a late arrival). The route holds one
 * instance in memory; it is pure and knows nothing about HTTP or storage.
 */

export interface HistogramTotals {
  count: number;
  /** Undefined once any point of the run came without a sum: a partial total would be wrong. */
  sum: number | undefined;
  bucketCounts: number[];
  explicitBounds: number[];
}

type StreamState =
  | { kind: "sum"; lastNs: number; total: number }
  | { kind: "histogram"; lastNs: number; totals: HistogramTotals };

export type DeltaResult<T> = { ok: true; cumulative: T; restarted: boolean } | { ok: false; reason: string };

/**
 * 50,000 streams: measured at ~280 B of heap per sum stream (key and state, 3 resource attributes) and ~700 B per
 * 16-bucket histogram, so the accumulator stays under 35 MB. Past that the least recently updated stream is
 * forgotten, and its next point starts a new total (which rate() reads as one counter reset).
 */
export const DEFAULT_MAX_DELTA_STREAMS = 50_000;

export class OtlpDeltaAccumulator {
  readonly maxStreams: number;
  private readonly streams = new Map<string, StreamState>();
  private evictionCount = 0;

  constructor(options: { maxStreams?: number } = {}) {
    this.maxStreams = Math.max(1, options.maxStreams ?? DEFAULT_MAX_DELTA_STREAMS);
  }

  /** Streams currently tracked. */
  get size(): number {
    return this.streams.size;
  }

  /** Streams forgotten so far to stay within `maxStreams`. */
  get evictions(): number {
    return this.evictionCount;
  }

  /**
   * The identity of one delta stream: resource attributes, scope name and version, metric name and type, data
   * point attributes. Attribute lists are sorted so the order a producer happens to send them in doesn't matter.
   */
  static streamKey(
    resource: readonly { key: string; value: string }[],
    scope: { name: string; version: string },
    metric: string,
    attributes: readonly { key: string; value: string }[],
  ): string {
    const flat = (attrs: readonly { key: string; value: string }[]) =>
      attrs
        .map((a) => `${a.key}\u0000${a.value}`)
        .sort()
        .join("\u0001");
    return [flat(resource), scope.name, scope.version, metric, flat(attributes)].join("\u0002");
  }

  addSum(key: string, startNs: number, timeNs: number, delta: number): DeltaResult<number> {
    const prev = this.take(key);
    if (prev?.kind === "sum") {
      if (isLate(prev.lastNs, startNs, timeNs)) return this.late(key, prev);
      if (startNs === 0 || startNs === prev.lastNs) {
        prev.total += delta;
        prev.lastNs = timeNs;
        this.streams.set(key, prev);
        return { ok: true, cumulative: prev.total, restarted: false };
      }
    }
    this.put(key, { kind: "sum", lastNs: timeNs, total: delta });
    return { ok: true, cumulative: delta, restarted: prev !== undefined };
  }

  addHistogram(key: string, startNs: number, timeNs: number, delta: HistogramTotals): DeltaResult<HistogramTotals> {
    const prev = this.take(key);
    if (prev?.kind === "histogram") {
      if (isLate(prev.lastNs, startNs, timeNs)) return this.late(key, prev);
      const t = prev.totals;
      const aligned = startNs === 0 || startNs === prev.lastNs;
      const sameBuckets =
        sameBounds(t.explicitBounds, delta.explicitBounds) && t.bucketCounts.length === delta.bucketCounts.length;
      if (aligned && sameBuckets) {
        t.count += delta.count;
        t.sum = t.sum === undefined || delta.sum === undefined ? undefined : t.sum + delta.sum;
        for (let i = 0; i < t.bucketCounts.length; i++) {
          t.bucketCounts[i] = (t.bucketCounts[i] ?? 0) + (delta.bucketCounts[i] ?? 0);
        }
        prev.lastNs = timeNs;
        this.streams.set(key, prev);
        return { ok: true, cumulative: copyTotals(t), restarted: false };
      }
    }
    this.put(key, { kind: "histogram", lastNs: timeNs, totals: copyTotals(delta) });
    return { ok: true, cumulative: copyTotals(delta), restarted: prev !== undefined };
  }

  /** The stream ended (a NO_RECORDED_VALUE point): its next point starts a new total. */
  end(key: string): void {
    this.streams.delete(key);
  }

  private late(key: string, prev: StreamState): DeltaResult<never> {
    this.streams.set(key, prev);
    return {
      ok: false,
      reason: "delta point does not end after the previous point of its stream (a repeated or out-of-order export)",
    };
  }

  /** Removes the stream so that `put` re-inserts it as the most recently used (Map keeps insertion order). */
  private take(key: string): StreamState | undefined {
    const state = this.streams.get(key);
    if (state !== undefined) this.streams.delete(key);
    return state;
  }

  private put(key: string, state: StreamState): void {
    this.streams.set(key, state);
    while (this.streams.size > this.maxStreams) {
      const oldest = this.streams.keys().next().value;
      if (oldest === undefined) break;
      this.streams.delete(oldest);
      this.evictionCount++;
    }
  }
}

/**
 * A point ending before the last one, or ending at the same instant without starting there (a zero-length interval
 * right after the last point is fine: the JS SDK stamps in whole milliseconds, so back-to-back collections can).
 */
function isLate(lastNs: number, startNs: number, timeNs: number): boolean {
  return timeNs < lastNs || (timeNs === lastNs && startNs !== lastNs);
}

function sameBounds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function copyTotals(t: HistogramTotals): HistogramTotals {
  return { count: t.count, sum: t.sum, bucketCounts: [...t.bucketCounts], explicitBounds: [...t.explicitBounds] };
}
