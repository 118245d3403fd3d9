/** What a page shows before its data arrives: what it needs, and how to send it. */
export function EmptyState({
  title,
  needs,
  children,
}: {
  title: string;
  needs: React.ReactNode[];
  children: React.ReactNode;
}) {
  return (
    <section className="card empty" aria-label={title}>
      <div>
        <h2>{title}</h2>
        <p className="muted">This page fills in as soon as Flightdeck receives:</p>
        <ul>
          {needs.map((need, i) => (
            <li key={i}>{need}</li>
          ))}
        </ul>
      </div>
      <div>
        <h3>How to send it</h3>
        {children}
      </div>
    </section>
  );
}

export function PageHeader({ title, children }: { title: string; children?: React.ReactNode }) {
  return (
    <header className="page-header">
      <h1>{title}</h1>
      {children && <p>{children}</p>}
    </header>
  );
}
