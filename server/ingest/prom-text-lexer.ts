/**
 * The line-level grammar of Prometheus text 0.0.4 and OpenMetrics 1.0 (names, quoted strings, label sets, numbers,
 * exemplars), as Prometheus' `model/textparse` reads it. Errors name the line; `prom-text.ts` assembles series.
 */
import { quoteForError } from "./series-labels";
import { IngestError } from "./types";

const SPACE = 32;
const TAB = 9;
export const HASH = 35;
export const QUOTE = 34;
const BACKSLASH = 92;
export const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const COMMA = 44;
const EQUALS = 61;

/**
 * Go's `strconv.ParseFloat` syntax minus hex and `_`, which Prometheus' `textparse.parseFloat` refuses. No two
 * parts can match the same digits: `\d+\.?\d*` backtracked quadratically, 5 s on a 100k-digit token.
 */
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;

/** Go `strconv.ParseFloat` as Prometheus calls it: Java's `6.1153584E7`, `+Inf`, `nan`, but not `1e400`. */
export function parseGoFloat(text: string): number | undefined {
  if (DECIMAL.test(text)) {
    const value = Number(text);
    return Number.isFinite(value) ? value : undefined;
  }
  switch (text.toLowerCase()) {
    case "nan":
      return NaN;
    case "inf":
    case "+inf":
    case "infinity":
    case "+infinity":
      return Infinity;
    case "-inf":
    case "-infinity":
      return -Infinity;
    default:
      return undefined;
  }
}

export class Cursor {
  i = 0;
  constructor(
    readonly text: string,
    readonly lineNo: number,
  ) {}

  fail(message: string): never {
    throw new IngestError(`line ${this.lineNo}: ${message}`);
  }

  found(): string {
    return this.atEnd() ? "the end of the line" : quoteForError(this.text.slice(this.i));
  }

  atEnd(): boolean {
    return this.i >= this.text.length;
  }

  code(): number {
    return this.i < this.text.length ? this.text.charCodeAt(this.i) : -1;
  }

  skipBlanks(): boolean {
    const start = this.i;
    while (this.code() === SPACE || this.code() === TAB) this.i++;
    return this.i > start;
  }

  token(): string {
    const start = this.i;
    while (!this.atEnd() && this.code() !== SPACE && this.code() !== TAB) this.i++;
    return this.text.slice(start, this.i);
  }

  /** `[a-zA-Z_:][a-zA-Z0-9_:]*`; without the colon for label names. */
  name(colon: boolean): string {
    const start = this.i;
    for (; this.i < this.text.length; this.i++) {
      const c = this.text.charCodeAt(this.i);
      const letter = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || (colon && c === 58);
      if (!letter && !(c >= 48 && c <= 57 && this.i > start)) break;
    }
    return this.text.slice(start, this.i);
  }

  /**
   * A `"…"` string at the cursor, unescaped. `label` names whose value it is, for the error sentence only (one
   * formatted per label cost 2 s on a 300k-label line).
   */
  quoted(label?: string): string {
    const close = findClosingQuote(this.text, this.i + 1);
    if (close < 0) {
      const what = label === undefined ? "a quoted name" : `the value of label ${quoteForError(label)}`;
      this.fail(`${what} has no closing quote`);
    }
    const value = unescapeText(this.text.slice(this.i + 1, close), true);
    this.i = close + 1;
    return value;
  }
}

function findClosingQuote(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) return i;
    if (c === BACKSLASH) i++;
  }
  return -1;
}

/** Unknown escapes stay as written: Prometheus' replacer only rewrites `\\`, `\n` and (when `quote`) `\"`. */
export function unescapeText(text: string, quote: boolean): string {
  let at = text.indexOf("\\");
  if (at < 0) return text;
  let out = "";
  let from = 0;
  for (; at >= 0 && at + 1 < text.length; at = text.indexOf("\\", at + 2)) {
    const next = text.charCodeAt(at + 1);
    const unescaped = next === 110 ? "\n" : next === BACKSLASH ? "\\" : next === QUOTE && quote ? '"' : undefined;
    if (unescaped === undefined) continue;
    out += text.slice(from, at) + unescaped;
    from = at + 2;
  }
  return out + text.slice(from);
}

/** `{name="value",…}` at the cursor into `pairs`; returns a quoted UTF-8 metric name given first inside. */
export function readLabelSet(c: Cursor, pairs: string[]): string | undefined {
  let quotedName: string | undefined;
  c.i++;
  for (;;) {
    c.skipBlanks();
    if (c.code() === CLOSE_BRACE) {
      c.i++;
      return quotedName;
    }
    let name: string;
    if (c.code() === QUOTE) {
      name = c.quoted();
      c.skipBlanks();
      if (c.code() !== EQUALS && quotedName === undefined && pairs.length === 0) {
        // Prometheus text 1.0 (`escaping=allow-utf-8`): `{"my.dotted.metric", "error.message"="Not Found"}`
        quotedName = name;
        if (c.code() === COMMA) c.i++;
        else if (c.code() !== CLOSE_BRACE) c.fail(`expected "," or "}" after the metric name, found ${c.found()}`);
        continue;
      }
    } else {
      name = c.name(false);
      if (!name) c.fail(`expected a label name or "}", found ${c.found()}`);
      c.skipBlanks();
    }
    if (c.code() !== EQUALS) c.fail(`expected "=" after label name ${quoteForError(name)}, found ${c.found()}`);
    c.i++;
    c.skipBlanks();
    if (c.code() !== QUOTE) {
      c.fail(`expected a quoted value for label ${quoteForError(name)}, found ${c.found()}`);
    }
    pairs.push(name, c.quoted(name));
    c.skipBlanks();
    if (c.code() === COMMA) c.i++;
    else if (c.code() !== CLOSE_BRACE) {
      c.fail(`expected "," or "}" after label ${quoteForError(name)}, found ${c.found()}`);
    }
  }
}

/** A sample's timestamp in ms: integer ms in text 0.0.4, fractional seconds in OpenMetrics. */
export function readTimestamp(c: Cursor, openMetrics: boolean): number {
  const text = c.token();
  let ms: number;
  if (openMetrics) {
    const seconds = parseGoFloat(text);
    if (seconds === undefined || !Number.isFinite(seconds)) {
      c.fail(`expected a timestamp in seconds after the value, found ${quoteForError(text)}`);
    }
    // Rounded where Prometheus truncates: 1.001 s × 1000 is 1000.9999999999999 in binary floating point.
    ms = Math.round(seconds * 1000);
  } else {
    if (!INTEGER.test(text)) {
      c.fail(`expected a timestamp in milliseconds after the value, found ${quoteForError(text)}`);
    }
    ms = Number(text);
  }
  if (!Number.isSafeInteger(ms)) c.fail(`timestamp ${quoteForError(text)} is out of range`);
  return ms;
}

/** ` # {labels} value [timestamp]` after a sample: validated, not kept. */
export function skipExemplar(c: Cursor): void {
  c.i++;
  c.skipBlanks();
  if (c.code() !== OPEN_BRACE) c.fail(`expected an exemplar's labels after "#", found ${c.found()}`);
  readLabelSet(c, []);
  c.skipBlanks();
  const valueText = c.token();
  if (parseGoFloat(valueText) === undefined) {
    c.fail(`expected an exemplar value, found ${valueText ? quoteForError(valueText) : "the end of the line"}`);
  }
  c.skipBlanks();
  if (!c.atEnd()) {
    const tsText = c.token();
    if (!Number.isFinite(parseGoFloat(tsText))) {
      c.fail(`expected an exemplar timestamp, found ${quoteForError(tsText)}`);
    }
    c.skipBlanks();
    if (!c.atEnd()) c.fail(`unexpected ${c.found()} after the exemplar`);
  }
}
