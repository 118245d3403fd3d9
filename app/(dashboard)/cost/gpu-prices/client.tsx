"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { formatUsd, formatUtc } from "@/server/format";
import { useTRPC } from "../../../_trpc/client";
import { FormError, SubmitButton } from "@/app/_components/FormStatus";

export function GpuPricesClient() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const prices = useQuery(trpc.gpus.prices.queryOptions());
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.gpus.prices.queryKey() });
  const [pattern, setPattern] = useState("");
  const [price, setPrice] = useState("");
  const [note, setNote] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const save = useMutation(
    trpc.gpus.setPrice.mutationOptions({
      onSuccess: () => {
        setPattern("");
        setPrice("");
        setNote("");
        return refresh();
      },
    }),
  );
  const remove = useMutation(trpc.gpus.deletePrice.mutationOptions({ onSuccess: refresh }));
  const error = save.error ?? remove.error;

  return (
    <>
      <section className="card">
        <h2>Set a price</h2>
        <p className="muted">
          A pattern matches GPU model names (dcgm-exporter&apos;s <code>modelName</code>) as a case-insensitive substring; the longest
          match wins, and <code>*</code> prices every model no other pattern matches. Setting an existing pattern replaces its price.
        </p>
        <form
          className="stack"
          aria-label="Set a GPU price"
          onSubmit={(e) => {
            e.preventDefault();
            const usdPerHour = Number(price);
            if (price.trim() === "" || !Number.isFinite(usdPerHour)) return setProblem("$ per GPU-hour: give a number, e.g. 2.49.");
            setProblem(null);
            save.mutate({ modelPattern: pattern, usdPerHour, ...(note.trim() ? { note } : {}) });
          }}
        >
          <div className="form-grid">
            <label>
              Model pattern
              <input value={pattern} onChange={(e) => setPattern(e.target.value)} placeholder="H100" required />
            </label>
            <label>
              $ per GPU-hour
              <input inputMode="decimal" value={price} onChange={(e) => setPrice(e.target.value)} placeholder="2.49" required />
            </label>
            <label style={{ gridColumn: "span 2" }}>
              Note (source, contract)
              <input value={note} onChange={(e) => setNote(e.target.value)} placeholder="3-year reservation, signed 2026-03" />
            </label>
          </div>
          <FormError message={problem ?? error?.message} />
          <div>
            <SubmitButton pending={save.isPending} pendingLabel="Saving…">Save price</SubmitButton>
          </div>
        </form>
      </section>
      <section className="card">
        <h2>Prices</h2>
        {prices.isPending && <p className="muted">Loading prices…</p>}
        {prices.error && <p className="alert error">{prices.error.message}</p>}
        {prices.data && (
          <div className="table-wrap">
            <table className="data" data-testid="gpu-prices">
              <thead>
                <tr>
                  <th>Model pattern</th>
                  <th className="num">$ per GPU-hour</th>
                  <th>Note</th>
                  <th>Updated</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {prices.data.map((p) => (
                  <tr key={p.id}>
                    <td>
                      <code>{p.modelPattern}</code>
                      {p.modelPattern === "*" && <div className="muted">every other model</div>}
                    </td>
                    <td className="num">{formatUsd(p.usdPerHour, { price: true })}</td>
                    <td>{p.note ?? <span className="muted">—</span>}</td>
                    <td style={{ whiteSpace: "nowrap" }}>{formatUtc(p.updatedAt)}</td>
                    <td>
                      {p.modelPattern !== "*" && (
                        <button type="button" className="small" aria-label={`Delete the price of ${p.modelPattern}`} onClick={() => remove.mutate({ id: p.id })}>
                          Delete
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
