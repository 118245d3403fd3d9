/**
 * `npm run admin -- <command>`: user and token administration for automation and recovery, on the database the app
 * uses (DATABASE_URL, else the embedded data folder, which only one process may open at a time).
 */
import { parseArgs } from "node:util";
import { configFromEnv, type Database, openDatabase } from "@/db";
import { DataFolderLockedError } from "@/db/lock";
import { generatePassword } from "@/server/auth/password";
import { isRole, isTokenScope, ROLES, TOKEN_SCOPES } from "@/server/auth/roles";
import { createApiToken } from "@/server/auth/tokens";
import { createUser, setUserPassword } from "@/server/auth/users";
import { AppError } from "@/server/errors";

const USAGE = `Usage: npm run admin -- <command> [options]

Commands:
  create-user --email E --password P --role ${ROLES.join("|")} [--name N]
  create-token --name N --scopes ${TOKEN_SCOPES.join(",")}
                 prints the token alone on the last line of output
  reset-password --email E [--password P]
                 sets P, or a generated password that is printed; signs the user out everywhere`;

class UsageError extends Error {}

function need(values: Record<string, string | undefined>, name: string): string {
  const value = values[name];
  if (!value) throw new UsageError(`${name} is required.`);
  return value;
}

async function run(database: Database, command: string, values: Record<string, string | undefined>): Promise<void> {
  const actor = { ip: "admin-cli" };
  switch (command) {
    case "create-user": {
      const role = need(values, "role");
      if (!isRole(role)) throw new UsageError(`--role must be one of ${ROLES.join(", ")}, not "${role}".`);
      const user = await createUser(
        database.db,
        { email: need(values, "email"), password: need(values, "password"), role, name: values.name },
        actor,
      );
      console.log(`Created ${user.role} ${user.email} (id ${user.id}).`);
      return;
    }
    case "create-token": {
      const scopes = need(values, "scopes").split(",").map((s) => s.trim()).filter(Boolean);
      const unknown = scopes.filter((s) => !isTokenScope(s));
      if (unknown.length) throw new UsageError(`Unknown scope ${unknown.join(", ")}; scopes are ${TOKEN_SCOPES.join(", ")}.`);
      const { id, token } = await createApiToken(
        database.db,
        { name: need(values, "name"), scopes: scopes.filter(isTokenScope) },
        actor,
      );
      console.log(`Created token ${id} "${values.name}" with ${scopes.join(", ")}. It is shown once:`);
      console.log(token);
      return;
    }
    case "reset-password": {
      const password = values.password ?? generatePassword();
      await setUserPassword(database.db, need(values, "email"), password, actor);
      console.log(`Password of ${values.email} reset; its sessions are signed out.`);
      if (!values.password) console.log(`New password: ${password}`);
      return;
    }
    default:
      throw new UsageError(command ? `Unknown command "${command}".` : "Name a command.");
  }
}

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      email: { type: "string" },
      password: { type: "string" },
      role: { type: "string" },
      name: { type: "string" },
      scopes: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const command = positionals[0] ?? "";
  if (values.help || !command) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  let database: Database | undefined;
  try {
    database = await openDatabase(configFromEnv());
    await run(database, command, values as Record<string, string | undefined>);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof DataFolderLockedError) {
      console.error(`${error.message}\nThe admin CLI needs the folder to itself: stop the app, run the command, start it again.`);
      return 3;
    }
    if (error instanceof AppError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  } finally {
    await database?.close();
  }
}

main().then((code) => process.exit(code));
