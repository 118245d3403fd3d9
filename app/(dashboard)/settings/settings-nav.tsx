"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

const TABS = [
  { href: "/settings/users", label: "Users" },
  { href: "/settings/tokens", label: "API tokens" },
  { href: "/settings/scrape", label: "Scrape targets" },
  { href: "/settings/sources", label: "Sources" },
  { href: "/settings/topology", label: "Topology" },
  { href: "/settings/audit", label: "Audit log" },
  { href: "/settings/system", label: "System" },
];

export function SettingsNav() {
  const pathname = usePathname();
  return (
    <nav className="subnav" aria-label="Settings">
      {TABS.map((tab) => (
        <Link key={tab.href} href={tab.href} aria-current={pathname === tab.href ? "page" : undefined}>
          {tab.label}
        </Link>
      ))}
    </nav>
  );
}
