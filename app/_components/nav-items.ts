import type { Area } from "@/server/auth/roles";

export interface NavItem {
  area: Area;
  href: string;
  label: string;
}

export const NAV_ITEMS: NavItem[] = [
  { area: "overview", href: "/", label: "Overview" },
  { area: "gpus", href: "/gpus", label: "GPUs" },
  { area: "jobs", href: "/jobs", label: "Jobs" },
  { area: "cache", href: "/cache", label: "Cache" },
  { area: "cost", href: "/cost", label: "Cost" },
  { area: "explanations", href: "/explanations", label: "Explanations" },
  { area: "settings", href: "/settings", label: "Settings" },
];
