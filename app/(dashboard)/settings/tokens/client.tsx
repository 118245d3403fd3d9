"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { TOKEN_SCOPES, type TokenScope } from "@/server/auth/roles";
import { formatUtc } from "@/server/format";
import { useTRPC } from "../../../_trpc/client";
import { FormError, SubmitButton } from "@/app/_components/FormStatus";

const SCOPE_HELP: Record<TokenScope, string> = {
  "metrics:write": "send metrics (remote_write, OTLP, text push)",
  "metrics:read": "read metrics over HTTP (query_range, export)",
  "explanations:write": "send explanation records",
  "explanations:read": "read explanation records over HTTP",
};

function NewToken({ token, origin, onDone }: { token: string; origin: string; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="alert success" role="status">
      <p>
        <strong>Copy this token now.</strong> Flightdeck keeps only its hash and cannot show it again.
      </p>
      <div className="secret" data-testid="new-token">
        {token}
      </div>
      <p className="muted" style={{ marginTop: 8 }}>
        Send it as <code>Authorization: Bearer …</code>, e.g. <code>{`curl -H "Authorization: Bearer ${token.slice(0, 9)}…" ${origin}/api/v1/…`}</code>
      </p>
      <div className="row">
        <button
          type="button"
          onClick={() => navigator.clipboard?.writeText(token).then(() => setCopied(true), () => setCopied(false))}
        >
          {copied ? "Copied" : "Copy"}
        </button>
        <button type="button" onClick={onDone}>
          I have stored it
        </button>
      </div>
    </div>
  );
}

export function TokensClient({ origin }: { origin: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const tokens = useQuery(trpc.tokens.list.queryOptions());
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<TokenScope[]>(["metrics:write"]);
  const [newToken, setNewToken] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<number | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.tokens.list.queryKey() });
  const create = useMutation(
    trpc.tokens.create.mutationOptions({
      onSuccess: ({ token }) => {
        setNewToken(token);
        setName("");
        return refresh();
      },
    }),
  );
  const revoke = useMutation(trpc.tokens.revoke.mutationOptions({ onSuccess: refresh, onSettled: () => setConfirming(null) }));

  return (
    <>
      <section className="card">
        <h2>Create an API token</h2>
        <p className="muted">Machines (Prometheus, exporters, notebooks) use tokens; give each producer its own, so one can be revoked alone.</p>
        <form
          className="stack"
          onSubmit={(e) => {
            e.preventDefault();
            setNewToken(null);
            create.mutate({ name, scopes });
          }}
        >
          <label style={{ maxWidth: 420 }}>
            Name
            <input value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. prometheus-us-east" required />
          </label>
          <fieldset className="row" style={{ border: "none", padding: 0, margin: 0, gap: 18 }}>
            <legend className="muted" style={{ marginBottom: 6 }}>
              Scopes
            </legend>
            {TOKEN_SCOPES.map((scope) => (
              <label key={scope} className="inline" title={SCOPE_HELP[scope]}>
                <input
                  type="checkbox"
                  checked={scopes.includes(scope)}
                  onChange={(e) => setScopes(e.target.checked ? [...scopes, scope] : scopes.filter((s) => s !== scope))}
                />
                <code>{scope}</code>
              </label>
            ))}
          </fieldset>
          <div>
            <SubmitButton pending={create.isPending} pendingLabel="Creating…">Create token</SubmitButton>
          </div>
        </form>
        <FormError message={create.error?.message} />
        {newToken && <NewToken token={newToken} origin={origin} onDone={() => setNewToken(null)} />}
      </section>
      <section className="card">
        <h2>Tokens</h2>
        <FormError message={revoke.error?.message} />
        {tokens.isPending && <p className="muted">Loading tokens…</p>}
        {tokens.error && <p className="alert error">{tokens.error.message}</p>}
        {tokens.data?.length === 0 && <p className="muted">No tokens yet. Producers need one to send data.</p>}
        {tokens.data && tokens.data.length > 0 && (
          <div className="table-wrap">
            <table className="data">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Token</th>
                  <th>Scopes</th>
                  <th>Created</th>
                  <th>Last used</th>
                  <th>Status</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {tokens.data.map((token) => (
                  <tr key={token.id}>
                    <td>{token.name}</td>
                    <td>
                      <code>{token.displayPrefix}…</code>
                    </td>
                    <td>
                      <div className="row">
                        {token.scopes.map((scope) => (
                          <span key={scope} className="badge">
                            {scope}
                          </span>
                        ))}
                      </div>
                    </td>
                    <td>
                      {formatUtc(token.createdAt)}
                      {token.createdBy && <div className="muted">by {token.createdBy}</div>}
                    </td>
                    <td>{token.lastUsedAt ? formatUtc(token.lastUsedAt) : <span className="muted">never</span>}</td>
                    <td>
                      <span className={`badge ${token.revokedAt ? "bad" : "good"}`}>{token.revokedAt ? "revoked" : "active"}</span>
                    </td>
                    <td>
                      {!token.revokedAt &&
                        (confirming === token.id ? (
                          <div className="row">
                            <button type="button" className="small danger" onClick={() => revoke.mutate({ tokenId: token.id })}>
                              Confirm revoke
                            </button>
                            <button type="button" className="small" onClick={() => setConfirming(null)}>
                              Cancel
                            </button>
                          </div>
                        ) : (
                          <button type="button" className="small" onClick={() => setConfirming(token.id)}>
                            Revoke
                          </button>
                        ))}
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
