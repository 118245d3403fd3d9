import fc from "fast-check";
import { compress } from "snappyjs";
import { describe, expect, it } from "vitest";
import { uncompressSnappyBlock } from "./snappy-block";
import { IngestError } from "./types";

/** Snappy's elements, as a stream is written: literals, and copies of 1, 2 or 4 offset bytes (tags 1, 2, 3). */
type Element = { literal: number[] } | { copy: 1 | 2 | 3; length: number; offset: number };

function uvarint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

/** The bytes of a stream declaring `declared` bytes; lengths and offsets are written as given, in range or not. */
function encode(declared: number, elements: Element[]): Uint8Array {
  const out = uvarint(declared);
  for (const e of elements) {
    if ("literal" in e) {
      const n = e.literal.length - 1;
      if (n < 60) out.push(n << 2);
      else if (n < 0x100) out.push(60 << 2, n);
      else out.push(61 << 2, n & 0xff, n >>> 8);
      out.push(...e.literal);
    } else if (e.copy === 1) {
      out.push((((e.offset >>> 8) & 7) << 5) | (((e.length - 4) & 7) << 2) | 1, e.offset & 0xff);
    } else if (e.copy === 2) {
      out.push((((e.length - 1) & 63) << 2) | 2, e.offset & 0xff, (e.offset >>> 8) & 0xff);
    } else {
      out.push((((e.length - 1) & 63) << 2) | 3, e.offset & 0xff, (e.offset >>> 8) & 0xff, (e.offset >>> 16) & 0xff, 0);
    }
  }
  return Uint8Array.from(out);
}

/** The plainest reading of the same stream: byte by byte, null for anything out of place. */
function reference(declared: number, elements: Element[]): Uint8Array | null {
  const out: number[] = [];
  for (const e of elements) {
    if ("literal" in e) {
      out.push(...e.literal);
    } else {
      const length = e.copy === 1 ? ((e.length - 4) & 7) + 4 : ((e.length - 1) & 63) + 1;
      const offset = e.copy === 1 ? e.offset & 0x7ff : e.copy === 2 ? e.offset & 0xffff : e.offset & 0xffffff;
      if (offset === 0 || offset > out.length) return null;
      for (let k = 0; k < length; k++) out.push(out[out.length - offset]!);
    }
    if (out.length > declared) return null;
  }
  return out.length === declared ? Uint8Array.from(out) : null;
}

const element: fc.Arbitrary<Element> = fc.oneof(
  fc.record({ literal: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 300 }) }),
  fc.record({ copy: fc.constantFrom(1 as const, 2 as const, 3 as const), length: fc.integer({ min: 1, max: 64 }), offset: fc.integer({ min: 0, max: 400 }) }),
);

describe("uncompressSnappyBlock", () => {
  it("gives back what snappyjs compressed, repetitive or not", () => {
    const data = fc.oneof(
      fc.uint8Array({ maxLength: 5000 }),
      // Runs and repeated patterns: long and overlapping copies.
      fc.array(fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 200 })), { maxLength: 20 }).map((parts) => {
        const bytes: number[] = [];
        for (const [pattern, times] of parts) for (let t = 0; t < times; t++) bytes.push(...pattern);
        return Uint8Array.from(bytes);
      }),
    );
    fc.assert(
      fc.property(data, (bytes) => {
        expect(Array.from(uncompressSnappyBlock(compress(bytes)))).toEqual(Array.from(bytes));
      }),
    );
  });

  it("reads any stream of literals and copies as a byte-by-byte reading does, and refuses what that one cannot read", () => {
    fc.assert(
      fc.property(fc.array(element, { maxLength: 30 }), fc.integer({ min: -3, max: 3 }), (elements, skew) => {
        const exact = reference(Number.MAX_SAFE_INTEGER, elements);
        const declared = Math.max(0, (exact?.length ?? elements.length * 8) + skew);
        const expected = reference(declared, elements);
        let got: Uint8Array | IngestError;
        try {
          got = uncompressSnappyBlock(encode(declared, elements));
        } catch (error) {
          expect(error).toBeInstanceOf(IngestError);
          expect((error as IngestError).message).toMatch(/^snappy: .+ (at byte \d+|of the declared \d+ bytes)$/);
          got = error as IngestError;
        }
        if (expected === null) expect(got).toBeInstanceOf(IngestError);
        else expect(Array.from(got as Uint8Array)).toEqual(Array.from(expected));
      }),
      { numRuns: 500 },
    );
  });
});
