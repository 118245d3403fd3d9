import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import postgres from "postgres";
import { type LocalServer, startLocalServer } from "../server/cli/local-server";
import { expect, OUTPUT, test } from "./fixtures";

/**
 * Two Flightdeck instances on one Postgres database, each with its background jobs on, as `README → Running at
 * scale` describes: a session opened on one works on the other, ingest to both is stored once, and each background
 * job runs once per interval, not once per replica.
 */
const SERVER_URL = process.env.DATABASE_URL;
const ROOT = path.resolve(import.meta.dirname, "..");
const USER = { email: "replica-admin@example.com", password: "replica password 1" };

test.describe("two replicas on one Postgres", () => {
  test.skip(!SERVER_URL, "Replicas share a Postgres server: set DATABASE_URL to run these.");
  test.describe.configure({ mode: "serial", timeout: 120_000 });

  const name = `flightdeck_replicas_${randomBytes(4).toString("hex")}`;
  let admin: postgres.Sql;
  let db: postgres.Sql;
  let replicas: LocalServer[] = [];
  let token = "";
  let startedAt = 0;

  test.beforeAll(async () => {
    admin = postgres(SERVER_URL!, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    const url = new URL(SERVER_URL!);
    url.pathname = `/${name}`;
    db = postgres(url.toString(), { max: 2, onnotice: () => {} });
    startedAt = Date.now();
    // Started together, as an orchestrator starts replicas: both migrate the new database at once.
    replicas = await Promise.all(
      ["a", "b"].map((id) =>
        startLocalServer({ root: ROOT, dataDir: path.join(OUTPUT, `replica-${id}`), logFile: path.join(OUTPUT, `replica-${id}.log`), databaseUrl: url.toString() }),
      ),
    );
    const cli = (...args: string[]) =>
      execFileSync(path.join(ROOT, "node_modules", ".bin", "tsx"), ["server/cli/admin.ts", ...args], {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: url.toString() },
        encoding: "utf8",
      });
    cli("create-user", "--email", USER.email, "--password", USER.password, "--role", "admin");
    token = cli("create-token", "--name", "replica sender", "--scopes", "metrics:write").trim().split("\n").at(-1)!;
  });

  test.afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await db?.end();
    await admin?.unsafe(`drop database if exists ${name} with (force)`);
    await admin?.end();
  });

  test("a session opened on one replica works on the other, and signing out on either ends it", async ({ page }) => {
    const [a, b] = replicas as [LocalServer, LocalServer];
    await page.goto(`${a.url}/login`);
    await page.getByLabel("Email").fill(USER.email);
    await page.getByLabel("Password").fill(USER.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("heading", { name: "Overview", level: 1 })).toBeVisible();
    // Cookies are per host, not per port: the same browser now talks to the other replica.
    await page.goto(`${b.url}/settings/users`);
    await expect(page.getByRole("row", { name: new RegExp(`^${USER.email} you`) })).toBeVisible();
    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await expect(page).toHaveURL(/\/login/);
    await page.goto(`${a.url}/settings/users`);
    await expect(page).toHaveURL(/\/login\?next=/);
  });

  test("the same batch sent to both replicas is stored once; different batches are all stored", async () => {
    const [a, b] = replicas as [LocalServer, LocalServer];
    const t0 = Date.now() - 60_000;
    const page = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => `replica_check{i="${from + i}"} ${from + i} ${t0}`).join("\n") + "\n";
    const send = (url: string, body: string) =>
      fetch(`${url}/api/v1/import/prometheus?extra_label=test=replicas`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body });
    const shared = page(0, 500);
    const answers = await Promise.all([send(a.url, shared), send(b.url, shared), send(a.url, page(500, 250)), send(b.url, page(750, 250))]);
    for (const answer of answers) expect(answer.status, await answer.clone().text()).toBeLessThan(300);
    const [row] = await db`
      select count(*)::int as samples, count(distinct s.series_id)::int as series, sum(s.value)::float8 as total
      from samples s join series x on x.id = s.series_id where x.metric = 'replica_check'`;
    expect(row).toEqual({ samples: 1000, series: 1000, total: (999 * 1000) / 2 });
  });

  test("each background job ran once per interval since both replicas started, not once per replica", async () => {
    const ran = () => db<{ name: string; run_count: number }[]>`
      select name, run_count from job_state where last_started_at >= ${new Date(startedAt)} order by name`;
    const slow = async () => (await ran()).filter((r) => r.name !== "scrape");
    // Each replica tries every job a second or two after start; whichever takes the lock first runs it.
    // Rollup (every minute) and retention (every hour) must therefore have run exactly once.
    await expect.poll(async () => (await slow()).map((r) => r.name), { timeout: 15_000 }).toEqual(["retention", "rollup"]);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    for (const row of await slow()) expect(row.run_count, `job ${row.name}`).toBe(1);
    // The scraper is due every second (with 0.1 s of slack for timer jitter): two replicas each running it would count
    // about twice the seconds elapsed.
    const scrape = (await ran()).find((r) => r.name === "scrape");
    expect(scrape, "the scrape job has run").toBeDefined();
    const elapsedSeconds = (Date.now() - startedAt) / 1000;
    expect(scrape!.run_count).toBeLessThanOrEqual(Math.ceil(elapsedSeconds / 0.9) + 2);
  });
});
