"use client";

import { useQueryClient } from "@tanstack/react-query";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useEffect, useState } from "react";
import {
  parseTimeRange,
  PRESET_LABELS,
  RANGE_PARAM_NAMES,
  RANGE_PRESETS,
  type RangePreset,
  readRefresh,
  REFRESH_INTERVALS,
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

  // Auto-refresh: every page's queries are re-read on the interval, while the range is a preset that moves with
  // time; a fixed window (a zoom, a custom range) would only draw the same data again, so it pauses.
  const queryClient = useQueryClient();
  const refresh = readRefresh(searchParams.get("refresh"));
  const paused = refresh !== null && activePreset === null;
  useEffect(() => {
    if (!refresh || paused) return;
    const timer = setInterval(() => {
      setNowMs(Date.now());
      void queryClient.invalidateQueries({ refetchType: "active" });
    }, REFRESH_INTERVALS[refresh]);
    return () => clearInterval(timer);
  }, [refresh, paused, queryClient]);

  function setRefresh(value: string) {
    const next = new URLSearchParams(searchParams.toString());
    if (value) next.set("refresh", value);
    else next.delete("refresh");
    router.replace(`${pathname}?${next.toString()}`, { scroll: false });
  }

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
      <label className="inline refresh">
        <span className="muted">Refresh</span>
        <select aria-label="Auto-refresh" value={refresh ?? ""} onChange={(e) => setRefresh(e.target.value)}>
          <option value="">off</option>
          <option value="10s">10 s</option>
          <option value="30s">30 s</option>
          <option value="1m">1 min</option>
        </select>
        {paused && (
          <span className="badge" data-testid="refresh-paused" title="A fixed window does not move with time; pick a preset to resume.">
            paused
          </span>
        )}
      </label>
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
