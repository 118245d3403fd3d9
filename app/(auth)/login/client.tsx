"use client";

import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "../../_trpc/client";
import { FormError, SubmitButton } from "@/app/_components/FormStatus";

export function SignInForm({ next }: { next: string }) {
  const trpc = useTRPC();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const signIn = useMutation(
    trpc.auth.signIn.mutationOptions({
      // A full navigation, so the server renders the next page with the new cookie.
      onSuccess: () => window.location.assign(next),
    }),
  );
  return (
    <>
      <h1>Sign in</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          signIn.mutate({ email, password });
        }}
      >
        <label>
          Email
          <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} autoComplete="username" required autoFocus />
        </label>
        <label>
          Password
          <input
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            autoComplete="current-password"
            required
          />
        </label>
        <FormError message={signIn.error?.message} />
        <SubmitButton pending={signIn.isPending || signIn.isSuccess} pendingLabel="Signing in…">Sign in</SubmitButton>
      </form>
      <p className="muted" style={{ marginTop: 14, fontSize: 13 }}>
        Forgot your password? An admin can reset it in Settings → Users, or on the server with{" "}
        <code>npm run admin -- reset-password --email …</code>
      </p>
    </>
  );
}
