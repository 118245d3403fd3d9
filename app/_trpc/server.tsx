import "server-only";

import { dehydrate, HydrationBoundary } from "@tanstack/react-query";
import { createTRPCOptionsProxy, type TRPCQueryOptions } from "@trpc/tanstack-react-query";
import { headers } from "next/headers";
import { cache } from "react";
import { appRouter } from "@/server/api/root";
import { createTRPCContext } from "@/server/api/trpc";
import { makeQueryClient } from "./query-client";

export const getQueryClient = cache(makeQueryClient);

// cache() is load-bearing: the proxy calls this factory for every prefetch, and each call would otherwise look the
// session up again.
const createContext = cache(async () => createTRPCContext({ headers: new Headers(await headers()) }));

export const trpc = createTRPCOptionsProxy({ router: appRouter, ctx: createContext, queryClient: getQueryClient });

/**
 * Waits for this request's prefetches before dehydrating: a query still pending here would be rendered as loading
 * on the server but could have resolved by the time the browser hydrates, and the two trees would differ.
 */
export async function HydrateClient({ children }: { children: React.ReactNode }) {
  const client = getQueryClient();
  await Promise.all(client.getQueryCache().getAll().map((query) => query.promise?.catch(() => undefined)));
  return <HydrationBoundary state={dehydrate(client)}>{children}</HydrationBoundary>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function prefetch<T extends ReturnType<TRPCQueryOptions<any>>>(queryOptions: T) {
  void getQueryClient().prefetchQuery(queryOptions);
}
