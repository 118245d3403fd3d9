/**
 * A bounded map with least-recently-used eviction approximated by two generations: hits land in the current map;
 * when it holds half the capacity it becomes the previous one and the one before is dropped. A hit in the current
 * generation is one Map lookup (an exact LRU moves the entry on every hit), and nothing used within the last
 * half-capacity of insertions is ever evicted. The sink keys series ids by series key with it (500,000 entries hold a
 * large fleet's active series); the remote_write decoder keys label sets by the hash of their bytes.
 */
export class GenerationalCache<K, V> {
  private current = new Map<K, V>();
  private previous = new Map<K, V>();

  constructor(private readonly capacity: number) {}

  get(key: K): V | undefined {
    const value = this.current.get(key);
    if (value !== undefined) return value;
    const old = this.previous.get(key);
    if (old !== undefined) this.set(key, old);
    return old;
  }

  set(key: K, value: V): void {
    this.current.set(key, value);
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
