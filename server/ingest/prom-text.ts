/**
 * Prometheus text exposition 0.0.4 and OpenMetrics 1.0 pages → `DecodedBatch` (FORMATS.md §4.1–4.2). Where the
 * formats leave room, this follows what Prometheus' own scrape does (`model/textparse`, `scrape/`), so a page
 * Prometheus ingests is ingested here the same way:
 * - `_created` lines are kept as ordinary series (`foo_created`, value in Unix seconds), as Prometheus does with
 *   created-timestamp ingestion off, its default;
 * - a series repeated with the same timestamp (or none) keeps its first sample; later ones are dropped and counted
 *   in `skipped.duplicateSamples` instead of failing the page, as the scrape loop drops and counts them;
 * - labels with an empty value are dropped (`pod_uid=""` ≡ no `pod_uid`), as `labels.Builder` does;
 * - unknown escapes in label values (`\t`, `C:\x`) stay as written: Prometheus only rewrites `\\`, `\"`, `\n`;
 * - `extraLabels` (target labels) win over exposed labels of the same name, which are kept as `exported_<name>`,
 *   as with Prometheus' default `honor_labels: false`.
 */
import {
  Cursor,
  HASH,
  OPEN_BRACE,
  parseGoFloat,
  QUOTE,
  readLabelSet,
  readTimestamp,
  skipExemplar,
  unescapeText,
} from "./prom-text-lexer";
import {
  checkLabelCount,
  checkLabelNameBytes,
  checkLabelValueBytes,
  metricTypeFromText,
  quoteForError,
  setLabel,
  utf8ByteLength,
} from "./series-labels";
import { IngestError, type DecodedBatch, type DecodedSeries, type Labels, type MetricMetadata, type SamplePoint } from "./types";

export interface PromTextOptions {
  /** Stamped on samples that carry no timestamp: the scrape or receive time, ms. */
  nowMs: number;
  /** Target labels (job, instance, …) added to every series. */
  extraLabels?: Labels;
  /**
   * From the Content-Type: true for `application/openmetrics-text`, false for `text/plain`. When absent, a page
   * that ends with `# EOF` is read as OpenMetrics. It matters for timestamps: seconds in OpenMetrics, ms in 0.0.4.
   */
  openMetrics?: boolean;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** A lone surrogate can't survive the UTF-8 check, so it can't occur inside a name or value of a series key. */
const KEY_SEPARATOR = "\uD800";

export function decodePrometheusText(body: string, opts: PromTextOptions): DecodedBatch {
  checkWellFormed(body);
  const openMetrics = opts.openMetrics ?? /(?:^|\n)# EOF\s*$/.test(body);
  const page = new Page(opts, openMetrics);
  let lineNo = 0;
  let eofLine = 0;
  for (let pos = 0; pos < body.length; ) {
    let end = body.indexOf("\n", pos);
    if (end === -1) end = body.length;
    lineNo++;
    const line = new Cursor(body.slice(pos, body.charCodeAt(end - 1) === 13 && end > pos ? end - 1 : end), lineNo);
    pos = end + 1;
    line.skipBlanks();
    if (line.atEnd()) continue;
    if (eofLine) line.fail(`content after "# EOF" (line ${eofLine})`);
    if (line.code() !== HASH) page.sample(line);
    else if (page.comment(line) === "eof" && openMetrics) eofLine = lineNo;
  }
  if (opts.openMetrics && !eofLine) throw new IngestError('the OpenMetrics page does not end with "# EOF"');
  return page.result();
}

/** Prometheus refuses label values that aren't valid UTF-8; in a JS string that is a lone surrogate. */
function checkWellFormed(body: string): void {
  const bad = LONE_SURROGATE.exec(body);
  if (!bad) return;
  const lineStart = body.lastIndexOf("\n", bad.index) + 1;
  const lineNo = body.slice(0, lineStart).split("\n").length;
  throw new IngestError(`line ${lineNo}: not valid UTF-8 (a lone surrogate at column ${bad.index - lineStart + 1})`);
}

interface SeriesEntry {
  series: DecodedSeries & { samples: SamplePoint[] };
  /** Timestamps already taken, made on a series' second sample (most series have one per page). */
  seen?: Set<number>;
}

class Page {
  private readonly series = new Map<string, SeriesEntry>();
  private readonly metadata = new Map<string, MetricMetadata>();
  private readonly skipped: DecodedBatch["skipped"] = {};
  private readonly extraLabels: [string, string][];

  constructor(
    private readonly opts: PromTextOptions,
    private readonly openMetrics: boolean,
  ) {
    this.extraLabels = Object.entries(opts.extraLabels ?? {}).filter(([, value]) => value !== "");
  }

  result(): DecodedBatch {
    return {
      series: [...this.series.values()].map((entry) => entry.series),
      metadata: [...this.metadata.values()],
      skipped: this.skipped,
    };
  }

  /** `# HELP|TYPE|UNIT name …`, `# EOF`, or a comment (ignored, in OpenMetrics too). */
  comment(c: Cursor): "eof" | undefined {
    c.i++;
    if (!c.skipBlanks()) return undefined;
    const keyword = c.token();
    c.skipBlanks();
    if (keyword === "EOF") return c.atEnd() ? "eof" : undefined;
    if ((keyword !== "HELP" && keyword !== "TYPE" && keyword !== "UNIT") || c.atEnd()) return undefined;
    const family = c.code() === QUOTE ? c.quoted() : c.name(true);
    if (!family) c.fail(`expected a metric name after "# ${keyword}", found ${c.found()}`);
    if (!c.skipBlanks() && !c.atEnd()) c.fail(`expected a space after "# ${keyword} ${family}", found ${c.found()}`);
    const rest = c.text.slice(c.i);
    let meta = this.metadata.get(family);
    if (!meta) this.metadata.set(family, (meta = { metric: family, type: "unknown" }));
    if (keyword === "HELP") {
      // OpenMetrics escapes `"` in HELP too; 0.0.4 only `\\` and `\n`.
      meta.help ??= unescapeText(rest, this.openMetrics);
    } else if (keyword === "TYPE") {
      const type = metricTypeFromText(rest.trim());
      if (!type) c.fail(`unknown metric type ${quoteForError(rest.trim())} in "# TYPE ${family}"`);
      meta.type = type;
    } else if (rest.trim()) {
      meta.unit = rest.trim();
    }
    return undefined;
  }

  sample(c: Cursor): void {
    let metric = c.code() === OPEN_BRACE ? undefined : c.name(true);
    if (metric === "") c.fail(`expected a metric name, found ${c.found()}`);
    const pairs: string[] = [];
    let after = "the metric name";
    if (c.code() === OPEN_BRACE) {
      const quotedName = readLabelSet(c, pairs);
      if (quotedName !== undefined) {
        if (metric !== undefined) c.fail(`the metric name is given twice, ${quoteForError(metric)} and in the braces`);
        metric = quotedName;
      }
      after = "the labels";
    } else if (!c.skipBlanks()) {
      c.fail(`expected labels or a space after the metric name, found ${c.found()}`);
    }
    c.skipBlanks();
    const valueText = c.token();
    const value = parseGoFloat(valueText);
    if (value === undefined) {
      c.fail(`expected a value after ${after}, found ${valueText ? quoteForError(valueText) : "the end of the line"}`);
    }
    let tsMs = this.opts.nowMs;
    c.skipBlanks();
    if (!c.atEnd() && c.code() !== HASH) {
      tsMs = readTimestamp(c, this.openMetrics);
      c.skipBlanks();
    }
    if (!c.atEnd()) {
      if (c.code() !== HASH) c.fail(`unexpected ${c.found()} after the timestamp`);
      skipExemplar(c);
      this.skipped.exemplars = (this.skipped.exemplars ?? 0) + 1;
    }
    this.add(c, metric, pairs, value, tsMs);
  }

  private add(c: Cursor, metric: string | undefined, pairs: string[], value: number, tsMs: number): void {
    const where = `line ${c.lineNo}`;
    const exposed = new Map<string, string>();
    for (let k = 0; k < pairs.length; k += 2) {
      const name = pairs[k]!;
      const labelValue = pairs[k + 1]!;
      if (exposed.has(name) || (name === "__name__" && metric !== undefined)) {
        c.fail(`label ${quoteForError(name)} appears twice`);
      }
      if (name === "") c.fail("a label has an empty name");
      if (name === "__name__") metric = labelValue;
      else exposed.set(name, labelValue);
    }
    if (!metric) c.fail("the sample has no metric name");
    checkLabelValueBytes("__name__", utf8ByteLength(metric), where);
    for (const [name, labelValue] of exposed) {
      if (labelValue === "") exposed.delete(name);
    }
    for (const [name, targetValue] of this.extraLabels) {
      const clash = exposed.get(name);
      if (clash !== undefined) {
        let renamed = `exported_${name}`;
        while (exposed.has(renamed) || this.opts.extraLabels?.[renamed]) renamed = `exported_${renamed}`;
        exposed.set(renamed, clash);
      }
      exposed.set(name, targetValue);
    }
    checkLabelCount(exposed.size, where);
    const names = [...exposed.keys()].sort();
    const labels: Labels = {};
    let key = metric;
    for (const name of names) {
      const labelValue = exposed.get(name)!;
      checkLabelNameBytes(name, utf8ByteLength(name), where);
      checkLabelValueBytes(name, utf8ByteLength(labelValue), where);
      setLabel(labels, name, labelValue);
      key += KEY_SEPARATOR + name + KEY_SEPARATOR + labelValue;
    }
    const entry = this.series.get(key);
    if (!entry) {
      this.series.set(key, { series: { metric, labels, samples: [{ tsMs, value }] } });
      return;
    }
    const samples = entry.series.samples;
    entry.seen ??= new Set(samples.map((sample) => sample.tsMs));
    if (entry.seen.has(tsMs)) {
      this.skipped.duplicateSamples = (this.skipped.duplicateSamples ?? 0) + 1;
      return;
    }
    entry.seen.add(tsMs);
    samples.push({ tsMs, value });
  }
}
