/**
 * Series key → id, bounded, with least-recently-used eviction approximated by two generations: hits land in the
 * current map; when it holds half the capacity it becomes the previous one and the one before is dropped. A hit in
 * the current generation is one Map lookup (an exact LRU moves the entry on every hit), and nothing used within the
 * last half-capacity of insertions is ever evicted. 500,000 entries (the default) hold a large fleet's active series.
 */
export class SeriesIdCache {
  private current = new Map<string, number>();
  private previous = new Map<string, number>();

  constructor(private readonly capacity: number) {}

  get(key: string): number | undefined {
    const id = this.current.get(key);
    if (id !== undefined) return id;
    const old = this.previous.get(key);
    if (old !== undefined) this.set(key, old);
    return old;
  }

  set(key: string, id: number): void {
    this.current.set(key, id);
    if (this.current.size >= Math.max(1, Math.floor(this.capacity / 2))) {
      this.previous = this.current;
      this.current = new Map();
    }
  }

  get size(): number {
    let n = this.current.size;
    for (const key of this.previous.keys()) if (!this.current.has(key)) n++;
    return n;
  }
}
