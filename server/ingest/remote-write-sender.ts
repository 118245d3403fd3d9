import http from "node:http";
import https from "node:https";

/**
 * Connections kept open between requests, as Prometheus' shards keep theirs. node:http rather than fetch: a sender
 * spent ~2 ms of CPU a request in fetch, which on a small machine is taken from the server it measures.
 */
const agents = { "http:": new http.Agent({ keepAlive: true }), "https:": new https.Agent({ keepAlive: true }) };

interface Answer {
  status: number;
  body: string;
  retryAfter: string | undefined;
}

function post(url: URL, headers: Record<string, string>, body: Uint8Array, timeoutMs: number): Promise<Answer> {
  const transport = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const request = transport.request(
      url,
      { method: "POST", agent: agents[url.protocol as keyof typeof agents], headers: { ...headers, "content-length": String(body.byteLength) }, timeout: timeoutMs },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", reject);
        response.on("end", () => {
          const retryAfter = response.headers["retry-after"];
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8"), retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter });
        });
      },
    );
    request.on("timeout", () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on("error", reject);
    request.end(body);
  });
}

/**
 * A remote_write client that retries as Prometheus' queue manager does: on a 5xx, a 429 or a refused connection it
 * backs off (honouring Retry-After, capped) and resends the same batch; a 4xx drops the batch for good. Used by the
 * fault scripts and the load benchmark, so both see the app the way a real Prometheus does.
 */
export class PrometheusLikeSender {
  acked = new Set<number>();
  dropped: { index: number; status: number; body: string }[] = [];
  retries = 0;
  status503 = 0;
  /** Every HTTP answer received, first attempts and retries alike. */
  responses = 0;
  connectionErrors = 0;
  /** Milliseconds of each HTTP request that got an answer. */
  latenciesMs: number[] = [];

  constructor(
    private url: () => string,
    private token: string,
  ) {}

  /** Sends batch `index` until it is acknowledged or refused with a 4xx; `onSent` runs once the first attempt is out. */
  async send(index: number, body: Uint8Array, onSent?: () => void): Promise<void> {
    let backoffMs = 30;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) this.retries++;
      try {
        const started = performance.now();
        const pending = post(
          new URL(`${this.url()}/api/v1/write`),
          {
            authorization: `Bearer ${this.token}`,
            "content-type": "application/x-protobuf",
            "content-encoding": "snappy",
            "x-prometheus-remote-write-version": "0.1.0",
          },
          body,
          15_000,
        );
        if (attempt === 0) onSent?.();
        const response = await pending;
        this.responses++;
        this.latenciesMs.push(performance.now() - started);
        if (response.status >= 200 && response.status < 300) {
          this.acked.add(index);
          return;
        }
        if (response.status >= 500 || response.status === 429) {
          if (response.status === 503) this.status503++;
          const retryAfter = Number(response.retryAfter);
          await sleep(Math.min(Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : backoffMs, 2_000));
        } else {
          this.dropped.push({ index, status: response.status, body: response.body.slice(0, 200) });
          return;
        }
      } catch {
        this.connectionErrors++;
        await sleep(backoffMs);
      }
      backoffMs = Math.min(backoffMs * 2, 1_000);
    }
  }
}

export function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The q-quantile (0..1) of a list of numbers, nearest-rank. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
