import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter } from "@/server/api/root";
import { createTRPCContext } from "@/server/api/trpc";
import { isCrossSiteRequest } from "@/server/http/same-origin";

export const dynamic = "force-dynamic";

async function handler(req: Request) {
  if (req.method !== "GET" && isCrossSiteRequest(req.headers)) {
    return Response.json({ error: "Cross-site requests to Flightdeck's API are refused." }, { status: 403 });
  }
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: ({ req: request, resHeaders }) =>
      createTRPCContext({ headers: request.headers, resHeaders, url: request.url }),
  });
}

export { handler as GET, handler as POST };
