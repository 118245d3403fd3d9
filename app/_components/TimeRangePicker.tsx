"use client";

import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useEffect, useState } from "react";
import {
  parseTimeRange,
  PRESET_LABELS,
  RANGE_PARAM_NAMES,
  RANGE_PRESETS,
  type RangePreset,
  type TimeRange,
} from "@/server/query/range";

/** `datetime-local` wants local wall-clock time without a zone. */
function toLocalInput(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

const FORMAT = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });

export function TimeRangePicker() {
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const [nowMs, setNowMs] = useState<number | null>(null);
  const [customOpen, setCustomOpen] = useState(false);
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [inputError, setInputError] = useState<string | null>(null);

  // The clock is read after hydration: the server's "now" and time zone differ from the browser's.
  useEffect(() => setNowMs(Date.now()), [searchParams]);

  const parsed = parseTimeRange(Object.fromEntries(searchParams.entries()), nowMs ?? Date.now());
  const range: TimeRange = parsed.range;
  const activePreset = searchParams.has("from") ? null : range.kind === "preset" ? range.preset : null;

  function navigate(entries: Record<string, string>) {
    const next = new URLSearchParams(searchParams.toString());
    for (const name of RANGE_PARAM_NAMES) next.delete(name);
    for (const [key, value] of Object.entries(entries)) next.set(key, value);
    router.push(`${pathname}?${next.toString()}`);
  }

  function choosePreset(preset: RangePreset) {
    setCustomOpen(false);
    navigate({ range: preset });
  }

  function openCustom() {
    setFrom(toLocalInput(range.startMs));
    setTo(toLocalInput(range.endMs));
    setInputError(null);
    setCustomOpen((open) => !open);
  }

  function applyCustom(event: React.FormEvent) {
    event.preventDefault();
    const startMs = new Date(from).getTime();
    const endMs = new Date(to).getTime();
    if (Number.isNaN(startMs) || Number.isNaN(endMs)) return setInputError("Enter both a start and an end.");
    if (endMs <= startMs) return setInputError("The end must come after the start.");
    setCustomOpen(false);
    navigate({ from: new Date(startMs).toISOString(), to: new Date(endMs).toISOString() });
  }

  return (
    <div className="range-picker">
      <div className="segmented" role="group" aria-label="Time range">
        {RANGE_PRESETS.map((preset) => (
          <button
            key={preset}
            type="button"
            aria-pressed={activePreset === preset}
            title={PRESET_LABELS[preset]}
            onClick={() => choosePreset(preset)}
          >
            {preset}
          </button>
        ))}
        <button type="button" aria-pressed={activePreset === null} aria-expanded={customOpen} onClick={openCustom}>
          Custom
        </button>
      </div>
      {nowMs !== null && (
        <span className="range-label" data-testid="range-label">
          {FORMAT.format(range.startMs)} → {FORMAT.format(range.endMs)}
        </span>
      )}
      {parsed.error && (
        <span className="badge bad" role="status">
          {parsed.error}
        </span>
      )}
      {customOpen && (
        <form className="range-custom" onSubmit={applyCustom} aria-label="Custom time range">
          <label className="inline">
            From <input type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} required />
          </label>
          <label className="inline">
            To <input type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} required />
          </label>
          <button type="submit" className="primary">
            Apply
          </button>
          {inputError && (
            <span className="badge bad" role="alert">
              {inputError}
            </span>
          )}
        </form>
      )}
    </div>
  );
}
