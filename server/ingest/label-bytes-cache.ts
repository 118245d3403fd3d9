/**
 * A remote_write sender writes a series' labels as the same bytes in every request (Prometheus keeps each series'
 * label set and encodes it the same way each time), so the decoder remembers, for label bytes it has parsed and
 * checked once, what they meant: the metric name, the labels and the series key. A request of 2,000 known series
 * then reads no label at all: the bytes are hashed, compared with the remembered copy and the earlier answer is used.
 * Bounded by a GenerationalCache, as the sink's series ids are.
 */
import { GenerationalCache } from "./generational-cache";
import { type DecodedSeries, type Labels, NO_SAMPLES, type SeriesIdSlot } from "./types";

export interface SeriesIdentity {
  metric: string;
  /** Shared by every batch that names this series: read, never changed. */
  labels: Readonly<Labels>;
  /** `seriesKey(metric, labels)`: what the sink's id cache is keyed by. */
  key: string;
}

/** A remembered label set: what it means, the slot for its id, and the series a batch can hold for it as it is. */
export interface KnownSeries extends SeriesIdentity, SeriesIdSlot {
  /**
   * `{ metric, labels, key, idSlot }` with no samples of its own (frozen): what a batch lists for this series when its
   * samples are in the batch's rows, the same object every time.
   */
  series: Readonly<DecodedSeries>;
}

interface Entry extends KnownSeries {
  /** A Buffer, for its native range comparison (a byte loop in JS took half the decoder's time on known series). */
  bytes: Buffer;
  /** Another label set with the same hash. */
  next: Entry | undefined;
}

/**
 * MurmurHash3's 32-bit mixing over the bytes, four at a time, cut to 30 bits so V8 keeps it a small integer (a Map key
 * without a heap number). A byte-at-a-time hash was the decoder's largest cost on Prometheus-sized label sets.
 */
export function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let hash = end - start;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    hash ^= mixWord(bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
    hash = (Math.imul((hash << 13) | (hash >>> 19), 5) + 0xe6546b64) | 0;
  }
  let tail = 0;
  for (let shift = 0; i < end; i++, shift += 8) tail |= bytes[i]! << shift;
  hash ^= mixWord(tail);
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash & 0x3fffffff;
}

function mixWord(word: number): number {
  word = Math.imul(word, 0xcc9e2d51);
  return Math.imul((word << 15) | (word >>> 17), 0x1b873593);
}

export class LabelBytesCache {
  /** Label sets by hash, each the head of a chain of the label sets sharing that hash. */
  private readonly byHash: GenerationalCache<number, Entry>;

  constructor(capacity: number) {
    this.byHash = new GenerationalCache(capacity);
  }

  /** What `bytes[start, end)` meant when last parsed, if they were, with the slot the sink keeps the series' id in. */
  get(bytes: Uint8Array, start: number, end: number, hash: number): KnownSeries | undefined {
    for (let e = this.byHash.get(hash); e; e = e.next) if (e.bytes.length === end - start && e.bytes.compare(bytes, start, end) === 0) return e;
    return undefined;
  }

  /**
   * Remembers what `bytes[start, end)` mean (a copy of the bytes is kept, the request's buffer is not), and returns
   * it as `get` will.
   */
  set(bytes: Uint8Array, start: number, end: number, hash: number, identity: SeriesIdentity): KnownSeries {
    const next = this.byHash.get(hash);
    const { metric, labels, key } = identity;
    const entry = { metric, labels, key, owner: undefined, id: 0, bytes: Buffer.from(bytes.subarray(start, end)), next } as Entry;
    entry.series = Object.freeze({ metric, labels: labels as Labels, samples: NO_SAMPLES, key, idSlot: entry });
    this.byHash.set(hash, entry);
    return entry;
  }
}
