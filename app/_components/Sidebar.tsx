"use client";

import Link from "next/link";
import { usePathname, useSearchParams } from "next/navigation";
import type { Area } from "@/server/auth/roles";
import { RANGE_PARAM_NAMES } from "@/server/query/range";
import { AreaIcon, Logo } from "./Icon";
import { NAV_ITEMS } from "./nav-items";

/** Links carry the current time range and auto-refresh, so moving between pages keeps the window being looked at. */
function withRange(href: string, params: URLSearchParams): string {
  const kept = new URLSearchParams();
  for (const name of [...RANGE_PARAM_NAMES, "refresh"]) {
    const value = params.get(name);
    if (value) kept.set(name, value);
  }
  const query = kept.toString();
  return query ? `${href}?${query}` : href;
}

function isCurrent(pathname: string, href: string): boolean {
  return href === "/" ? pathname === "/" : pathname === href || pathname.startsWith(`${href}/`);
}

export function Sidebar({ areas, footer }: { areas: readonly Area[]; footer: React.ReactNode }) {
  const pathname = usePathname();
  const searchParams = useSearchParams();
  return (
    <aside className="sidebar">
      <Link href={withRange("/", searchParams)} className="brand">
        <Logo /> Flightdeck
      </Link>
      <nav className="nav" aria-label="Main">
        {NAV_ITEMS.filter((item) => areas.includes(item.area)).map((item) => (
          <Link
            key={item.href}
            href={withRange(item.href, searchParams)}
            aria-current={isCurrent(pathname, item.href) ? "page" : undefined}
          >
            <AreaIcon area={item.area} />
            {item.label}
          </Link>
        ))}
      </nav>
      <div className="sidebar-footer">{footer}</div>
    </aside>
  );
}
