import type { ReactNode } from "react";

/** A form's error, announced to screen readers; nothing when there is none. */
export function FormError({ message }: { message: string | null | undefined }) {
  if (!message) return null;
  return (
    <p className="alert error" role="alert">
      {message}
    </p>
  );
}

/** A form's primary button, which says what it is doing while the request runs. */
export function SubmitButton({ pending, pendingLabel, children }: { pending: boolean; pendingLabel: string; children: ReactNode }) {
  return (
    <button type="submit" className="primary" disabled={pending}>
      {pending ? pendingLabel : children}
    </button>
  );
}
