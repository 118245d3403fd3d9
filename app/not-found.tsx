import Link from "next/link";

export default function NotFound() {
  return (
    <div className="status-page">
      <div className="code">404</div>
      <h1>There is no page here</h1>
      <p className="muted">The link may be old, or the address mistyped.</p>
      <Link href="/" className="button">
        Back to Overview
      </Link>
    </div>
  );
}
