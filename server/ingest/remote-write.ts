/**
 * Prometheus remote_write 1.0 (FORMATS.md §3.1): a snappy-block `prometheus.WriteRequest` → `DecodedBatch`.
 * Read field by field over protobufjs' `Reader` instead of a reflected `Type.decode`, so no intermediate message
 * objects or Long timestamps are made: a sender at the default 2,000 samples per request and 50 shards needs
 * this path to keep up with hundreds of thousands of samples a second.
 * - Staleness markers (the exact bits 0x7ff0000000000002) go to `staleMs`; any other NaN is a value.
 * - Exemplars and native histograms are counted in `skipped` and not decoded.
 * - Every `timeseries` entry becomes one `DecodedSeries`, in order; a series sent twice in one request is not
 *   merged (the sink keys series by labels anyway). Entries with neither samples nor markers are left out.
 * - Samples go to the batch's `rows` (columns naming each sample's series by position), not to each series'
 *   `samples`; a series whose label bytes were seen before and that has no markers is the same frozen object in
 *   every batch. A 2,000-series request thus makes three arrays, not an array and two objects per series: the
 *   objects made per sample were more than half of what ingest allocated, and the garbage collector's work with them.
 * - Labels with an empty value are dropped, as Prometheus' `labels.Builder` does; the spec forbids them anyway.
 */
import { Reader } from "protobufjs/minimal.js";
import { STALE_NAN_HIGH, STALE_NAN_LOW } from "./remote-write-encode";
import {
  checkLabelCount,
  checkLabelNameBytes,
  checkLabelValueBytes,
  quoteForError,
  REMOTE_WRITE_METRIC_TYPES,
  setLabel,
} from "./series-labels";
import { hashBytes, type KnownSeries, LabelBytesCache } from "./label-bytes-cache";
import { MAX_LABELS_PER_SERIES, MAX_LABEL_NAME_BYTES } from "./limits";
import { seriesKey } from "./series-identity";
import { uncompressSnappyBlock } from "./snappy-block";
import { IngestError, type DecodedBatch, type DecodedSeries, type Labels, type MetricMetadata, NO_SAMPLES } from "./types";

export {
  encodeRemoteWrite,
  encodeWriteRequest,
  type RemoteWriteRequest,
  type RemoteWriteTimeSeries,
} from "./remote-write-encode";

const LENGTH_DELIMITED = 2;
/** Tags as (field << 3) | wire type: Sample.value (fixed64), Sample.timestamp (varint), Label.name/value. */
const SAMPLE_VALUE_TAG = (1 << 3) | 1;
const SAMPLE_TIMESTAMP_TAG = (2 << 3) | 0;
const LABEL_NAME_TAG = (1 << 3) | 2;
const LABEL_VALUE_TAG = (2 << 3) | 2;

const LABEL_TAG = (1 << 3) | LENGTH_DELIMITED;

/** Label sets parsed before, by their bytes: 100,000 series (two generations of 50,000) at ~300 bytes each. */
const identities = new LabelBytesCache(100_000);

const utf8 = new TextDecoder("utf-8", { fatal: true });
const lenientUtf8 = new TextDecoder("utf-8");

export function decodeRemoteWrite(body: Uint8Array): DecodedBatch {
  return new WriteRequestReader(uncompressSnappyBlock(body)).read();
}

class WriteRequestReader {
  private readonly reader: Reader;
  private readonly view: DataView;
  /** What is being read, for error sentences (`timeseries[3]`), kept as parts so none is formatted per series. */
  private part: "timeseries" | "metadata" | undefined;
  private partIndex = -1;
  private exemplars = 0;
  private histograms = 0;
  private labelName = "";
  private labelValue = "";

  private readonly bytes: Uint8Array;
  /** The samples read so far, in columns (DecodedBatch.rows), grown by doubling. */
  private seriesAt: Int32Array;
  private tsMs: Float64Array;
  private values: Float64Array;
  private rowCount = 0;

  constructor(body: Uint8Array) {
    // A sample takes at least 11 bytes on the wire and its series' labels some more (a Prometheus series ~100–300
    // bytes with one sample a request): room for one per 64 bytes, doubled when a request holds more.
    const capacity = Math.max(64, body.byteLength >>> 6);
    this.seriesAt = new Int32Array(capacity);
    this.tsMs = new Float64Array(capacity);
    this.values = new Float64Array(capacity);
    // A plain view even when snappyjs hands back a Buffer: Buffer#subarray, a FastBuffer per call, took 2 s of
    // a 26 s decode profile.
    this.bytes = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
    this.reader = new Reader(this.bytes);
    this.view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  }

  read(): DecodedBatch {
    const series: DecodedSeries[] = [];
    const metadata: MetricMetadata[] = [];
    const r = this.reader;
    let seriesIndex = 0;
    let metadataIndex = 0;
    try {
      while (r.pos < r.len) {
        const tag = r.uint32();
        const field = tag >>> 3;
        if (field === 1) {
          this.part = "timeseries";
          this.partIndex = seriesIndex++;
          const decoded = this.timeSeries(this.messageEnd(tag, r.len), series.length);
          if (decoded) series.push(decoded);
        } else if (field === 3) {
          this.part = "metadata";
          this.partIndex = metadataIndex++;
          metadata.push(this.metadata(this.messageEnd(tag, r.len)));
        } else {
          this.skip(tag, r.len);
        }
        this.part = undefined;
      }
    } catch (error) {
      if (error instanceof IngestError) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new IngestError(`${this.where()}: malformed protobuf (${reason})`);
    }
    const skipped: DecodedBatch["skipped"] = {};
    if (this.exemplars) skipped.exemplars = this.exemplars;
    if (this.histograms) skipped.nativeHistograms = this.histograms;
    const n = this.rowCount;
    const rows = { seriesAt: this.seriesAt.subarray(0, n), tsMs: this.tsMs.subarray(0, n), values: this.values.subarray(0, n) };
    return { series, rows, metadata, skipped };
  }

  private where(): string {
    return this.part === undefined ? "the write request" : `${this.part}[${this.partIndex}]`;
  }

  private fail(what: string): never {
    throw new IngestError(`${this.where()}: ${what}`);
  }

  /** Reads a nested message's length; where it ends, checked against where its parent ends. */
  private messageEnd(tag: number, parentEnd: number): number {
    if ((tag & 7) !== LENGTH_DELIMITED) this.fail(`field ${tag >>> 3} has wire type ${tag & 7}, expected 2`);
    const length = this.reader.uint32();
    if (length > parentEnd - this.reader.pos) this.fail(`a field of ${length} bytes runs past the end of its message`);
    return this.reader.pos + length;
  }

  private skip(tag: number, end: number): void {
    if (tag >>> 3 === 0) this.fail("field number 0");
    this.reader.skipType(tag & 7);
    if (this.reader.pos > end) this.fail(`field ${tag >>> 3} runs past the end of its message`);
  }

  /**
   * Where the run of label fields that opens a series ends (its start when there is none), without decoding them:
   * the bytes the label cache is keyed by. Anything malformed ends the run; the full parse then reports it.
   */
  private labelRunEnd(start: number, end: number): number {
    const bytes = this.bytes;
    let pos = start;
    while (pos < end && bytes[pos] === LABEL_TAG) {
      let length = 0;
      let at = pos + 1;
      for (let shift = 0; at < end && shift < 28; shift += 7) {
        const byte = bytes[at++]!;
        length |= (byte & 0x7f) << shift;
        if (byte < 0x80) break;
        if (shift === 21) return pos;
      }
      if (at + length > end) return pos;
      pos = at + length;
    }
    return pos;
  }

  /** The index of the next row, with room for it: rows are filled in place, then taken by moving `rowCount`. */
  private nextRow(): number {
    const n = this.rowCount;
    if (n === this.tsMs.length) {
      const grow = <T extends Int32Array | Float64Array>(column: T, made: T): T => (made.set(column), made);
      this.seriesAt = grow(this.seriesAt, new Int32Array(n * 2));
      this.tsMs = grow(this.tsMs, new Float64Array(n * 2));
      this.values = grow(this.values, new Float64Array(n * 2));
    }
    return n;
  }

  /**
   * One `timeseries` entry, which becomes `series[position]` when it has samples or markers: its samples go to the
   * rows under that position. `useCache` is false when the series is read again because its labels do not all come
   * first.
   */
  private timeSeries(end: number, position: number, useCache = true): DecodedSeries | undefined {
    const r = this.reader;
    const start = r.pos;
    const firstRow = this.rowCount;
    const labelsEnd = useCache ? this.labelRunEnd(start, end) : start;
    const hash = hashBytes(this.bytes, start, labelsEnd);
    const known = labelsEnd > start ? identities.get(this.bytes, start, labelsEnd, hash) : undefined;
    if (known) r.pos = labelsEnd;
    const labels: Labels = known ? (known.labels as Labels) : {};
    let metric: string | undefined = known?.metric;
    let labelCount = 0;
    let sampleCount = 0;
    let staleMs: number[] | undefined;
    /** Whether every label came in the opening run, so the run's bytes say all there is to say about the series. */
    let labelsInRun = true;
    while (r.pos < end) {
      const tag = r.uint32();
      switch (tag >>> 3) {
        case 1: {
          if (known) {
            // More labels after the samples: the opening run was not the whole label set; read the series afresh.
            r.pos = start;
            this.rowCount = firstRow;
            return this.timeSeries(end, position, false);
          }
          if (r.pos > labelsEnd) labelsInRun = false;
          this.label(this.messageEnd(tag, end));
          const name = this.labelName;
          if (name === "__name__") {
            if (metric !== undefined) this.fail('label "__name__" appears twice');
            metric = this.labelValue;
          } else if (this.labelValue !== "") {
            if (Object.hasOwn(labels, name)) this.fail(`label ${quoteForError(name)} appears twice`);
            if (++labelCount > MAX_LABELS_PER_SERIES) checkLabelCount(labelCount, this.where());
            setLabel(labels, name, this.labelValue);
          }
          break;
        }
        case 2: {
          const sampleEnd = this.messageEnd(tag, end);
          // Read straight into the next row (taken only if the sample is not a marker): a double passed to or
          // returned from a call is a new heap number, two for every sample.
          const row = this.nextRow();
          this.tsMs[row] = 0;
          this.values[row] = 0;
          let stale = false;
          while (r.pos < sampleEnd) {
            const sampleTag = r.uint32();
            if (sampleTag === SAMPLE_VALUE_TAG) {
              const at = r.pos;
              if (at + 8 > sampleEnd) this.fail(`samples[${sampleCount}]: the value runs past its message`);
              stale =
                this.view.getUint32(at + 4, true) === STALE_NAN_HIGH && this.view.getUint32(at, true) === STALE_NAN_LOW;
              this.values[row] = this.view.getFloat64(at, true);
              r.pos = at + 8;
            } else if (sampleTag === SAMPLE_TIMESTAMP_TAG) {
              this.timestampInto(row, sampleEnd);
            } else if (sampleTag >>> 3 === 1 || sampleTag >>> 3 === 2) {
              this.fail(`samples[${sampleCount}]: field ${sampleTag >>> 3} has wire type ${sampleTag & 7}`);
            } else {
              this.skip(sampleTag, sampleEnd);
            }
          }
          if (stale) (staleMs ??= []).push(this.tsMs[row]!);
          else {
            this.seriesAt[row] = position;
            this.rowCount = row + 1;
          }
          sampleCount++;
          break;
        }
        case 3:
          r.pos = this.messageEnd(tag, end);
          this.exemplars++;
          break;
        case 4:
          r.pos = this.messageEnd(tag, end);
          this.histograms++;
          break;
        default:
          this.skip(tag, end);
      }
    }
    if (!metric) this.fail("no __name__ label");
    let remembered: KnownSeries | undefined = known;
    if (!known && labelsInRun && labelsEnd > start) {
      // Shared by every later batch that names the series, so nothing may change it.
      remembered = identities.set(this.bytes, start, labelsEnd, hash, { metric, labels: Object.freeze(labels), key: seriesKey(metric, labels) });
    }
    if (this.rowCount === firstRow && !staleMs) return undefined;
    // The common case, a remembered series without markers, makes nothing: the batch lists the remembered object.
    if (remembered && !staleMs) return remembered.series;
    const series: DecodedSeries = { metric, labels, samples: NO_SAMPLES };
    if (staleMs) series.staleMs = staleMs;
    if (remembered) {
      series.key = remembered.key;
      series.idSlot = remembered;
    }
    return series;
  }

  /** Into `labelName`/`labelValue`, so the hot path makes no pair objects. */
  private label(end: number): void {
    const r = this.reader;
    let nameAt = 0;
    let nameBytes = 0;
    let valueAt = 0;
    let valueBytes = 0;
    while (r.pos < end) {
      const tag = r.uint32();
      if (tag === LABEL_NAME_TAG || tag === LABEL_VALUE_TAG) {
        const stringEnd = this.messageEnd(tag, end);
        if (tag === LABEL_NAME_TAG) {
          nameAt = r.pos;
          nameBytes = stringEnd - r.pos;
        } else {
          valueAt = r.pos;
          valueBytes = stringEnd - r.pos;
        }
        r.pos = stringEnd;
      } else if (tag >>> 3 === 1 || tag >>> 3 === 2) {
        this.fail(`a label's field ${tag >>> 3} has wire type ${tag & 7}, expected 2`);
      } else {
        this.skip(tag, end);
      }
    }
    if (nameBytes === 0) this.fail("a label has an empty name");
    if (nameBytes > MAX_LABEL_NAME_BYTES) {
      const preview = lenientUtf8.decode(this.bytes.subarray(nameAt, nameAt + 64));
      checkLabelNameBytes(preview, nameBytes, this.where());
    }
    const name = this.text(nameAt, nameBytes, "a label name");
    checkLabelValueBytes(name, valueBytes, this.where());
    this.labelName = name;
    this.labelValue = this.text(valueAt, valueBytes, "", name);
  }

  private metadata(end: number): MetricMetadata {
    const r = this.reader;
    let type = 0;
    let family = "";
    let help = "";
    let unit = "";
    while (r.pos < end) {
      const tag = r.uint32();
      const field = tag >>> 3;
      if (tag === ((1 << 3) | 0)) {
        type = r.uint32();
      } else if (field === 2 || field === 4 || field === 5) {
        const stringEnd = this.messageEnd(tag, end);
        const what = field === 2 ? "metric_family_name" : field === 4 ? "help" : "unit";
        const text = this.text(r.pos, stringEnd - r.pos, what);
        if (field === 2) family = text;
        else if (field === 4) help = text;
        else unit = text;
        r.pos = stringEnd;
      } else {
        this.skip(tag, end);
      }
    }
    if (!family) this.fail("no metric_family_name");
    const decoded: MetricMetadata = { metric: family, type: REMOTE_WRITE_METRIC_TYPES[type] ?? "unknown" };
    if (help) decoded.help = help;
    if (unit) decoded.unit = unit;
    return decoded;
  }

  /**
   * An int64 varint (ms) into `tsMs[row]`; 7 bytes (49 bits) in plain arithmetic cover ms timestamps up to the year
   * 19800. Stored, not returned, so no heap number is made.
   */
  private timestampInto(row: number, end: number): void {
    const bytes = this.bytes;
    let pos = this.reader.pos;
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 7 && pos < end; i++, scale *= 128) {
      const byte = bytes[pos++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        this.reader.pos = pos;
        this.tsMs[row] = value;
        return;
      }
    }
    this.tsMs[row] = this.int64Wide(end);
  }

  /** Negative and far-off timestamps: 8–10 bytes, two's complement. */
  private int64Wide(end: number): number {
    let pos = this.reader.pos;
    let value = 0n;
    for (let shift = 0n; shift < 70n && pos < end; shift += 7n) {
      const byte = this.bytes[pos++]!;
      value |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) {
        this.reader.pos = pos;
        const ms = Number(BigInt.asIntN(64, value));
        if (!Number.isSafeInteger(ms)) this.fail(`timestamp ${ms} ms is out of range`);
        return ms;
      }
    }
    return this.fail("a timestamp varint is truncated or longer than 10 bytes");
  }

  /** `what` is only for the error sentence, so a caller passes pieces and nothing is formatted on the hot path. */
  private text(at: number, length: number, what: string, labelName?: string): string {
    if (length === 0) return "";
    const bytes = this.bytes;
    if (length <= INTERNED_MAX_BYTES) {
      const interned = internAscii(bytes, at, length);
      if (interned !== undefined) return interned;
    }
    try {
      return utf8.decode(bytes.subarray(at, at + length));
    } catch {
      const subject = labelName === undefined ? what : `the value of label ${quoteForError(labelName)}`;
      return this.fail(`${subject} is not valid UTF-8`);
    }
  }
}

/**
 * Label names and values repeat across the series of a request and across requests (`job`, the instance, the
 * metric names), so short ASCII strings are kept in a table by FNV-1a hash and handed out again instead of
 * made anew: 10-label single-sample series (Prometheus' shape) decode at ~370k samples/s with it, ~180k without.
 */
const INTERNED_MAX_BYTES = 64;
const INTERN_SLOTS = 1 << 14;
const internedHashes = new Int32Array(INTERN_SLOTS);
const internedStrings: (string | undefined)[] = new Array<string | undefined>(INTERN_SLOTS).fill(undefined);

/** The string for ASCII bytes, from the table when it is there; undefined for non-ASCII, which needs TextDecoder. */
function internAscii(bytes: Uint8Array, at: number, length: number): string | undefined {
  let hash = 0x811c9dc5 ^ length;
  for (let i = at; i < at + length; i++) {
    const byte = bytes[i]!;
    if (byte >= 0x80) return undefined;
    hash = Math.imul(hash ^ byte, 0x01000193);
  }
  const slot = hash & (INTERN_SLOTS - 1);
  const cached = internedStrings[slot];
  if (cached !== undefined && internedHashes[slot] === hash && cached.length === length) {
    let same = true;
    for (let k = 0; k < length && same; k++) same = cached.charCodeAt(k) === bytes[at + k];
    if (same) return cached;
  }
  const made = String.fromCharCode.apply(null, bytes.subarray(at, at + length) as unknown as number[]);
  internedHashes[slot] = hash;
  internedStrings[slot] = made;
  return made;
}
