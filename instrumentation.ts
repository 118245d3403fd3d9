/**
 * Runs once when a Flightdeck server starts, before it answers requests: opens the database (taking the data
 * folder's lock), applies migrations, and prints the one-time setup token while no user exists.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs" || process.env.NEXT_PHASE === "phase-production-build") return;
  const { bootServer } = await import("./server/boot");
  await bootServer();
}
