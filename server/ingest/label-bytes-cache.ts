/**
 * A remote_write sender writes a series' labels as the same bytes in every request (Prometheus keeps each series'
 * label set and encodes it the same way each time), so the decoder remembers, for label bytes it has parsed and
 * checked once, what they meant: the metric name, the labels and the series key. A request of 2,000 known series
 * then reads no label at all: the bytes are hashed, compared with the remembered copy and the earlier answer is used.
 * Bounded by a GenerationalCache, as the sink's series ids are.
 */
import { GenerationalCache } from "./generational-cache";
import type { Labels } from "./types";

export interface SeriesIdentity {
  metric: string;
  /** Shared by every batch that names this series: read, never changed. */
  labels: Readonly<Labels>;
  /** `seriesKey(metric, labels)`: what the sink's id cache is keyed by. */
  key: string;
}

interface Entry extends SeriesIdentity {
  bytes: Uint8Array;
  /** Another label set with the same hash. */
  next: Entry | undefined;
}

/** FNV-1a over the bytes, seeded with their length, cut to 30 bits so V8 keeps it a small integer (a Map key without a heap number). */
export function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let hash = 0x811c9dc5 ^ (end - start);
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
  return hash & 0x3fffffff;
}

function sameBytes(a: Uint8Array, bytes: Uint8Array, start: number, end: number): boolean {
  if (a.length !== end - start) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== bytes[start + i]) return false;
  return true;
}

export class LabelBytesCache {
  /** Label sets by hash, each the head of a chain of the label sets sharing that hash. */
  private readonly byHash: GenerationalCache<number, Entry>;

  constructor(capacity: number) {
    this.byHash = new GenerationalCache(capacity);
  }

  /** What `bytes[start, end)` meant when last parsed, if they were. */
  get(bytes: Uint8Array, start: number, end: number, hash: number): SeriesIdentity | undefined {
    for (let e = this.byHash.get(hash); e; e = e.next) if (sameBytes(e.bytes, bytes, start, end)) return e;
    return undefined;
  }

  /** Remembers what `bytes[start, end)` mean (a copy of the bytes is kept, the request's buffer is not). */
  set(bytes: Uint8Array, start: number, end: number, hash: number, identity: SeriesIdentity): void {
    const next = this.byHash.get(hash);
    this.byHash.set(hash, { metric: identity.metric, labels: identity.labels, key: identity.key, bytes: bytes.slice(start, end), next });
  }
}
