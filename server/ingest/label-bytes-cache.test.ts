import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hashBytes, LabelBytesCache, type SeriesIdentity } from "./label-bytes-cache";

const identity = (metric: string): SeriesIdentity => ({ metric, labels: {}, key: metric });
const bytesOf = (text: string) => new TextEncoder().encode(text);

describe("the label-bytes cache", () => {
  it("keeps its own copy of the bytes, so a request's buffer can be reused", () => {
    const cache = new LabelBytesCache(100);
    const request = bytesOf("xx{job=a}yy");
    cache.set(request, 2, 9, hashBytes(request, 2, 9), identity("a"));
    request.fill(0);
    const elsewhere = bytesOf("....{job=a}");
    expect(cache.get(elsewhere, 4, 11, hashBytes(elsewhere, 4, 11))?.metric).toBe("a");
    expect(cache.get(request, 2, 9, hashBytes(request, 2, 9))).toBeUndefined();
  });

  it("tells apart label sets whose hashes collide", () => {
    const cache = new LabelBytesCache(100);
    const a = bytesOf("job=a");
    const b = bytesOf("job=b");
    cache.set(a, 0, a.length, 7, identity("a"));
    cache.set(b, 0, b.length, 7, identity("b"));
    expect(cache.get(a, 0, a.length, 7)?.metric).toBe("a");
    expect(cache.get(b, 0, b.length, 7)?.metric).toBe("b");
    expect(cache.get(bytesOf("job=c"), 0, 5, 7)).toBeUndefined();
  });

  it("hashes to small integers", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const hash = hashBytes(bytes, 0, bytes.length);
        return Number.isInteger(hash) && hash >= 0 && hash < 2 ** 30;
      }),
    );
  });

  it("never answers for bytes it was not given, and knows the last ones it was given", () => {
    // A constant hash for some byte strings, so chains are exercised too.
    const hashOf = (bytes: Uint8Array) => (bytes[0]! % 2 === 0 ? 1 : hashBytes(bytes, 0, bytes.length));
    const name = (bytes: Uint8Array) => Array.from(bytes).join(",");
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 60 }), fc.integer({ min: 2, max: 16 }), (sets, capacity) => {
        const cache = new LabelBytesCache(capacity);
        for (const bytes of sets) {
          if (!cache.get(bytes, 0, bytes.length, hashOf(bytes))) cache.set(bytes, 0, bytes.length, hashOf(bytes), identity(name(bytes)));
        }
        const last = sets.at(-1)!;
        expect(cache.get(last, 0, last.length, hashOf(last))?.metric).toBe(name(last));
        for (const bytes of sets) {
          const found = cache.get(bytes, 0, bytes.length, hashOf(bytes));
          if (found) expect(found.metric).toBe(name(bytes));
        }
      }),
    );
  });
});
