/**
 * Series hash → id, bounded: a Map keeps insertion order, so re-inserting on a hit and evicting the first key gives
 * least-recently-used eviction. 500,000 entries (the default) hold a large fleet's active series in ~100 MB.
 */
export class SeriesIdCache {
  private readonly entries = new Map<string, number>();

  constructor(private readonly capacity: number) {}

  get(hash: string): number | undefined {
    const id = this.entries.get(hash);
    if (id !== undefined) {
      this.entries.delete(hash);
      this.entries.set(hash, id);
    }
    return id;
  }

  set(hash: string, id: number): void {
    this.entries.delete(hash);
    this.entries.set(hash, id);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
