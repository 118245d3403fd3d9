import { randomBytes } from "node:crypto";
import postgres from "postgres";

const serverUrl = () => process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface ScratchDatabase {
  name: string;
  url: URL;
  drop: () => Promise<void>;
}

/**
 * A database of its own on the local Postgres (DATABASE_URL's server, or 127.0.0.1:5432), for a benchmark or a fault
 * script; `drop()` removes it unless the command line says `--keep`.
 */
export async function scratchDatabase(kind: string): Promise<ScratchDatabase> {
  const server = serverUrl();
  const name = `flightdeck_${kind}_${randomBytes(4).toString("hex")}`;
  const admin = postgres(server, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    name,
    url,
    drop: async () => {
      if (!process.argv.includes("--keep")) await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

/** A database a `--keep` run left on the same server, to use again; `drop()` leaves it. */
export function keptDatabase(name: string): ScratchDatabase {
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  return { name, url, drop: async () => {} };
}
