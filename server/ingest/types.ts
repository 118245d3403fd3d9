/**
 * The one shape every ingest decoder produces and the sink consumes. Decoders know nothing about the database:
 * they turn a wire payload into `DecodedBatch` or throw `IngestError` with a sentence that names the field,
 * line or limit at fault.
 */

/** Label names and values as the producer sent them, without `__name__` (that is `DecodedSeries.metric`). */
export type Labels = Record<string, string>;

export interface SamplePoint {
  /** Milliseconds since the Unix epoch. */
  tsMs: number;
  /** Finite, ±Infinity or NaN (a real NaN value, not a staleness marker). */
  value: number;
}

export interface DecodedSeries {
  metric: string;
  labels: Labels;
  /** Ordered as received. */
  samples: readonly SamplePoint[];
  /** Timestamps (ms) of Prometheus staleness markers: the series ended here; recorded as staleness, never as values. */
  staleMs?: number[];
  /**
   * `seriesKey(metric, labels)`, when the decoder already has it (remote_write remembers it per label set); the
   * labels are then already normalised (no empty values) and shared between batches, so they are never changed.
   */
  key?: string;
  /** Where the sink keeps the series' id, shared by every batch that names the series (see SeriesIdSlot). */
  idSlot?: SeriesIdSlot;
}

/**
 * A place the sink keeps a series' id in, handed out by a decoder that remembers series between requests
 * (remote_write, per label set): a batch of known series then needs no lookup by series key. `owner` is the sink
 * whose database the id belongs to; another sink ignores the slot and overwrites it.
 */
export interface SeriesIdSlot {
  owner: object | undefined;
  id: number;
}

/** Samples in columns, in the order received; row i is `values[i]` at `tsMs[i]` of `series[seriesAt[i]]`. */
export interface SampleRows {
  seriesAt: Int32Array;
  tsMs: Float64Array;
  values: Float64Array;
}

/** An empty `samples` that can be shared: frozen, so no reader can add to it. */
export const NO_SAMPLES: readonly SamplePoint[] = Object.freeze([]);

/** How many samples a batch holds: its series' own and its rows. */
export function sampleCount(batch: DecodedBatch): number {
  let n = batch.rows?.tsMs.length ?? 0;
  for (const series of batch.series) n += series.samples.length;
  return n;
}

/** The samples of `series[index]`, its own then those in the batch's rows, in the order received. */
export function samplesOf(batch: DecodedBatch, index: number): SamplePoint[] {
  const out = [...batch.series[index]!.samples];
  const rows = batch.rows;
  if (rows) for (let i = 0; i < rows.tsMs.length; i++) if (rows.seriesAt[i] === index) out.push({ tsMs: rows.tsMs[i]!, value: rows.values[i]! });
  return out;
}

/** Per-metric facts a producer declared (type, help, unit); optional, for display and type-aware queries. */
export interface MetricMetadata {
  metric: string;
  type: "counter" | "gauge" | "histogram" | "gaugehistogram" | "summary" | "info" | "stateset" | "unknown";
  help?: string;
  unit?: string;
}

export interface DecodedBatch {
  series: DecodedSeries[];
  /**
   * More samples, in columns, each naming its series by position in `series`: a batch's samples are every series'
   * `samples` and these. remote_write hands its samples over this way, so a request of 2,000 series makes three
   * arrays instead of an array and an object for every series and sample.
   */
  rows?: SampleRows;
  metadata: MetricMetadata[];
  /** Things present in the payload that Flightdeck counts and skips (exemplars, native histograms, …). */
  skipped: Partial<
    Record<"exemplars" | "nativeHistograms" | "exponentialHistograms" | "duplicateSamples" | "other", number>
  >;
}

export class IngestError extends Error {
  /** HTTP status the route answers with: 400 malformed, 413 over a size limit, 415 unsupported media type, 429 over a rate limit. */
  readonly status: 400 | 413 | 415 | 429;
  constructor(message: string, status: 400 | 413 | 415 | 429 = 400) {
    super(message);
    this.name = "IngestError";
    this.status = status;
  }
}
