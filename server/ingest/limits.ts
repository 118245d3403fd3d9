/** Limits every ingest path enforces; each breach is refused with a sentence naming the limit, and nothing is written. */

/** Largest request body accepted on the wire (413 above). */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;
/** Largest decompressed payload (snappy or gzip), checked from the header or while inflating, before allocating. */
export const MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;
export const MAX_LABELS_PER_SERIES = 64;
export const MAX_LABEL_NAME_BYTES = 1024;
export const MAX_LABEL_VALUE_BYTES = 4096;
/** Samples stamped further ahead than this are skipped and counted, not stored. */
export const MAX_FUTURE_SKEW_MS = 10 * 60 * 1000;

/**
 * Reads a request or response body, refusing it before reading when its Content-Length is over `MAX_BODY_BYTES`
 * and as soon as the bytes read pass it. `tooLarge` words the refusal for the caller (a client's request, a page).
 */
export async function readCappedBody(
  message: { headers: Headers; body: ReadableStream<Uint8Array> | null },
  tooLarge: (bytes: number | null) => Error,
): Promise<Uint8Array> {
  const declared = Number(message.headers.get("content-length") ?? "0");
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) throw tooLarge(declared);
  const reader = message.body?.getReader();
  if (!reader) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > MAX_BODY_BYTES) {
      await reader.cancel();
      throw tooLarge(null);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}
