import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // PGlite loads its wasm and data files by path at run time, and postgres.js opens sockets: neither is bundled.
  serverExternalPackages: ["@electric-sql/pglite", "postgres"],
  // forbidden() answers pages a role may not see with a real 403 and app/forbidden.tsx.
  experimental: { authInterrupts: true },
  poweredByHeader: false,
  typedRoutes: false,
};

export default nextConfig;
