/**
 * Splits a request body into JSON items as it arrives, so a 100,000-record upload is never held whole: a JSON array
 * (`[{…}, {…}]`), a single object, or JSON Lines (one object per line). Only one item's text is in memory at a time.
 */

/** One item (one record, or one shap/Alibi batch) may be at most this large. */
export const MAX_ITEM_BYTES = 8 * 1024 * 1024;

/** A body that cannot be read as items: 400, or 413 when it breaks a size limit. */
export class StreamError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 413 = 400,
  ) {
    super(message);
  }
}

const SPACE = new Set([0x20, 0x09, 0x0a, 0x0d, 0xfeff]);
const [OPEN_BRACE, CLOSE_BRACE, OPEN_BRACKET, CLOSE_BRACKET, QUOTE, BACKSLASH, COMMA, NEWLINE] = [0x7b, 0x7d, 0x5b, 0x5d, 0x22, 0x5c, 0x2c, 0x0a];

/** Yields each top-level item's JSON text; throws StreamError on a body that is neither an array, an object nor JSON Lines. */
export async function* jsonItems(chunks: AsyncIterable<string>, maxItemChars = MAX_ITEM_BYTES): AsyncGenerator<string> {
  let mode: "unknown" | "array" | "lines" = "unknown";
  let depth = 0;
  let inString = false;
  let escaped = false;
  /** The current item's text from earlier chunks; the rest is `chunk.slice(start, i)`. */
  let carried = "";
  let arrayClosed = false;
  let line = 1;
  for await (const chunk of chunks) {
    let start = depth > 0 ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (c === NEWLINE) line++;
      if (depth === 0) {
        // Between items: only structure and white space.
        if (SPACE.has(c)) continue;
        if (mode === "unknown") {
          if (c === OPEN_BRACKET) {
            mode = "array";
            continue;
          }
          if (c !== OPEN_BRACE) throw new StreamError(`Line ${line}: the body must be a JSON array of records or JSON Lines, one object a line.`);
          mode = "lines";
        }
        if (mode === "array") {
          if (c === COMMA) continue;
          if (c === CLOSE_BRACKET && !arrayClosed) {
            arrayClosed = true;
            continue;
          }
          if (arrayClosed) throw new StreamError(`Line ${line}: text after the closing ] of the array.`);
          if (c !== OPEN_BRACE) throw new StreamError(`Line ${line}: each element of the array must be an object.`);
        } else if (c !== OPEN_BRACE) {
          throw new StreamError(`Line ${line}: each line must hold one JSON object.`);
        }
        depth = 1;
        start = i;
        continue;
      }
      if (inString) {
        if (escaped) escaped = false;
        else if (c === BACKSLASH) escaped = true;
        else if (c === QUOTE) inString = false;
        continue;
      }
      if (c === QUOTE) inString = true;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) {
          const item = carried + chunk.slice(start, i + 1);
          carried = "";
          start = -1;
          if (item.length > maxItemChars) throw new StreamError(`Line ${line}: one item is larger than ${maxItemChars.toLocaleString("en-US")} bytes.`, 413);
          yield item;
        }
      }
    }
    if (depth > 0) {
      carried += chunk.slice(Math.max(0, start));
      if (carried.length > maxItemChars) throw new StreamError(`Line ${line}: one item is larger than ${maxItemChars.toLocaleString("en-US")} bytes.`, 413);
    }
  }
  if (depth !== 0 || inString) throw new StreamError(`Line ${line}: the body ends inside an item.`);
  if (mode === "array" && !arrayClosed) throw new StreamError(`Line ${line}: the array is not closed with ].`);
  if (mode === "unknown") throw new StreamError("The body is empty: send a JSON array of records or JSON Lines.");
}

/** Decodes a byte stream as UTF-8 text chunks, refusing invalid UTF-8 and bodies over `maxBytes`. */
export async function* utf8Chunks(body: ReadableStream<Uint8Array> | null, maxBytes: number): AsyncGenerator<string> {
  if (!body) return;
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const reader = body.getReader();
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) throw new StreamError(`The body is larger than ${(maxBytes / 2 ** 20).toLocaleString("en-US")} MiB; send it in parts.`, 413);
      try {
        yield decoder.decode(value, { stream: true });
      } catch {
        throw new StreamError("The body is not valid UTF-8.");
      }
    }
    yield decoder.decode();
  } finally {
    reader.releaseLock();
  }
}
