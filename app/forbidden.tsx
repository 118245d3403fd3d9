import Link from "next/link";

export default function Forbidden() {
  return (
    <div className="status-page" role="alert">
      <div className="code">403</div>
      <h1>This page is not open to your role</h1>
      <p className="muted">Ask an admin to change your role in Settings → Users if you need it.</p>
      <Link href="/" className="button">
        Back to Overview
      </Link>
    </div>
  );
}
