import { defaultShouldDehydrateQuery, QueryCache, QueryClient } from "@tanstack/react-query";
import superjson from "superjson";

export function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      // 30 s: a page prefetched on the server is not fetched again the moment it hydrates.
      queries: { staleTime: 30_000, retry: 1 },
      dehydrate: {
        serializeData: superjson.serialize,
        // Pending prefetches are sent too, so a slow query streams in instead of being asked for again.
        shouldDehydrateQuery: (query) => defaultShouldDehydrateQuery(query) || query.state.status === "pending",
      },
      hydrate: { deserializeData: superjson.deserialize },
    },
    // prefetchQuery swallows rejections; the cache is the one place a failed server prefetch can be seen.
    queryCache: new QueryCache({
      onError: (error, query) => {
        if (typeof window === "undefined") console.error(`query ${JSON.stringify(query.queryKey)} failed:`, error.message);
      },
    }),
  });
}
