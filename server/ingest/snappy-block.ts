/**
 * Snappy block format (not framed), as remote_write requires (FORMATS.md §3.1). snappyjs copies the bytes, but
 * 0.7.0 trusts the stream: a literal length of 2^31 or more turns negative and walks its loop backwards forever,
 * and a stream that stops short of its declared length comes back zero-padded as if whole. So the stream is
 * walked once here first, element by element without copying, and refused unless it is exact.
 */
import { compress, uncompress } from "snappyjs";
import { MAX_DECOMPRESSED_BYTES } from "./limits";
import { IngestError } from "./types";

export function uncompressSnappyBlock(body: Uint8Array): Uint8Array {
  checkSnappyBlock(body);
  try {
    return uncompress(body, MAX_DECOMPRESSED_BYTES);
  } catch (error) {
    throw new IngestError(`snappy: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export function compressSnappyBlock(raw: Uint8Array): Uint8Array {
  return compress(raw);
}

/**
 * The declared length, read from the leading uvarint before anything is allocated: a 20-byte body may claim
 * 4 GiB, and snappyjs would allocate all of it.
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

function checkSnappyBlock(body: Uint8Array): void {
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
        pos += literal;
        produced += literal;
        if (produced > length) fail(`the data runs past the declared ${length} bytes`, at);
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
    produced += copyLength;
    if (produced > length) fail(`the data runs past the declared ${length} bytes`, at);
  }
  if (produced !== length) {
    throw new IngestError(`snappy: the data ends after ${produced} of the declared ${length} bytes`);
  }
}
