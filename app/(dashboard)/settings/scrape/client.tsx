"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { formatLabelList, parseLabelList } from "@/server/ingest/scrape-config";
import { formatUtc } from "@/server/format";
import { useTRPC } from "../../../_trpc/client";
import { FormError } from "@/app/_components/FormStatus";

interface Draft {
  url: string;
  jobName: string;
  intervalSeconds: string;
  timeoutSeconds: string;
  labels: string;
  enabled: boolean;
}

const EMPTY: Draft = { url: "", jobName: "", intervalSeconds: "15", timeoutSeconds: "10", labels: "", enabled: true };

/** The form's text fields as the procedure's input, or a sentence naming the field that is wrong. */
function toInput(draft: Draft) {
  const parsed = parseLabelList(draft.labels);
  if ("error" in parsed) return { error: `Extra labels: ${parsed.error}` };
  const intervalSeconds = Number(draft.intervalSeconds);
  const timeoutSeconds = Number(draft.timeoutSeconds);
  if (!Number.isInteger(intervalSeconds)) return { error: "Interval: give whole seconds, e.g. 15." };
  if (!Number.isInteger(timeoutSeconds)) return { error: "Timeout: give whole seconds, e.g. 10." };
  return { input: { url: draft.url, jobName: draft.jobName, intervalSeconds, timeoutSeconds, labels: parsed.labels, enabled: draft.enabled } };
}

interface Target {
  id: number;
  url: string;
  jobName: string;
  intervalSeconds: number;
  timeoutSeconds: number;
  labels: Record<string, string>;
  enabled: boolean;
  lastScrapeAt: Date | string | null;
  lastDurationMs: number | null;
  lastSamples: number | null;
  lastError: string | null;
  consecutiveFailures: number;
  nextDueAt: Date | string;
}

function TargetForm({
  initial,
  submitLabel,
  pending,
  onSubmit,
  onCancel,
}: {
  initial: Draft;
  submitLabel: string;
  pending: boolean;
  onSubmit: (input: NonNullable<ReturnType<typeof toInput>["input"]>) => void;
  onCancel?: () => void;
}) {
  const [draft, setDraft] = useState(initial);
  const [problem, setProblem] = useState<string | null>(null);
  const set = (key: keyof Draft) => (e: { target: { value: string } }) => setDraft({ ...draft, [key]: e.target.value });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const result = toInput(draft);
    if (result.error) return setProblem(result.error);
    setProblem(null);
    onSubmit(result.input!);
    if (!onCancel) setDraft(EMPTY);
  };
  return (
    <form className="stack" onSubmit={submit} aria-label={submitLabel}>
      <div className="form-grid">
        <label style={{ gridColumn: "span 2" }}>
          Page address
          <input type="url" value={draft.url} onChange={set("url")} placeholder="http://gpu-node-1:9400/metrics" required />
        </label>
        <label>
          Job
          <input value={draft.jobName} onChange={set("jobName")} placeholder="dcgm-exporter" required />
        </label>
        <label>
          Interval (s)
          <input type="number" min={1} max={3600} value={draft.intervalSeconds} onChange={set("intervalSeconds")} required />
        </label>
        <label>
          Timeout (s)
          <input type="number" min={1} max={3600} value={draft.timeoutSeconds} onChange={set("timeoutSeconds")} required />
        </label>
      </div>
      <label>
        Extra labels <span className="muted" style={{ fontWeight: 400 }}>(name=value, comma-separated; added to every series of this target)</span>
        <input value={draft.labels} onChange={set("labels")} placeholder="cluster=us-east-1, rack=r12" />
      </label>
      <label className="inline">
        <input type="checkbox" checked={draft.enabled} onChange={(e) => setDraft({ ...draft, enabled: e.target.checked })} />
        Scrape this target
      </label>
      <FormError message={problem} />
      <div className="row">
        <button type="submit" className="primary" disabled={pending}>
          {pending ? "Saving…" : submitLabel}
        </button>
        {onCancel && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}

function Health({ target }: { target: Target }) {
  if (!target.enabled) return <span className="badge">paused</span>;
  if (!target.lastScrapeAt) return <span className="badge">waiting</span>;
  if (target.lastError) return <span className="badge bad">down</span>;
  return <span className="badge good">up</span>;
}

export function ScrapeClient() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const targets = useQuery({ ...trpc.scrape.list.queryOptions(), refetchInterval: 5_000 });
  const [editing, setEditing] = useState<number | null>(null);
  const [confirming, setConfirming] = useState<number | null>(null);
  const [checked, setChecked] = useState<{ id: number; text: string; ok: boolean } | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.scrape.list.queryKey() });
  const create = useMutation(trpc.scrape.create.mutationOptions({ onSuccess: refresh }));
  const update = useMutation(trpc.scrape.update.mutationOptions({ onSuccess: () => (setEditing(null), refresh()) }));
  const remove = useMutation(trpc.scrape.delete.mutationOptions({ onSuccess: refresh, onSettled: () => setConfirming(null) }));
  const scrapeNow = useMutation(
    trpc.scrape.scrapeNow.mutationOptions({
      onSuccess: (result, { id }) => {
        setChecked({
          id,
          ok: result.up,
          text: result.up
            ? `Scraped ${result.samples.toLocaleString("en-US")} samples in ${result.durationMs} ms.`
            : `Scrape failed: ${result.error}`,
        });
        return refresh();
      },
    }),
  );
  const toggle = (t: Target) =>
    update.mutate({
      id: t.id,
      target: { url: t.url, jobName: t.jobName, intervalSeconds: t.intervalSeconds, timeoutSeconds: t.timeoutSeconds, labels: t.labels, enabled: !t.enabled },
    });
  const error = create.error ?? update.error ?? remove.error ?? scrapeNow.error;
  const list = targets.data as Target[] | undefined;

  return (
    <>
      <section className="card">
        <h2>Add a scrape target</h2>
        <p className="muted">
          Flightdeck pulls Prometheus text pages (dcgm-exporter on :9400, Alluxio, node exporters, your own) on the interval you
          choose, and records <code>up</code>, <code>scrape_duration_seconds</code> and <code>scrape_samples_scraped</code> for
          each target, as Prometheus does. Producers that can push instead use remote_write, OTLP or the text import with an API
          token.
        </p>
        <TargetForm initial={EMPTY} submitLabel="Add target" pending={create.isPending} onSubmit={(input) => create.mutate(input)} />
      </section>
      <section className="card">
        <h2>Targets</h2>
        <FormError message={error?.message} />
        {targets.isPending && <p className="muted">Loading scrape targets…</p>}
        {targets.error && <p className="alert error">{targets.error.message}</p>}
        {list?.length === 0 && (
          <p className="muted" data-testid="no-targets">
            No scrape targets yet. Add a dcgm-exporter or cache node above, e.g. <code>http://gpu-node-1:9400/metrics</code> with job{" "}
            <code>dcgm-exporter</code>.
          </p>
        )}
        {list && list.length > 0 && (
          <div className="table-wrap">
            <table className="data">
              <thead>
                <tr>
                  <th style={{ minWidth: 260 }}>Target</th>
                  <th style={{ minWidth: 160 }}>State</th>
                  <th>Every</th>
                  <th>Last scrape</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {list.map((t) =>
                  editing === t.id ? (
                    <tr key={t.id}>
                      <td colSpan={5}>
                        <TargetForm
                          initial={{
                            url: t.url,
                            jobName: t.jobName,
                            intervalSeconds: String(t.intervalSeconds),
                            timeoutSeconds: String(t.timeoutSeconds),
                            labels: formatLabelList(t.labels),
                            enabled: t.enabled,
                          }}
                          submitLabel="Save target"
                          pending={update.isPending}
                          onSubmit={(input) => update.mutate({ id: t.id, target: input })}
                          onCancel={() => setEditing(null)}
                        />
                      </td>
                    </tr>
                  ) : (
                    <tr key={t.id} data-testid={`target-${t.id}`}>
                      <td>
                        <div style={{ overflowWrap: "anywhere" }}>
                          <code>{t.url}</code>
                        </div>
                        <div className="muted">
                          job {t.jobName}
                          {Object.keys(t.labels).length > 0 && <> · {formatLabelList(t.labels)}</>}
                        </div>
                      </td>
                      <td>
                        <Health target={t} />
                        {checked?.id === t.id ? (
                          <div role="status" className={checked.ok ? "muted" : "error-text"}>
                            {checked.text}
                          </div>
                        ) : (
                          t.lastError && <div className="error-text">{t.lastError}</div>
                        )}
                        {t.consecutiveFailures > 1 && (
                          <div className="muted">
                            {t.consecutiveFailures} failures in a row; next try {formatUtc(t.nextDueAt)}
                          </div>
                        )}
                      </td>
                      <td>
                        <span style={{ whiteSpace: "nowrap" }}>{t.intervalSeconds} s</span>
                        <div className="muted" style={{ whiteSpace: "nowrap" }}>
                          timeout {t.timeoutSeconds} s
                        </div>
                      </td>
                      <td style={{ whiteSpace: "nowrap" }}>
                        {t.lastScrapeAt ? formatUtc(t.lastScrapeAt) : <span className="muted">not yet</span>}
                        {t.lastScrapeAt && (
                          <div className="muted">
                            {t.lastDurationMs ?? 0} ms · {(t.lastSamples ?? 0).toLocaleString("en-US")} {t.lastSamples === 1 ? "sample" : "samples"}
                          </div>
                        )}
                      </td>
                      <td>
                        <div className="row" style={{ minWidth: 170, maxWidth: 190, justifyContent: "flex-end" }}>
                          <button
                            type="button"
                            className="small"
                            disabled={scrapeNow.isPending && scrapeNow.variables?.id === t.id}
                            onClick={() => scrapeNow.mutate({ id: t.id })}
                          >
                            {scrapeNow.isPending && scrapeNow.variables?.id === t.id ? "Scraping…" : "Scrape now"}
                          </button>
                          <button type="button" className="small" onClick={() => toggle(t)}>
                            {t.enabled ? "Pause" : "Resume"}
                          </button>
                          <button type="button" className="small" onClick={() => setEditing(t.id)}>
                            Edit
                          </button>
                          {confirming === t.id ? (
                            <>
                              <button type="button" className="small danger" onClick={() => remove.mutate({ id: t.id })}>
                                Confirm delete
                              </button>
                              <button type="button" className="small" onClick={() => setConfirming(null)}>
                                Cancel
                              </button>
                            </>
                          ) : (
                            <button type="button" className="small" onClick={() => setConfirming(t.id)}>
                              Delete
                            </button>
                          )}
                        </div>
                      </td>
                    </tr>
                  ),
                )}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
