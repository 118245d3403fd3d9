import path from "node:path";
import { defineConfig } from "vitest/config";

// Tests named *.db.test.ts talk to a database. They always run on in-memory PGlite and, when DATABASE_URL
// is set, a second time on that server, each file in a database of its own (see db/testing.ts).
const exclude = ["node_modules/**", ".next/**", "e2e/**", ".flightdeck/**"];

export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true as const,
        test: { name: "pglite", include: ["**/*.test.ts"], exclude, env: { FLIGHTDECK_TEST_DRIVER: "pglite" } },
      },
      ...(process.env.DATABASE_URL
        ? [
            {
              extends: true as const,
              test: {
                name: "postgres",
                include: ["**/*.db.test.ts"],
                exclude,
                env: { FLIGHTDECK_TEST_DRIVER: "postgres" },
              },
            },
          ]
        : []),
    ],
  },
});
