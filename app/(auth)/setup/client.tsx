"use client";

import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "../../_trpc/client";
import { FormError, SubmitButton } from "@/app/_components/FormStatus";

export function SetupForm() {
  const trpc = useTRPC();
  const [form, setForm] = useState({ setupToken: "", email: "", name: "", password: "", confirm: "" });
  const [mismatch, setMismatch] = useState(false);
  const signIn = useMutation(trpc.auth.signIn.mutationOptions({ onSuccess: () => window.location.assign("/") }));
  const setup = useMutation(
    trpc.auth.setup.mutationOptions({
      onSuccess: () => signIn.mutate({ email: form.email, password: form.password }),
    }),
  );
  const error = setup.error ?? signIn.error;
  return (
    <>
      <h1>Create the first admin</h1>
      <p className="muted">
        Flightdeck printed a one-time setup token in its server log when it started (the line{" "}
        <code>FLIGHTDECK_SETUP_TOKEN=…</code>). It proves you run this server.
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (form.password !== form.confirm) return setMismatch(true);
          setMismatch(false);
          setup.mutate({ setupToken: form.setupToken, email: form.email, name: form.name || undefined, password: form.password });
        }}
      >
        <label>
          Setup token
          <input value={form.setupToken} onChange={(e) => setForm({ ...form, setupToken: e.target.value })} required autoFocus />
        </label>
        <label>
          Email
          <input type="email" value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} autoComplete="username" required />
        </label>
        <label>
          Name
          <input value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} placeholder="optional" />
        </label>
        <label>
          Password (at least 10 characters)
          <input
            type="password"
            value={form.password}
            onChange={(e) => setForm({ ...form, password: e.target.value })}
            autoComplete="new-password"
            required
          />
        </label>
        <label>
          Repeat the password
          <input
            type="password"
            value={form.confirm}
            onChange={(e) => setForm({ ...form, confirm: e.target.value })}
            autoComplete="new-password"
            required
          />
        </label>
        <FormError message={mismatch ? "The two passwords differ." : null} />
        <FormError message={error?.message} />
        <SubmitButton pending={setup.isPending || signIn.isPending} pendingLabel="Creating…">Create admin and sign in</SubmitButton>
      </form>
    </>
  );
}
