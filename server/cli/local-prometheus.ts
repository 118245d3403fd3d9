/**
 * A real Prometheus (Debian's `prometheus` package) on a free loopback port, for the conformance and same-answers
 * tests and the ingest benchmark. Callers skip with a message when `PROMETHEUS_BINARY` is undefined.
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { freePort, stopProcessGroup } from "./local-server";

/** The `prometheus` binary on PATH, if there is one. */
export const PROMETHEUS_BINARY: string | undefined = (process.env.PATH ?? "")
  .split(":")
  .map((dir) => path.join(dir, "prometheus"))
  .find((file) => fs.existsSync(file));

/** For an engine fed history by remote_write: no scrapes, and an out-of-order window so requests may interleave. */
export const HISTORY_RECEIVER_CONFIG = { global: { scrape_interval: "15s" }, storage: { tsdb: { out_of_order_time_window: "1d" } } };

export interface LocalPrometheus {
  url: string;
  configFile: string;
  logFile: string;
  process: ChildProcess;
  /** The data of a successful answer of the HTTP API at `/api/v1/<query>`. */
  api<T>(query: string): Promise<T>;
  stop(): Promise<void>;
}

/**
 * Starts Prometheus with `config` (JSON is YAML) and its TSDB under `dir`; with `remoteWriteReceiver`, it accepts
 * remote_write at /api/v1/write. Resolves once /-/ready answers; throws with the log otherwise.
 */
export async function startLocalPrometheus(opts: { dir: string; config: object; remoteWriteReceiver?: boolean }): Promise<LocalPrometheus> {
  if (!PROMETHEUS_BINARY) throw new Error("No `prometheus` binary on PATH (apt-get install prometheus).");
  fs.mkdirSync(opts.dir, { recursive: true });
  const address = `127.0.0.1:${await freePort()}`;
  const url = `http://${address}`;
  const configFile = path.join(opts.dir, "prometheus.yml");
  const logFile = path.join(opts.dir, "prometheus.log");
  fs.writeFileSync(configFile, JSON.stringify(opts.config));
  const log = fs.openSync(logFile, "a");
  const args = [`--config.file=${configFile}`, `--storage.tsdb.path=${path.join(opts.dir, "tsdb")}`, `--web.listen-address=${address}`];
  if (opts.remoteWriteReceiver) args.push("--web.enable-remote-write-receiver");
  const child = spawn(PROMETHEUS_BINARY, args, { stdio: ["ignore", log, log], detached: true });
  const stop = () => stopProcessGroup(child.pid!);
  const deadline = Date.now() + 30_000;
  while (!(await fetch(`${url}/-/ready`).then((r) => r.ok, () => false))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`Prometheus did not become ready within 30 s; log:\n${fs.readFileSync(logFile, "utf8")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const api = async <T>(query: string): Promise<T> => {
    const response = await fetch(`${url}/api/v1/${query}`);
    if (!response.ok) throw new Error(`Prometheus ${query}: ${response.status} ${await response.text()}`);
    return ((await response.json()) as { data: T }).data;
  };
  return { url, configFile, logFile, process: child, api, stop };
}
