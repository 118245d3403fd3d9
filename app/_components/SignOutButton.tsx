"use client";

import { useMutation } from "@tanstack/react-query";
import { useTRPC } from "../_trpc/client";

export function SignOutButton() {
  const trpc = useTRPC();
  const signOut = useMutation(
    trpc.auth.signOut.mutationOptions({
      // A full navigation drops every cached query of the signed-out user.
      onSettled: () => window.location.assign("/login"),
    }),
  );
  return (
    <button type="button" onClick={() => signOut.mutate()} disabled={signOut.isPending}>
      {signOut.isPending ? "Signing out…" : "Sign out"}
    </button>
  );
}
