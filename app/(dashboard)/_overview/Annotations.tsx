"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useSearchParams } from "next/navigation";
import { useMemo, useState } from "react";
import {
  ANNOTATION_KIND_LABELS as KIND_LABELS,
  ANNOTATION_KINDS,
  ANNOTATION_SCOPE_LABELS as SCOPE_LABELS,
  ANNOTATION_SCOPES,
  type AnnotationKind,
  type AnnotationScope,
} from "@/server/annotations/kinds";
import { parseTimeRange } from "@/server/query/range";
import { formatUtc } from "@/server/format";
import { useTRPC } from "../../_trpc/client";
import { FormError, SubmitButton } from "@/app/_components/FormStatus";


/** `datetime-local` wants local wall-clock time without a zone. */
function localInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

/** Annotations in the page's range, and a form to add one (also possible from scripts: POST /api/v1/annotations). */
export function Annotations({ userEmail, isAdmin }: { userEmail: string; isAdmin: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const searchParams = useSearchParams();
  const { startMs, endMs } = useMemo(() => {
    const { range } = parseTimeRange(Object.fromEntries(searchParams.entries()), Date.now());
    return { startMs: range.startMs, endMs: range.endMs };
  }, [searchParams]);
  const listInput = { startMs, endMs };
  const list = useQuery(trpc.annotations.list.queryOptions(listInput));
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.annotations.list.queryKey() });

  const [when, setWhen] = useState(() => localInput(Date.now()));
  const [kind, setKind] = useState<AnnotationKind>("deploy");
  const [title, setTitle] = useState("");
  const [scopeKind, setScopeKind] = useState<AnnotationScope>("global");
  const [scopeValue, setScopeValue] = useState("");
  const create = useMutation(
    trpc.annotations.create.mutationOptions({
      onSuccess: () => {
        setTitle("");
        return refresh();
      },
    }),
  );
  const remove = useMutation(trpc.annotations.delete.mutationOptions({ onSuccess: refresh }));

  return (
    <section className="card" aria-labelledby="annotations-heading">
      <h2 id="annotations-heading">Annotations</h2>
      <p className="muted">
        Deploys, cache warm-ups, model rollouts and incidents, marked on every time chart they apply to. Pipelines can
        post them too: <code>POST /api/v1/annotations</code> with a <code>metrics:write</code> token.
      </p>
      <form
        className="row"
        style={{ alignItems: "flex-end", flexWrap: "wrap" }}
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate({
            startsAt: new Date(when).toISOString(),
            kind,
            title,
            scopeKind,
            scopeValue: scopeKind === "global" ? "" : scopeValue,
          });
        }}
      >
        <label>
          When
          <input type="datetime-local" value={when} onChange={(e) => setWhen(e.target.value)} required />
        </label>
        <label>
          Kind
          <select value={kind} onChange={(e) => setKind(e.target.value as AnnotationKind)}>
            {ANNOTATION_KINDS.map((k) => (
              <option key={k} value={k}>
                {KIND_LABELS[k]}
              </option>
            ))}
          </select>
        </label>
        <label style={{ flex: "1 1 220px" }}>
          Title
          <input value={title} onChange={(e) => setTitle(e.target.value)} placeholder="e.g. data loader v2 rolled out" required maxLength={200} />
        </label>
        <label>
          Applies to
          <select value={scopeKind} onChange={(e) => setScopeKind(e.target.value as AnnotationScope)}>
            {ANNOTATION_SCOPES.map((s) => (
              <option key={s} value={s}>
                {SCOPE_LABELS[s]}
              </option>
            ))}
          </select>
        </label>
        {scopeKind !== "global" && (
          <label>
            {SCOPE_LABELS[scopeKind]} name
            <input value={scopeValue} onChange={(e) => setScopeValue(e.target.value)} required maxLength={200} />
          </label>
        )}
        <div>
          <SubmitButton pending={create.isPending} pendingLabel="Adding…">Add annotation</SubmitButton>
        </div>
      </form>
      <FormError message={create.error?.message} />
      {list.isPending && <p className="muted">Loading annotations…</p>}
      {list.error && <p className="alert error">{list.error.message}</p>}
      {list.data?.length === 0 && <p className="muted">No annotations in this time range.</p>}
      {list.data && list.data.length > 0 && (
        <div className="table-wrap" style={{ marginTop: 14 }}>
          <table className="data">
            <thead>
              <tr>
                <th>When (UTC)</th>
                <th>Kind</th>
                <th>Title</th>
                <th>Applies to</th>
                <th>By</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {list.data.map((a) => (
                <tr key={a.id}>
                  <td>
                    {formatUtc(a.startsAt)}
                    {a.endsAt && ` – ${formatUtc(a.endsAt)}`}
                  </td>
                  <td>
                    <span className={`badge annotation-${a.kind}`}>{KIND_LABELS[a.kind]}</span>
                  </td>
                  <td>{a.title}</td>
                  <td>{a.scopeKind === "global" ? "Everywhere" : `${SCOPE_LABELS[a.scopeKind]} ${a.scopeValue}`}</td>
                  <td>{a.createdBy}</td>
                  <td>
                    {(isAdmin || a.createdBy === userEmail) && (
                      <button type="button" onClick={() => remove.mutate({ id: a.id })} disabled={remove.isPending} aria-label={`Delete annotation ${a.title}`}>
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
  );
}
