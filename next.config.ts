import type { NextConfig } from "next";
import { SECURITY_HEADERS } from "./server/http/security-headers";

const nextConfig: NextConfig = {
  // PGlite loads its wasm and data files by path at run time, and postgres.js opens sockets: neither is bundled.
  serverExternalPackages: ["@electric-sql/pglite", "postgres"],
  // forbidden() answers pages a role may not see with a real 403 and app/forbidden.tsx.
  experimental: { authInterrupts: true },
  poweredByHeader: false,
  typedRoutes: false,
  async headers() {
    return [{ source: "/:path*", headers: SECURITY_HEADERS }];
  },
};

export default nextConfig;
