import { cookies } from "next/headers";
import { Suspense } from "react";
import { areasFor, ROLE_LABELS } from "@/server/auth/roles";
import { Sidebar } from "../_components/Sidebar";
import { SignOutButton } from "../_components/SignOutButton";
import { ThemeToggle } from "../_components/ThemeToggle";
import { TimeRangePicker } from "../_components/TimeRangePicker";
import { getCurrentUser } from "../_lib/session";
import { parseTheme, THEME_COOKIE } from "../_lib/theme";

export default async function DashboardLayout({ children }: { children: React.ReactNode }) {
  const user = await getCurrentUser();
  // Without a session every page redirects to sign-in itself (with its own path to come back to).
  if (!user) return children;
  const theme = parseTheme((await cookies()).get(THEME_COOKIE)?.value);
  return (
    <div className="shell">
      <a href="#content" className="skip-link">
        Skip to content
      </a>
      <Suspense>
        <Sidebar
          areas={areasFor(user.role)}
          footer={
            <>
              <div className="who" data-testid="signed-in-as">
                <div>{user.name || user.email}</div>
                <div className="role">
                  {user.name ? `${user.email} · ` : ""}
                  {ROLE_LABELS[user.role]}
                </div>
              </div>
              <ThemeToggle initial={theme} />
              <SignOutButton />
            </>
          }
        />
      </Suspense>
      <div className="main">
        <header className="topbar">
          <Suspense>
            <TimeRangePicker />
          </Suspense>
        </header>
        <main id="content" className="content">
          {children}
        </main>
      </div>
    </div>
  );
}
