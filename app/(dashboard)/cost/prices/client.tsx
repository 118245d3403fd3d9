"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { CLOUDS, PRICE_KINDS, PRICE_UNITS } from "@/server/cost/kinds";
import { FormError, SubmitButton } from "@/app/_components/FormStatus";
import { formatUsd } from "@/server/format";
import { useTRPC } from "../../../_trpc/client";

const KIND_TEXT: Record<(typeof PRICE_KINDS)[number], string> = {
  internet: "Internet egress (tiered)",
  inter_region: "Between regions",
  same_region: "Within a region",
  request_get: "GET-class requests",
  request_put: "PUT/LIST-class requests",
};

export function PriceBookClient() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const prices = useQuery(trpc.cost.prices.queryOptions());
  const budgets = useQuery(trpc.cost.budgets.queryOptions());
  const [form, setForm] = useState({ cloud: "aws", kind: "inter_region", tierFrom: "0", usdPerUnit: "", unit: "GB", effectiveFrom: new Date().toISOString().slice(0, 10), source: "" });
  const [budget, setBudgetForm] = useState({ scope: "total", name: "", monthlyUsd: "" });
  const [problem, setProblem] = useState<string | null>(null);
  const add = useMutation(
    trpc.cost.addPrice.mutationOptions({
      onSuccess: () => {
        setForm((f) => ({ ...f, usdPerUnit: "", source: "" }));
        return queryClient.invalidateQueries({ queryKey: trpc.cost.prices.queryKey() });
      },
    }),
  );
  const refreshBudgets = () => queryClient.invalidateQueries({ queryKey: trpc.cost.budgets.queryKey() });
  const saveBudget = useMutation(trpc.cost.setBudget.mutationOptions({ onSuccess: () => (setBudgetForm({ scope: "total", name: "", monthlyUsd: "" }), refreshBudgets()) }));
  const removeBudget = useMutation(trpc.cost.deleteBudget.mutationOptions({ onSuccess: refreshBudgets }));
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [key]: e.target.value }));

  return (
    <>
      <div className="grid-2">
        <section className="card" aria-labelledby="add-price-heading">
          <h2 id="add-price-heading">Add a price</h2>
          <form
            className="stack"
            aria-label="Add a price"
            onSubmit={(e) => {
              e.preventDefault();
              const usdPerUnit = Number(form.usdPerUnit);
              const tierFrom = Number(form.tierFrom || "0");
              if (form.usdPerUnit.trim() === "" || !Number.isFinite(usdPerUnit)) return setProblem("Price: give a number, e.g. 0.02.");
              if (!Number.isFinite(tierFrom)) return setProblem("Tier from: give a number of units, e.g. 10240.");
              setProblem(null);
              add.mutate({ ...form, cloud: form.cloud as never, kind: form.kind as never, unit: form.unit as never, usdPerUnit, tierFrom });
            }}
          >
            <div className="form-grid">
              <label>
                Cloud
                <select value={form.cloud} onChange={set("cloud")}>
                  {CLOUDS.map((c) => (
                    <option key={c}>{c}</option>
                  ))}
                </select>
              </label>
              <label>
                What
                <select value={form.kind} onChange={set("kind")}>
                  {PRICE_KINDS.map((k) => (
                    <option key={k} value={k}>
                      {KIND_TEXT[k]}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                $ per unit
                <input inputMode="decimal" value={form.usdPerUnit} onChange={set("usdPerUnit")} placeholder="0.02" required />
              </label>
              <label>
                Unit
                <select value={form.unit} onChange={set("unit")}>
                  {PRICE_UNITS.map((u) => (
                    <option key={u}>{u}</option>
                  ))}
                </select>
              </label>
              <label>
                Tier from (units a month)
                <input inputMode="decimal" value={form.tierFrom} onChange={set("tierFrom")} />
              </label>
              <label>
                Applies from
                <input type="date" value={form.effectiveFrom} onChange={set("effectiveFrom")} required />
              </label>
              <label style={{ gridColumn: "span 2" }}>
                Source
                <input value={form.source} onChange={set("source")} placeholder="Enterprise agreement 2026, appendix B" required />
              </label>
            </div>
            <FormError message={problem ?? add.error?.message} />
            <div>
              <SubmitButton pending={add.isPending} pendingLabel="Adding…">
                Add price
              </SubmitButton>
            </div>
          </form>
        </section>
        <section className="card" aria-labelledby="budgets-heading">
          <h2 id="budgets-heading">Monthly budgets</h2>
          <form
            className="stack"
            aria-label="Set a budget"
            onSubmit={(e) => {
              e.preventDefault();
              const monthlyUsd = Number(budget.monthlyUsd);
              if (!Number.isFinite(monthlyUsd) || monthlyUsd <= 0) return setProblem("Budget: give a monthly amount in dollars, e.g. 20000.");
              if (budget.scope !== "total" && !budget.name.trim()) return setProblem(`Budget: name the ${budget.scope === "team" ? "team" : "cache cluster"}.`);
              setProblem(null);
              saveBudget.mutate({ cluster: budget.scope === "cluster" ? budget.name : "", team: budget.scope === "team" ? budget.name : "", monthlyUsd });
            }}
          >
            <div className="form-grid">
              <label>
                For
                <select value={budget.scope} onChange={(e) => setBudgetForm((b) => ({ ...b, scope: e.target.value }))}>
                  <option value="total">All egress</option>
                  <option value="cluster">A cache cluster</option>
                  <option value="team">A team</option>
                </select>
              </label>
              {budget.scope !== "total" && (
                <label>
                  {budget.scope === "team" ? "Team (its jobs' team fact)" : "Cache cluster"}
                  <input
                    value={budget.name}
                    onChange={(e) => setBudgetForm((b) => ({ ...b, name: e.target.value }))}
                    placeholder={budget.scope === "team" ? "llm" : "cache-us-west"}
                  />
                </label>
              )}
              <label>
                $ a month
                <input inputMode="decimal" value={budget.monthlyUsd} onChange={(e) => setBudgetForm((b) => ({ ...b, monthlyUsd: e.target.value }))} required />
              </label>
            </div>
            <FormError message={saveBudget.error?.message ?? removeBudget.error?.message} />
            <div>
              <SubmitButton pending={saveBudget.isPending} pendingLabel="Saving…">
                Save budget
              </SubmitButton>
            </div>
          </form>
          {budgets.data && budgets.data.length > 0 && (
            <table className="data" data-testid="budgets" style={{ marginTop: 12 }}>
              <tbody>
                {budgets.data.map((b) => (
                  <tr key={b.id}>
                    <td>{b.cluster ? b.cluster : b.team ? `Team ${b.team}` : "All egress"}</td>
                    <td className="num">{formatUsd(b.monthlyUsd, { whole: true })} a month</td>
                    <td>
                      <button type="button" className="small" onClick={() => removeBudget.mutate({ id: b.id })} aria-label={`Delete budget ${b.cluster || (b.team ? `team ${b.team}` : "all egress")}`}>
                        Delete
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
      <section className="card" aria-labelledby="prices-heading">
        <h2 id="prices-heading">Prices</h2>
        {prices.isPending && <p className="muted">Loading the price book…</p>}
        {prices.error && <p className="alert error">{prices.error.message}</p>}
        {prices.data && (
          <div className="table-wrap">
            <table className="data" data-testid="price-book">
              <thead>
                <tr>
                  <th>Cloud</th>
                  <th>What</th>
                  <th className="num">From (a month)</th>
                  <th className="num">Price</th>
                  <th>Applies from</th>
                  <th>Source</th>
                  <th>As of</th>
                </tr>
              </thead>
              <tbody>
                {prices.data.map((p) => (
                  <tr key={p.id}>
                    <td>{p.cloud}</td>
                    <td>{KIND_TEXT[p.kind]}</td>
                    <td className="num">{p.kind === "internet" ? `${p.tierFrom.toLocaleString("en-US")} ${p.unit}` : "—"}</td>
                    <td className="num">
                      {formatUsd(p.usdPerUnit, { price: true })}/{p.unit}
                    </td>
                    <td>{p.effectiveFrom.toISOString().slice(0, 10)}</td>
                    <td style={{ maxWidth: 420 }}>{p.source}</td>
                    <td>{p.asOf}</td>
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
