/**
 * OTLP metric and attribute names → Prometheus names, as Prometheus' own OTLP receiver does by default
 * (`translation_strategy: UnderscoreEscapingWithSuffixes`, `label_name_underscore_sanitization: true`,
 * `label_name_preserve_multiple_underscores: true`). Ported from prometheus/otlptranslator (`metric_namer.go`
 * `normalizeName`, `unit_namer.go`, `label_namer.go`), so OTLP series line up with the same metric scraped or
 * remote-written by Prometheus.
 */

export type OtlpMetricType = "gauge" | "monotonicCounter" | "nonMonotonicCounter" | "histogram" | "summary";

/**
 * otlptranslator's default (pre-"UpdatedSuffixes") UCUM table: `TiBy` stays `tibibytes` and `kBy` is not mapped;
 * the corrected spellings are only used by the opt-in `UnderscoreEscapingWithUpdatedSuffixes` strategy.
 */
const UNIT_WORDS: Record<string, string> = {
  d: "days",
  h: "hours",
  min: "minutes",
  s: "seconds",
  ms: "milliseconds",
  us: "microseconds",
  ns: "nanoseconds",
  By: "bytes",
  KiBy: "kibibytes",
  MiBy: "mebibytes",
  GiBy: "gibibytes",
  TiBy: "tibibytes",
  KBy: "kilobytes",
  MBy: "megabytes",
  GBy: "gigabytes",
  TBy: "terabytes",
  m: "meters",
  V: "volts",
  A: "amperes",
  J: "joules",
  W: "watts",
  g: "grams",
  Cel: "celsius",
  Hz: "hertz",
  "1": "",
  "%": "percent",
};

const PER_UNIT_WORDS: Record<string, string> = {
  s: "second",
  m: "minute",
  h: "hour",
  d: "day",
  w: "week",
  mo: "month",
  y: "year",
};

function lookup(table: Record<string, string>, key: string): string {
  return Object.hasOwn(table, key) ? (table[key] as string) : key;
}

/** `buildUnitSuffixes`: the unit split at its first `/`; a part holding `{…}` (a UCUM annotation) adds nothing. */
function unitSuffixes(unit: string): { main: string; per: string } {
  const slash = unit.indexOf("/");
  const mainPart = (slash < 0 ? unit : unit.slice(0, slash)).trim();
  const perPart = slash < 0 ? "" : unit.slice(slash + 1);
  let main = "";
  if (mainPart !== "" && !/[{}]/.test(mainPart)) main = lookup(UNIT_WORDS, mainPart);
  let per = "";
  if (perPart !== "") {
    const trimmed = perPart.trim();
    if (trimmed !== "" && !/[{}]/.test(trimmed)) per = lookup(PER_UNIT_WORDS, trimmed);
    if (per !== "") per = "per_" + per;
  }
  return { main, per };
}

/** `cleanUpUnit`: invalid metric characters → `_`, runs of `_` collapsed, one leading `_` dropped. */
function cleanUpUnit(unit: string): string {
  return unit
    .replace(/[^a-zA-Z0-9:]/gu, "_")
    .replace(/__+/g, "_")
    .replace(/^_/, "");
}

/**
 * `normalizeName`: the name split into tokens of `[a-zA-Z0-9:]` (so `.`, `-`, runs of `_` all become one `_`),
 * the unit words appended unless already a token, `_total` for monotonic sums and `_ratio` for unit-`1` gauges
 * moved to the end, and `_` prefixed when the result starts with a digit. Returns "" for a name that normalizes
 * to nothing, which Prometheus refuses.
 */
export function otlpMetricName(name: string, unit: string, type: OtlpMetricType): string {
  let tokens = name.split(/[^a-zA-Z0-9:]+/u).filter((t) => t !== "");
  const suffixes = unitSuffixes(unit);
  let main = cleanUpUnit(suffixes.main);
  let per = cleanUpUnit(suffixes.per);
  if (tokens.includes(main)) main = "";
  if (per === "per_") per = "";
  else {
    per = per.replace(/_$/, "");
    if (tokens.includes(per)) per = "";
  }
  if (per !== "") main = main.replace(/_$/, "");
  if (main !== "") tokens.push(main);
  if (per !== "") tokens.push(per);
  if (type === "monotonicCounter") tokens = [...tokens.filter((t) => t !== "total"), "total"];
  if (unit === "1" && type === "gauge") tokens = [...tokens.filter((t) => t !== "ratio"), "ratio"];
  let normalized = tokens.join("_");
  if (/^[0-9]/.test(normalized)) normalized = "_" + normalized;
  return /^_*$/.test(normalized) ? "" : normalized;
}

/** `UnitNamer.Build`: the unit as Prometheus spells it in names (`s` → `seconds`, `By/s` → `bytes_per_second`). */
export function otlpUnitName(unit: string): string {
  const { main, per } = unitSuffixes(unit);
  const cleanMain = cleanUpUnit(main);
  const cleanPer = cleanUpUnit(per);
  const joined = cleanMain !== "" && cleanPer !== "" ? `${cleanMain}_${cleanPer}` : cleanMain || cleanPer;
  return joined.replace(/^_/, "").replace(/_$/, "");
}

/**
 * `LabelNamer.Build` with underscore sanitization on and multiple underscores preserved: every character outside
 * `[a-zA-Z0-9_]` becomes `_`; a leading digit gets `key_`, a single leading `_` gets `key` (`__` is reserved and
 * kept). Returns "" when the result is empty or only underscores, which Prometheus refuses.
 */
export function otlpLabelName(key: string): string {
  if (key === "") return "";
  let normalized = key.replace(/[^a-zA-Z0-9_]/gu, "_");
  if (/^[0-9]/.test(normalized)) normalized = "key_" + normalized;
  else if (normalized.startsWith("_") && !normalized.startsWith("__")) normalized = "key" + normalized;
  return /^_*$/.test(normalized) ? "" : normalized;
}
