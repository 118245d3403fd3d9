import { getDatabase } from "@/db";
import { DataFolderLockedError } from "@/db/lock";
import { issueSetupToken, needsSetup } from "@/server/auth/setup";
import { startServerJobs } from "@/server/jobs";
import { retentionFromEnv } from "@/server/jobs/retention";
import { signalCatalog } from "@/server/query/catalog";

/** Opens the database and, on an instance without users, prints a setup token; exits with a sentence on failure. */
export async function bootServer(): Promise<void> {
  try {
    retentionFromEnv();
    signalCatalog();
  } catch (error) {
    console.error(`\nFlightdeck cannot start: ${(error as Error).message}\n`);
    process.exit(1);
  }
  let database;
  try {
    database = await getDatabase();
  } catch (error) {
    if (error instanceof DataFolderLockedError) {
      console.error(`\nFlightdeck cannot start: ${error.message}\n`);
    } else {
      console.error("\nFlightdeck cannot open its database:", error instanceof Error ? error.message : error, "\n");
    }
    process.exit(1);
  }
  console.log(`Flightdeck database: ${database.driver} (${database.location})`);
  startServerJobs(database);
  if (await needsSetup(database.db)) {
    const token = await issueSetupToken(database.db);
    const origin = process.env.FLIGHTDECK_PUBLIC_URL ?? `http://localhost:${process.env.PORT ?? 3000}`;
    console.log(
      [
        "",
        "  Flightdeck has no users yet. Create the first admin at",
        `    ${origin}/setup`,
        "  with this one-time setup token (valid 24 h; a restart prints a new one):",
        `    FLIGHTDECK_SETUP_TOKEN=${token}`,
        "",
      ].join("\n"),
    );
  }
}
