import type { Area } from "@/server/auth/roles";

/** 16 px line icons, one per area; drawn with currentColor so they follow the theme. */
const PATHS: Record<Area, string> = {
  overview: "M2 2h5v5H2zM9 2h5v3H9zM9 7h5v7H9zM2 9h5v5H2z",
  gpus: "M3 4h10v8H3zM5 2v2M8 2v2M11 2v2M5 12v2M8 12v2M11 12v2M6 6h4v4H6z",
  jobs: "M2 13l3-5 3 2 3-6 3 4M2 2v12h12",
  cache: "M3 4c0-1 2.2-2 5-2s5 1 5 2-2.2 2-5 2-5-1-5-2zM3 4v8c0 1 2.2 2 5 2s5-1 5-2V4M3 8c0 1 2.2 2 5 2s5-1 5-2",
  cost: "M8 1v14M11 4H6.5a2 2 0 000 4h3a2 2 0 010 4H5",
  explanations: "M2 3h12M2 6h8M2 9h10M2 12h5",
  settings: "M8 5.5a2.5 2.5 0 100 5 2.5 2.5 0 000-5zM8 1v2M8 13v2M1 8h2M13 8h2M3 3l1.5 1.5M11.5 11.5L13 13M3 13l1.5-1.5M11.5 4.5L13 3",
};

export function AreaIcon({ area }: { area: Area }) {
  return (
    <svg width="16" height="16" viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth="1.4" aria-hidden="true">
      <path d={PATHS[area]} strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}

export function Logo() {
  return (
    <svg width="22" height="22" viewBox="0 0 32 32" aria-hidden="true">
      <rect width="32" height="32" rx="7" fill="var(--accent)" />
      <path d="M7 21l6-10 5 6 3-4 4 8" stroke="var(--accent-text)" strokeWidth="2.4" fill="none" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}
