/**
 * Snappy block format (not framed), as remote_write requires (FORMATS.md §3.1), decompressed in one pass that
 * refuses anything inexact: the declared length is checked against the limit before anything is allocated (a 20-byte
 * body may claim 4 GiB), every literal and copy must stay inside the input and the bytes produced so far, and the
 * output must come out at exactly the declared length. (snappyjs 0.7.0, still used to compress, trusts its input: a
 * literal length of 2^31 or more turns negative and walks its loop backwards forever, and a stream that stops short
 * comes back zero-padded as if whole.) Long literals and copies move with the typed array's own copy, short ones
 * byte by byte.
 */
import { compress } from "snappyjs";
import { MAX_DECOMPRESSED_BYTES } from "./limits";
import { IngestError } from "./types";

/** From this length a literal or a non-overlapping copy goes through set/copyWithin instead of a byte loop. */
const BULK_COPY_BYTES = 32;

export function uncompressSnappyBlock(body: Uint8Array): Uint8Array {
  const { length, headerBytes } = snappyDeclaredLength(body);
  if (length > MAX_DECOMPRESSED_BYTES) {
    throw new IngestError(
      `snappy: the body declares ${length} decompressed bytes, over the limit of ${MAX_DECOMPRESSED_BYTES}`,
      413,
    );
  }
  const fail = (what: string, at: number): never => {
    throw new IngestError(`snappy: ${what} at byte ${at}`);
  };
  // Not zeroed: every byte is written before it is returned (the length is checked at the end).
  const out = Buffer.allocUnsafe(length);
  let produced = 0;
  let pos = headerBytes;
  while (pos < body.length) {
    const at = pos;
    const tag = body[pos++]!;
    let copyLength: number;
    let offset: number;
    switch (tag & 3) {
      case 0: {
        let literal = (tag >>> 2) + 1;
        if (literal > 60) {
          const lengthBytes = literal - 60;
          if (pos + lengthBytes > body.length) fail("a literal's length runs past the end", at);
          literal = 0;
          for (let k = lengthBytes - 1; k >= 0; k--) literal = literal * 256 + body[pos + k]!;
          literal += 1;
          pos += lengthBytes;
        }
        if (literal > body.length - pos) fail("a literal runs past the end", at);
        if (literal > length - produced) fail(`the data runs past the declared ${length} bytes`, at);
        if (literal >= BULK_COPY_BYTES) out.set(body.subarray(pos, pos + literal), produced);
        else for (let k = 0; k < literal; k++) out[produced + k] = body[pos + k]!;
        pos += literal;
        produced += literal;
        continue;
      }
      case 1:
        if (pos + 1 > body.length) fail("a copy runs past the end", at);
        copyLength = ((tag >>> 2) & 7) + 4;
        offset = ((tag >>> 5) << 8) | body[pos]!;
        pos += 1;
        break;
      case 2:
        if (pos + 2 > body.length) fail("a copy runs past the end", at);
        copyLength = (tag >>> 2) + 1;
        offset = body[pos]! | (body[pos + 1]! << 8);
        pos += 2;
        break;
      default:
        if (pos + 4 > body.length) fail("a copy runs past the end", at);
        copyLength = (tag >>> 2) + 1;
        offset = (body[pos]! | (body[pos + 1]! << 8) | (body[pos + 2]! << 16)) + body[pos + 3]! * 2 ** 24;
        pos += 4;
    }
    if (offset === 0 || offset > produced) fail(`a copy refers to offset ${offset} of ${produced} bytes`, at);
    if (copyLength > length - produced) fail(`the data runs past the declared ${length} bytes`, at);
    const from = produced - offset;
    // A copy may overlap what it writes (offset < length repeats a pattern): only a byte loop does that right.
    if (copyLength >= BULK_COPY_BYTES && offset >= copyLength) out.copyWithin(produced, from, from + copyLength);
    else for (let k = 0; k < copyLength; k++) out[produced + k] = out[from + k]!;
    produced += copyLength;
  }
  if (produced !== length) {
    throw new IngestError(`snappy: the data ends after ${produced} of the declared ${length} bytes`);
  }
  return out;
}

export function compressSnappyBlock(raw: Uint8Array): Uint8Array {
  return compress(raw);
}

/**
 * The declared length, read from the leading uvarint before anything is allocated.
 */
function snappyDeclaredLength(body: Uint8Array): { length: number; headerBytes: number } {
  let length = 0;
  for (let pos = 0, shift = 0; ; shift += 7) {
    // A uint32 takes at most 5 bytes of 7 bits.
    if (shift > 28) throw new IngestError("snappy: the length header runs past 5 bytes");
    if (pos >= body.length) throw new IngestError("snappy: the body ends inside its length header");
    const byte = body[pos++]!;
    length += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) {
      if (length > 0xffffffff) throw new IngestError("snappy: the length header is over 32 bits");
      return { length, headerBytes: pos };
    }
  }
}
