/**
 * Reads Prometheus' promqltest notation (`promql/promqltest/test.go`, README there) far enough to replay the
 * `rate`/`increase`/`delta`/`irate`/`idelta`/`resets` cases of its `functions.test` against `counters.ts`:
 * `load <interval>` blocks with the expanding series notation, `clear`, and `eval instant|range` blocks with
 * their expected series. `planQuery` says which expressions it can run and, for the rest, why not.
 */
import type { SamplePoint } from "@/server/ingest/types";
import { RANGE_FUNCTION_NAMES, type RangeFunctionName } from "./counters";
import { parseDurationMs } from "./step";

/** All labels of a series, the metric name as `__name__`, as in Prometheus. */
export type SeriesLabels = Record<string, string>;

export interface TestSeries {
  labels: SeriesLabels;
  /** Float samples; `stale` markers are dropped, since range vectors never contain them. */
  points: SamplePoint[];
  /** Native-histogram samples (`{{…}}`), counted only: `counters.ts` computes floats. */
  histogramSamples: number;
}

export interface ExpectedSeries {
  labels: SeriesLabels;
  /** One entry per step; `null` is `_`, no point expected. */
  values: Array<number | null>;
  histogram: boolean;
}

export interface EvalCase {
  /** 1-based line of the `eval` command. */
  line: number;
  expr: string;
  instant: boolean;
  /** An instant query has `startMs === endMs` and `stepMs === 0`. */
  startMs: number;
  endMs: number;
  stepMs: number;
  expectFail: boolean;
  /** A bare number line: the query must return a scalar. */
  expectsScalar: boolean;
  expected: ExpectedSeries[];
  /** Everything loaded since the last `clear`, as the storage holds it when this eval runs. */
  series: TestSeries[];
}

export type MatchOp = "=" | "!=" | "=~" | "!~";
export interface LabelMatcher {
  name: string;
  op: MatchOp;
  value: string;
}

export interface RangeCall {
  fn: RangeFunctionName;
  matchers: LabelMatcher[];
  rangeMs: number;
  offsetMs: number;
}

/** A range-function call, optionally inside `absent(…)` or `absent_over_time`/`present_over_time` of a subquery. */
export type QueryPlan =
  | { kind: "call"; call: RangeCall }
  | { kind: "absent"; call: RangeCall }
  | {
      kind: "absent_over_time" | "present_over_time";
      call: RangeCall;
      subqueryRangeMs: number;
      subqueryStepMs: number;
    };

/** 1 min: the subquery resolution promqltest's engine uses when `[5m:]` names none (`NoStepSubqueryIntervalFn`). */
export const DEFAULT_SUBQUERY_STEP_MS = 60_000;

// Decimal only: the PromQL lexer disallows hex in series descriptions, where `0x3` means "0, three more times".
const UNSIGNED = String.raw`(?:inf|nan|(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)`;
const NUMBER = new RegExp(`^[+-]?${UNSIGNED}$`, "i");
const SERIES_TOKEN = /(\{\{[^}]*\}\}(?:[+-]\{\{[^}]*\}\})?)(?:x(\d+))?|\S+/g;
const SERIES_ITEM = new RegExp(String.raw`^([+-]?${UNSIGNED}|stale)(?:([+-]${UNSIGNED})?x(\d+))?$`, "i");

/** A series value as Go's `ParseFloat` reads it: `Inf`, `-Inf`, `NaN`, `.5`, `1e3`. */
export function parseNumber(text: string): number {
  if (!NUMBER.test(text)) throw new Error(`not a number: "${text}"`);
  const body = text.toLowerCase().replace(/^[+-]/, "");
  const sign = text.startsWith("-") ? -1 : 1;
  if (body === "nan") return Number.NaN;
  return sign * (body === "inf" ? Infinity : Number(body));
}

/** A PromQL string literal at `pos` ("…", '…' or `…`), with its end position. */
function readString(text: string, pos: number): { value: string; end: number } {
  const quote = text[pos];
  if (quote !== '"' && quote !== "'" && quote !== "`") throw new Error(`expected a string at column ${pos + 1}`);
  let value = "";
  let i = pos + 1;
  const escapes: Record<string, string> = { n: "\n", t: "\t", r: "\r", "\\": "\\", '"': '"', "'": "'" };
  while (i < text.length && text[i] !== quote) {
    if (text[i] === "\\" && quote !== "`") {
      value += escapes[text[i + 1]!] ?? text[i + 1];
      i += 2;
    } else value += text[i++];
  }
  if (i >= text.length) throw new Error(`unterminated string at column ${pos + 1}`);
  return { value, end: i + 1 };
}

/** `name{l="v", l2!~"re"}`, `{…}` or `name` at `pos`: the metric name becomes a `__name__` matcher. */
function readSelector(text: string, pos: number): { matchers: LabelMatcher[]; end: number } {
  const matchers: LabelMatcher[] = [];
  const name = /[a-zA-Z_:][a-zA-Z0-9_:]*/y;
  name.lastIndex = pos;
  const metric = name.exec(text);
  let i = pos;
  if (metric) {
    matchers.push({ name: "__name__", op: "=", value: metric[0] });
    i = name.lastIndex;
  }
  if (text[i] !== "{") {
    if (!metric) throw new Error(`expected a metric or {…} at column ${pos + 1}`);
    return { matchers, end: i };
  }
  i++;
  const item = /\s*(?:([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*)?/y;
  for (;;) {
    while (text[i] === " " || text[i] === "\t") i++;
    if (text[i] === "}") return { matchers, end: i + 1 };
    item.lastIndex = i;
    const head = item.exec(text)!;
    const str = readString(text, item.lastIndex);
    // A quoted string with no operator is the metric name, the UTF-8 form `{"my.metric"}`.
    matchers.push({ name: head[1] ?? "__name__", op: (head[2] as MatchOp | undefined) ?? "=", value: str.value });
    i = str.end;
    while (text[i] === " " || text[i] === "\t") i++;
    if (text[i] === ",") i++;
    else if (text[i] !== "}") throw new Error(`expected , or } at column ${i + 1}`);
  }
}

export function matches(labels: SeriesLabels, matchers: readonly LabelMatcher[]): boolean {
  return matchers.every(({ name, op, value }) => {
    const actual = labels[name] ?? "";
    if (op === "=") return actual === value;
    if (op === "!=") return actual !== value;
    // PromQL regexes are fully anchored.
    const hit = new RegExp(`^(?:${value})$`, "u").test(actual);
    return op === "=~" ? hit : !hit;
  });
}

/** Reads one series description: `metric{labels} 1 2+3x4 _ _x2 stale Inf {{histogram}}x3`. */
export function parseSeriesDescription(text: string): {
  labels: SeriesLabels;
  values: Array<number | null | "stale" | "histogram">;
} {
  const { matchers, end } = readSelector(text, 0);
  const labels: SeriesLabels = {};
  for (const m of matchers) {
    if (m.op !== "=") throw new Error(`a series description takes only = labels: ${text}`);
    // Prometheus' labels builder drops a label with an empty value.
    if (m.value !== "") labels[m.name] = m.value;
  }
  const values: Array<number | null | "stale" | "histogram"> = [];
  // {{…}}, {{…}}xN and {{…}}+{{…}}xN hold spaces; of a histogram only the number of samples matters here.
  for (const [word, histogram, histogramRepeat] of text.slice(end).matchAll(SERIES_TOKEN)) {
    if (histogram) {
      for (let k = 0; k <= Number(histogramRepeat ?? 0); k++) values.push("histogram");
      continue;
    }
    const blanks = /^_(?:x(\d+))?$/.exec(word);
    if (blanks) {
      // `_xN` is N gaps, while `axN` is N + 1 values: the grammar counts the value at the start too.
      for (let k = 0; k < Number(blanks[1] ?? 1); k++) values.push(null);
      continue;
    }
    const item = SERIES_ITEM.exec(word);
    if (!item) throw new Error(`unreadable series value "${word}" in: ${text}`);
    if (item[1]!.toLowerCase() === "stale") {
      values.push("stale");
      continue;
    }
    let value = parseNumber(item[1]!);
    const step = item[2] === undefined ? 0 : parseNumber(item[2]);
    for (let k = 0; k <= Number(item[3] ?? 0); k++) {
      values.push(value);
      // Accumulated as the Go grammar does (`$1 += $2`), not a + k·b, so rounding matches.
      value += step;
    }
  }
  return { labels, values };
}

const seriesKey = (labels: SeriesLabels) => JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));

function loadSeries(storage: Map<string, TestSeries>, line: string, intervalMs: number): void {
  const { labels, values } = parseSeriesDescription(line);
  const key = seriesKey(labels);
  const before = storage.get(key);
  const points = new Map((before?.points ?? []).map((p) => [p.tsMs, p]));
  let histogramSamples = before?.histogramSamples ?? 0;
  values.forEach((value, k) => {
    if (value === "histogram") histogramSamples++;
    else if (typeof value === "number") points.set(k * intervalMs, { tsMs: k * intervalMs, value });
  });
  // A new object, so evals parsed earlier keep the storage as it was when they ran.
  storage.set(key, { labels, points: [...points.values()].sort((a, b) => a.tsMs - b.tsMs), histogramSamples });
}

const EVAL_INSTANT = /^eval(?:_(fail|warn|ordered|info))?\s+instant\s+(?:at\s+(.+?))?\s+(.+)$/;
const EVAL_RANGE = /^eval(?:_(fail|warn|info))?\s+range\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+?)\s+(.+)$/;

/** Every `eval` of a promqltest file, each with the series its storage holds at that point. */
export function parsePromqlTest(text: string): EvalCase[] {
  // As promqltest's getLines: trimmed, comment lines blank; a blank line ends a block.
  const lines = text.split("\n").map((l) => (l.trim().startsWith("#") ? "" : l.trim()));
  const cases: EvalCase[] = [];
  let storage = new Map<string, TestSeries>();
  for (let i = 0; i < lines.length; i++) {
    const command = lines[i]!;
    if (command === "") continue;
    const word = command.split(/[\t ]+/)[0]!.toLowerCase();
    if (word === "clear") {
      storage = new Map();
    } else if (word.startsWith("load")) {
      const interval = /^load(?:_with_nhcb)?\s+(.+?)$/.exec(command);
      if (!interval) throw new Error(`line ${i + 1}: invalid load command`);
      const intervalMs = parseDurationMs(interval[1]!);
      while (lines[i + 1]) loadSeries(storage, lines[++i]!, intervalMs);
    } else if (word.startsWith("eval")) {
      const instant = EVAL_INSTANT.exec(command);
      const range = instant ? null : EVAL_RANGE.exec(command);
      if (!instant && !range) throw new Error(`line ${i + 1}: invalid eval command`);
      const startMs = parseDurationMs(instant ? (instant[2] ?? "0") : range![2]!);
      const evalCase: EvalCase = {
        line: i + 1,
        expr: instant ? instant[3]! : range![5]!,
        instant: Boolean(instant),
        startMs,
        endMs: instant ? startMs : parseDurationMs(range![3]!),
        stepMs: instant ? 0 : parseDurationMs(range![4]!),
        expectFail: (instant ?? range)![1] === "fail",
        expectsScalar: false,
        expected: [],
        series: [...storage.values()],
      };
      while (lines[i + 1]) {
        const expectation = lines[++i]!;
        if (/^expect(ed_fail_\w+)?\s/.test(expectation)) {
          if (/^expect(ed)?[\s_]+fail/.test(expectation)) evalCase.expectFail = true;
        } else if (NUMBER.test(expectation)) {
          evalCase.expectsScalar = true;
        } else {
          const { labels, values } = parseSeriesDescription(expectation);
          const histogram = values.includes("histogram");
          evalCase.expected.push({ labels, values: values.map((v) => (typeof v === "number" ? v : null)), histogram });
        }
      }
      cases.push(evalCase);
    } else {
      throw new Error(`line ${i + 1}: unknown command "${command}"`);
    }
  }
  return cases;
}

/**
 * Reads the expressions this harness can run: `fn(selector[range] [offset d])` for the six range functions,
 * optionally inside `absent(…)`, `absent_over_time(…[r:s])` or `present_over_time(…[r:s])`. Anything else
 * throws, saying what a full PromQL engine would be needed for.
 */
export function planQuery(expr: string): QueryPlan {
  let i = 0;
  const sticky = (pattern: RegExp, what: string) => {
    pattern.lastIndex = i;
    const hit = pattern.exec(expr);
    if (!hit) throw new Error(`${what} expected at column ${i + 1} of ${expr}`);
    i = pattern.lastIndex;
    return hit;
  };
  const call = (): RangeCall => {
    const fn = sticky(/\s*([a-zA-Z_]\w*)\s*\(\s*/y, "a function call")[1]!;
    if (!(RANGE_FUNCTION_NAMES as readonly string[]).includes(fn)) {
      throw new Error(`${fn}(…) is not a range function counters.ts computes`);
    }
    const selector = readSelector(expr, i);
    i = selector.end;
    const [, range, minus, offset] = sticky(/\s*\[([^\]:]+)\](?:\s+offset\s+(-?)(\w+))?\s*\)/y, "[range], offset or )");
    const offsetMs = offset ? (minus ? -1 : 1) * parseDurationMs(offset) : 0;
    const rangeMs = parseDurationMs(range!.trim());
    return { fn: fn as RangeFunctionName, matchers: selector.matchers, rangeMs, offsetMs };
  };
  const head = /^\s*(absent|absent_over_time|present_over_time)\s*\(/.exec(expr);
  let plan: QueryPlan;
  if (!head) {
    plan = { kind: "call", call: call() };
  } else {
    i = head[0].length;
    const inner = call();
    if (head[1] === "absent") {
      plan = { kind: "absent", call: inner };
    } else {
      const [, range, step] = sticky(/\s*\[([^\]:]+):([^\]]*)\]/y, "a subquery [range:step]");
      const subqueryStepMs = step!.trim() ? parseDurationMs(step!.trim()) : DEFAULT_SUBQUERY_STEP_MS;
      const subqueryRangeMs = parseDurationMs(range!.trim());
      plan = { kind: head[1] as "absent_over_time", call: inner, subqueryRangeMs, subqueryStepMs };
    }
    sticky(/\s*\)/y, ")");
  }
  if (expr.slice(i).trim()) throw new Error(`"${expr.slice(i).trim()}" after the call (an operator or modifier)`);
  return plan;
}
