import { Logo } from "../_components/Icon";

export default function AuthLayout({ children }: { children: React.ReactNode }) {
  return (
    <main className="auth-page">
      <div className="auth-card">
        <div className="brand" style={{ justifyContent: "center", marginBottom: 16 }}>
          <Logo /> Flightdeck
        </div>
        <div className="card">{children}</div>
      </div>
    </main>
  );
}
