/**
 * A plain form: signing out works the moment the page is shown, before (or without) its scripts, and the full
 * navigation to the sign-in page drops every cached query of the signed-out user.
 */
export function SignOutButton() {
  return (
    <form method="post" action="/api/auth/sign-out">
      <button type="submit" style={{ width: "100%" }}>
        Sign out
      </button>
    </form>
  );
}
