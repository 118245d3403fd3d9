"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ROLE_LABELS, ROLES, type Role } from "@/server/auth/roles";
import { formatUtc } from "@/server/format";
import { useTRPC } from "../../../_trpc/client";
import { FormError, SubmitButton } from "@/app/_components/FormStatus";

function CreateUserForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [form, setForm] = useState({ email: "", name: "", role: "engineer" as Role, password: "" });
  const [created, setCreated] = useState<string | null>(null);
  const create = useMutation(
    trpc.users.create.mutationOptions({
      onSuccess: (user) => {
        setCreated(`${user.email} can now sign in as ${ROLE_LABELS[user.role]}.`);
        setForm({ email: "", name: "", role: form.role, password: "" });
        return queryClient.invalidateQueries({ queryKey: trpc.users.list.queryKey() });
      },
    }),
  );
  return (
    <section className="card">
      <h2>Add a user</h2>
      <form
        className="form-grid"
        onSubmit={(e) => {
          e.preventDefault();
          setCreated(null);
          create.mutate({ ...form, name: form.name || undefined });
        }}
      >
        <label>
          Email
          <input type="email" value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} required />
        </label>
        <label>
          Name
          <input value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} placeholder="optional" />
        </label>
        <label>
          Role
          <select aria-label="Role" value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as Role })}>
            {ROLES.map((role) => (
              <option key={role} value={role}>
                {ROLE_LABELS[role]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Initial password
          <input
            type="password"
            value={form.password}
            onChange={(e) => setForm({ ...form, password: e.target.value })}
            minLength={10}
            autoComplete="new-password"
            required
          />
        </label>
        <div>
          <SubmitButton pending={create.isPending} pendingLabel="Adding…">Add user</SubmitButton>
        </div>
      </form>
      <FormError message={create.error?.message} />
      {created && (
        <p className="alert success" role="status">
          {created}
        </p>
      )}
    </section>
  );
}

export function UsersClient({ myId }: { myId: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const users = useQuery(trpc.users.list.queryOptions());
  const [notice, setNotice] = useState<{ kind: "error" | "success"; text: string } | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.users.list.queryKey() });
  const onError = (error: { message: string }) => setNotice({ kind: "error", text: error.message });
  const setRole = useMutation(trpc.users.setRole.mutationOptions({ onSuccess: refresh, onError }));
  const setDisabled = useMutation(trpc.users.setDisabled.mutationOptions({ onSuccess: refresh, onError }));
  const revoke = useMutation(
    trpc.users.revokeSessions.mutationOptions({
      onSuccess: () => setNotice({ kind: "success", text: "Signed out on every device." }),
      onError,
    }),
  );
  const reset = useMutation(
    trpc.users.resetPassword.mutationOptions({
      onSuccess: ({ password }, { email }) =>
        setNotice({ kind: "success", text: `New password for ${email}: ${password} — shown once; pass it on safely.` }),
      onError,
    }),
  );

  return (
    <>
      <CreateUserForm />
      <section className="card">
        <h2>Users</h2>
        {notice && (
          <p className={`alert ${notice.kind}`} role={notice.kind === "error" ? "alert" : "status"}>
            {notice.text}
          </p>
        )}
        {users.isPending && <p className="muted">Loading users…</p>}
        {users.error && <p className="alert error">{users.error.message}</p>}
        {users.data && (
          <div className="table-wrap">
            <table className="data">
              <thead>
                <tr>
                  <th>Email</th>
                  <th>Name</th>
                  <th>Role</th>
                  <th>Status</th>
                  <th>Added</th>
                  <th>Actions</th>
                </tr>
              </thead>
              <tbody>
                {users.data.map((user) => (
                  <tr key={user.id}>
                    <td>
                      {user.email} {user.id === myId && <span className="badge accent">you</span>}
                    </td>
                    <td>{user.name || <span className="muted">—</span>}</td>
                    <td>
                      <select
                        aria-label={`Role of ${user.email}`}
                        value={user.role}
                        onChange={(e) => {
                          setNotice(null);
                          setRole.mutate({ userId: user.id, role: e.target.value as Role });
                        }}
                      >
                        {ROLES.map((role) => (
                          <option key={role} value={role}>
                            {ROLE_LABELS[role]}
                          </option>
                        ))}
                      </select>
                    </td>
                    <td>
                      <span className={`badge ${user.disabled ? "bad" : "good"}`}>{user.disabled ? "disabled" : "active"}</span>
                    </td>
                    <td>{formatUtc(user.createdAt)}</td>
                    <td>
                      <div className="row">
                        <button
                          type="button"
                          className="small"
                          onClick={() => {
                            setNotice(null);
                            setDisabled.mutate({ userId: user.id, disabled: !user.disabled });
                          }}
                        >
                          {user.disabled ? "Enable" : "Disable"}
                        </button>
                        <button type="button" className="small" onClick={() => reset.mutate({ email: user.email })}>
                          Reset password
                        </button>
                        <button type="button" className="small" onClick={() => revoke.mutate({ userId: user.id })}>
                          Sign out everywhere
                        </button>
                      </div>
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
