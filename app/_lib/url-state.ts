"use client";

import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useCallback } from "react";

/** The page's query string: links that change some entries, and the same change as a navigation. */
export function useUrlState() {
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const hrefWith = useCallback(
    (entries: Record<string, string | null>) => {
      const next = new URLSearchParams(searchParams.toString());
      for (const [key, value] of Object.entries(entries)) {
        if (value === null || value === "") next.delete(key);
        else next.set(key, value);
      }
      return `${pathname}?${next.toString()}`;
    },
    [pathname, searchParams],
  );
  const set = useCallback((entries: Record<string, string | null>) => router.replace(hrefWith(entries), { scroll: false }), [router, hrefWith]);
  return { searchParams, set, hrefWith };
}

/**
 * A drag-selected span of a time chart, as the page's range: `from`/`to` in the URL replace the preset, so the zoom
 * can be linked, reloaded and undone with the back button. Spans under a minute are ignored.
 */
export function useZoomToRange() {
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  return useCallback(
    (startMs: number, endMs: number) => {
      if (endMs - startMs < 60_000) return;
      const next = new URLSearchParams(searchParams.toString());
      next.delete("range");
      next.set("from", new Date(Math.floor(startMs)).toISOString());
      next.set("to", new Date(Math.ceil(endMs)).toISOString());
      router.push(`${pathname}?${next.toString()}`, { scroll: false });
    },
    [router, pathname, searchParams],
  );
}
